import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Logger } from '../../shared/logger';
import { openDatabaseSync, type Db } from '../db/connection';
import type { S3Client } from '@aws-sdk/client-s3';
import { createArchiveRepository } from '../db/repositories/archive-repository';
import { createAuditHeadRepository } from '../db/repositories/audit-head-repository';
import { createAuditTrailRepository } from '../db/repositories/audit-trail-repository';
import { createComplianceRepository } from '../db/repositories/compliance-repository';
import { createHoldRepository } from '../db/repositories/hold-repository';
import { createIndexRepository } from '../db/repositories/index-repository';
import { createJobsRepository } from '../db/repositories/jobs-repository';
import { createMediaRepository } from '../db/repositories/media-repository';
import { createReviewJournalRepository } from '../db/repositories/review-journal-repository';
import { systemClock } from './adapters/system-clock';
import { ArchiveJob, type ArchiveJobDeps } from './archive/archive-job';
import { ArchiveReader } from './archive/archive-reader';
import { ArchiveStore } from './archive/archive-store';
import { AlertRules } from './audit/alert-rules';
import { AuditLog } from './audit/audit-log';
import { AuditTrail } from './audit/audit-trail';
import { createKeyringSecretStore } from './auth/adapters/keyring-secret-store';
import { CredentialVault } from './auth/credentials';
import { BulkJobs } from './bulk/bulk-jobs';
import { MediaCache } from './cache/media-cache';
import { archiveSettingsOf, loadProfile, profilePaths, type Profile, type ProfilePaths } from './config/profile';
import type { AuditWriter } from './audit/audit-writer';
import { CustodyEngine } from './custody-engine';
import type { GenesysServices } from './retrieval/genesys-services';
import { AppError, AuditUnavailableError, AuthError } from './errors';
import { EventHub } from './events';
import { HoldService } from './holds/hold-service';
import { currentOsAccount, currentWorkstation } from './identity';
import { IndexSync } from './index/index-sync';
import { createFileLogWriter, createLogger } from './logging/file-logger';
import { SecretRedactor } from './logging/redactor';
import { PackBuilder, type PackAuditStore } from './packs/pack-builder';
import { PackService } from './packs/pack-service';
import { PlaybackGrants } from './playback/playback-grants';
import { PostureService } from './posture/posture-service';
import type { Clock, HttpClient, Random, SecretStore } from './ports';
import { RetentionSweep } from './retention/retention-sweep';
import { RateGovernor } from './retrieval/rate-governor';
import { RecordingFetcher } from './retrieval/recording-fetcher';
import { Session } from './session';
import { loadOrCreateSigningKey } from './signing/signing-key';
import { shutdown, type ShutdownBudgets } from './shutdown';
import { createWormS3Client } from './worm/s3-client';

export type ComposeOptions = {
  profile: string;
  /** How this host's renderer addresses media (media:// in Electron, the stand-in origin in the shell). */
  mediaUrlBase: string;
  env?: NodeJS.ProcessEnv;
  secrets?: SecretStore;
  clock?: Clock;
  random?: Random;
  http?: HttpClient;
  /** Act as this operator instead of the profile's (the CLI's --operator: a four-eyes release needs two). */
  operatorName?: string;
};

export type ComposedEngine = {
  engine: CustodyEngine;
  events: EventHub;
  session: Session;
  grants: PlaybackGrants;
  packs: PackService;
  /** The WORM bucket and log the audit writer uses, for readers (packs, journal sync). */
  auditStore: () => Promise<PackAuditStore>;
  audit: () => Promise<AuditWriter>;
  logger: Logger;
  redactor: SecretRedactor;
  vault: CredentialVault;
  profile: Profile;
  paths: ProfilePaths;
  db: Db;
  /** The verifiable audit log (alerts, Merkle tree, checkpoints, verification); needs the WORM store's keys. */
  auditTrail: () => Promise<AuditTrail>;
  /** The nightly copy into the WORM archive; throws a clear error when no archive bucket is configured. */
  archiveJob(options?: { onItem?: ArchiveJobDeps['onItem'] }): Promise<ArchiveJob>;
  holds: HoldService;
  /** The retention sweep over the archive bucket; throws when no archive bucket is configured. */
  retention(): Promise<RetentionSweep>;
  posture: PostureService;
  jobs: BulkJobs;
  /** The orderly shutdown (see `shutdown`); every host calls it on quit, and later calls share the first. */
  close(budgets?: Partial<ShutdownBudgets>): Promise<void>;
};

/** Builds once and caches success; a failure (no credentials yet, keychain locked) is retried next time. */
function lazy<T>(build: () => Promise<T>): () => Promise<T> {
  return resettableLazy(build).get;
}

/** `lazy`, plus `reset` to build again on next use (new credentials after Genesys refused the old ones). */
function resettableLazy<T>(build: () => Promise<T>): { get: () => Promise<T>; reset: () => void } {
  let built: Promise<T> | null = null;
  return {
    get: () => {
      built ??= build().catch((error: unknown) => {
        built = null;
        throw error;
      });
      return built;
    },
    reset: () => {
      built = null;
    },
  };
}

/**
 * The composition root: the one place that picks concrete adapters (OS keychain, SQLite file,
 * radosgw/S3, the Genesys SDK, the system clock) and wires the engine from them. Electron's main
 * process, the browser shell and the CLI all start here.
 */
export async function composeEngine(options: ComposeOptions): Promise<ComposedEngine> {
  const env = options.env ?? process.env;
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const http = options.http ?? fetch;
  const paths = profilePaths(options.profile, env);
  const profile = await loadProfile(paths.profileFile);
  const redactor = new SecretRedactor();
  const logFile = createFileLogWriter(join(paths.dataDir, 'logs'));
  const logger = createLogger({ sink: logFile.write, redactor, minLevel: 'info' });
  const db = openDatabaseSync(join(paths.dataDir, 'index.sqlite'));
  const index = createIndexRepository(db);
  const media = createMediaRepository(db);
  const cache = new MediaCache({ dir: join(paths.dataDir, 'media'), repository: media, clock });
  const grants = new PlaybackGrants(clock);
  const vault = new CredentialVault(options.secrets ?? createKeyringSecretStore(), options.profile, redactor);
  const osAccount = currentOsAccount();
  const operator = { osAccount, name: options.operatorName ?? profile.operatorName ?? osAccount };
  const workstation = currentWorkstation();
  const session = new Session(options.profile, operator, workstation, (caseReference) => engine.endPlaysOutsideCase(caseReference));
  const events = new EventHub();

  const auditStore = lazy(async (): Promise<PackAuditStore> => {
    const worm = profile.worm;
    if (!worm) {
      throw new AuditUnavailableError(
        `No WORM audit log is configured for profile "${options.profile}" (run "custody worm start" or configure one); nothing can be accessed without it.`,
        undefined,
        { retryable: false },
      );
    }
    const credentials = await vault.loadWorm();
    if (!credentials) {
      throw new AuditUnavailableError(`The WORM store's access keys are not in the keychain for profile "${options.profile}".`, undefined, {
        retryable: false,
      });
    }
    return {
      s3: createWormS3Client({ endpoint: worm.endpoint, region: worm.region, ...credentials }),
      bucket: worm.auditBucket,
      logId: profile.logId,
      retention: { mode: worm.mode, durationMs: worm.auditRetentionDays * 86_400_000 },
    };
  });

  const auditRepository = createAuditTrailRepository(db);
  const signingKey = lazy(() => loadOrCreateSigningKey(vault));
  let builtTrail: AuditTrail | null = null;
  const auditTrail = lazy(async (): Promise<AuditTrail> => {
    const { s3, bucket, logId, retention } = await auditStore();
    const log = new AuditLog({
      s3,
      bucket,
      logId,
      operator,
      workstation,
      clock,
      newEventId: randomUUID,
      retention,
      headStore: createAuditHeadRepository(db),
      lockFile: join(paths.dataDir, 'audit.lock'),
      logger: logger.child('audit'),
    });
    builtTrail = new AuditTrail({
      log,
      s3,
      bucket,
      logId,
      retention,
      repository: auditRepository,
      signingKey,
      alerts: new AlertRules({
        settings: profile.audit.alerts,
        countRecent: (account, actions, sinceMs) => auditRepository.countOperatorEvents(logId, account, actions, sinceMs),
        participantsOf: async ({ recordingId, conversationId }) => {
          const match = recordingId ? await index.findRecording(recordingId) : null;
          const conversation = match ?? (conversationId ? (await index.recordingsOfConversation(conversationId))[0] : null);
          return conversation?.participants ?? [];
        },
      }),
      checkpointPolicy: profile.audit.checkpoint,
      operator,
      workstation,
      clock,
      logger: logger.child('audit'),
      events,
      checkpointLockFile: join(paths.dataDir, 'audit-checkpoint.lock'),
    });
    return builtTrail;
  });
  // Every access (engine, packs, review journal) goes through the trail: alerts, Merkle tree, checkpoints.
  const audit = (): Promise<AuditWriter> => auditTrail();
  // After every successful sync: is the bucket's log still an extension of the one seen before?
  const unsubscribeSyncCheck = events.subscribe((event) => {
    if (event.kind === 'index.syncCompleted') builtTrail?.checkConsistencyInBackground();
  });

  const genesysClient = resettableLazy(async () => {
    if (!profile.genesys) {
      throw new AuthError(`No Genesys org is configured for profile "${options.profile}" (run "custody login" or "custody sandbox").`);
    }
    const credentials = await vault.loadGenesys();
    // The Genesys SDK is large: load it only when a Genesys call is actually needed.
    const { createGenesysClient } = await import('./genesys/genesys-client');
    // One governor for the one token all clients share: jobs are paced, searches only wait out a 429.
    const governor = new RateGovernor({ clock, random, logger: logger.child('rate') });
    const client = createGenesysClient({
      endpoint: profile.genesys,
      credentials,
      clock,
      random,
      logger: logger.child('genesys'),
      onToken: (token) => redactor.register(token),
      acquire: governor.acquire,
      onRateLimit: governor.observe,
    });
    return { ...client, governor };
  });

  const genesysServices = resettableLazy(async (): Promise<GenesysServices> => {
    const client = await genesysClient.get();
    const sync = new IndexSync({ genesys: client.interactive, index, clock, logger: logger.child('index') });
    const fetcher = new RecordingFetcher({ genesys: client.interactive, http, cache, clock, random, logger: logger.child('media') });
    return { sync, fetcher, bulk: client.bulk, governor: client.governor };
  });
  const genesys = genesysServices.get;

  // The nightly archive waits out Genesys faults (the bulk policy) instead of failing fast.
  const archiveGenesysConnection = resettableLazy(async () => {
    const client = await genesysClient.get();
    return {
      sync: new IndexSync({ genesys: client.bulk, index, clock, logger: logger.child('index') }),
      fetcher: new RecordingFetcher({ genesys: client.bulk, http, cache, clock, random, logger: logger.child('archive-media') }),
    };
  });
  const archiveGenesys = archiveGenesysConnection.get;

  const genesysAdminConnection = resettableLazy(async () => ({ client: (await genesysClient.get()).interactive, sync: (await genesys()).sync }));
  const genesysAdmin = genesysAdminConnection.get;
  /** After Genesys refused the credentials (a blocked job), the next call reads them again from the keychain. */
  const reconnectGenesys = () => {
    for (const connection of [genesysClient, genesysServices, archiveGenesysConnection, genesysAdminConnection]) connection.reset();
  };

  /** The WORM store's client for the archive and the posture check; null when no store is configured. */
  const wormS3 = lazy(async (): Promise<S3Client | null> => {
    const worm = profile.worm;
    if (!worm) return null;
    const credentials = await vault.loadWorm();
    if (!credentials) throw new AppError('STORAGE', `The WORM store's access keys are not in the keychain for profile "${options.profile}".`);
    return createWormS3Client({ endpoint: worm.endpoint, region: worm.region, ...credentials });
  });

  const archiveSettings = archiveSettingsOf(profile);
  const archiveRepository = createArchiveRepository(db);
  const holdRepository = createHoldRepository(db);
  const archiveStore = lazy(async (): Promise<ArchiveStore | null> => {
    const bucket = profile.worm?.archiveBucket;
    const s3 = await wormS3();
    if (!bucket || !s3) return null;
    return new ArchiveStore({
      s3,
      bucket,
      mode: profile.worm!.mode,
      multipartThresholdBytes: archiveSettings.multipartThresholdBytes,
      partSizeBytes: archiveSettings.partSizeBytes,
      transferTimeoutMs: archiveSettings.transferTimeoutSeconds * 1000,
      logger: logger.child('archive'),
    });
  });
  const requireArchiveStore = async (): Promise<ArchiveStore> => {
    const store = await archiveStore();
    if (!store) {
      throw new AppError('VALIDATION', `No WORM archive bucket is configured for profile "${options.profile}" (run "custody worm start", or set worm.archiveBucket).`);
    }
    return store;
  };
  const archiveReader = lazy(async (): Promise<ArchiveReader | null> => {
    const store = await archiveStore();
    return store ? new ArchiveReader({ store, archive: archiveRepository, cache, logger: logger.child('archive'), restore: archiveSettings }) : null;
  });
  const genesysSource = profile.genesys ? ('gateway' in profile.genesys ? profile.genesys.gateway : `https://api.${profile.genesys.region}`) : 'none';

  const engine = new CustodyEngine({
    index,
    media,
    cache,
    grants,
    audit,
    genesys,
    clock,
    logger: logger.child('engine'),
    events,
    mediaUrlBase: options.mediaUrlBase,
    archive: archiveReader,
  });

  const holds = new HoldService({
    holds: holdRepository,
    archive: archiveRepository,
    index,
    store: archiveStore,
    genesys: genesysAdmin,
    audit,
    clock,
    logger: logger.child('holds'),
    newId: randomUUID,
    operator,
    protectionCap: archiveSettings.genesysProtectionCap,
  });

  const posture = new PostureService({
    profile: options.profile,
    s3: wormS3,
    provider: profile.worm?.provider ?? (profile.worm && /\.amazonaws\.com$/.test(new URL(profile.worm.endpoint).hostname) ? 'aws' : 's3-compatible'),
    auditBucket: profile.worm?.auditBucket ?? null,
    archiveBucket: profile.worm?.archiveBucket ?? null,
    compliance: profile.compliance ?? null,
    genesysEndpoint: profile.genesys,
    genesys: genesysAdmin,
    repository: createComplianceRepository(db),
    audit,
    clock,
    logger: logger.child('posture'),
    newId: randomUUID,
  });

  const packs = new PackService({
    builder: new PackBuilder({
      engine,
      findRecording: (recordingId) => index.findRecording(recordingId),
      audit,
      auditStore,
      checkpointNow: async () => (await auditTrail()).checkpointNow(),
      signingKey,
      operator,
      workstation,
      clock,
      logger: logger.child('packs'),
      events,
    }),
    repository: createReviewJournalRepository(db),
    packsDir: join(paths.dataDir, 'packs'),
    clock,
  });

  let closing: Promise<void> | null = null;
  const jobs = new BulkJobs({
    jobs: createJobsRepository(db),
    index,
    audit,
    genesys,
    reconnect: reconnectGenesys,
    http,
    clock,
    random,
    logger: logger.child('jobs'),
    events,
    exportsDir: join(paths.dataDir, 'exports'),
  });

  return {
    engine,
    events,
    session,
    grants,
    packs,
    auditStore,
    audit,
    logger,
    redactor,
    vault,
    profile,
    paths,
    db,
    auditTrail,
    archiveJob: async (jobOptions = {}) =>
      new ArchiveJob({
        ...jobOptions,
        store: await requireArchiveStore(),
        archive: archiveRepository,
        holds: holdRepository,
        genesys: archiveGenesys,
        audit,
        clock,
        logger: logger.child('archive'),
        operator,
        workstation,
        retentionYears: profile.compliance?.retentionYears ?? 5,
        stagingDir: join(paths.dataDir, 'archive-staging'),
        lockFile: join(paths.dataDir, 'archive.lock'),
        sourceApi: genesysSource,
        newId: randomUUID,
      }),
    holds,
    retention: async () =>
      new RetentionSweep({
        store: await requireArchiveStore(),
        archive: archiveRepository,
        holds: holdRepository,
        clock,
        logger: logger.child('retention'),
        newId: randomUUID,
        reportRetentionMs: (profile.worm?.auditRetentionDays ?? 1826) * 86_400_000,
      }),
    posture,
    jobs,
    close: (budgets) => {
      closing ??= (async () => {
        const message = 'Custody was closed while the job ran; resume it to continue.';
        await shutdown(
          {
            stopAccepting: () => {
              jobs.refuseNewRuns();
              grants.revokeAll();
              unsubscribeSyncCheck();
            },
            pauseJobs: () => jobs.stopAll(message, { atItemBoundary: true }),
            stopJobs: () => jobs.stopAll(message),
            drainAudit: async () => builtTrail?.drain(),
            finishCheckpoints: async () => builtTrail?.flush(),
            closeDatabase: () => {
              db.close();
            },
            closeLog: () => logFile.close(),
          },
          { logger: logger.child('shutdown'), ...(budgets ? { budgets } : {}) },
        );
      })();
      return closing;
    },
  };
}
