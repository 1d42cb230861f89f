import { join } from 'node:path';
import type { Workstation } from '../../../shared/domain';
import type { Logger } from '../../../shared/logger';
import type { AuditMirrorRepository } from '../../db/repositories/audit-mirror-repository';
import type { AlertRuleDeps } from '../audit/alert-rules';
import { auditActors, type AuditActors } from '../audit/audit-actor';
import { buildAuditModule, type AuditModule } from '../audit/audit-module';
import type { AuditWriter } from '../audit/audit-writer';
import type { AuditHeadStore } from '../audit/event-chain';
import { FirmLogs } from '../audit/firm-logs';
import { FirmTrail } from '../audit/firm-trail';
import { startVerifyWorker } from '../audit/verify-worker-client';
import type { CredentialVault } from '../auth/credentials';
import type { OfficerSession } from '../auth/officer';
import type { Profile } from '../config/profile';
import { AuditUnavailableError } from '../errors';
import type { EventHub } from '../events';
import type { Clock } from '../ports';
import { loadOrCreateSigningKey, type SigningKey } from '../signing/signing-key';
import { createWormS3Client } from '../worm/s3-client';
import { lazy } from './lazy';

/** The audit domain of a profile, as the engine's other domains and the hosts ask for it. */
export type AuditDomain = {
  /** The audit log's parts (writer, mirror, checkpointer, integrity monitor); needs the WORM store's keys. */
  log: () => Promise<AuditModule>;
  /** Every workstation's log in the audit bucket, mirrored here (this log's own mirror among them). */
  firmLogs: () => Promise<FirmLogs>;
  /** The firm's audit trail: every log read, filtered and verified together (`audit show`, the Audit trail, `audit verify --all`). */
  firmTrail: () => Promise<FirmTrail>;
  /** What every access writes through before it happens (the log's writer). */
  writer: () => Promise<AuditWriter>;
  /** Who each append names, resolved when it is made: the signed-in officer (checked for the action) or the service account. */
  actors: AuditActors;
  signingKey: () => Promise<SigningKey>;
  /** Shutdown steps; no-ops when the log was never opened. */
  stopChecks(): void;
  drain(): Promise<void>;
  /** Ends the verification worker after the verifications already asked for. */
  closeVerifier(): Promise<void>;
  finishCheckpoints(): Promise<void>;
};

/**
 * The profile's audit domain. Nothing is opened until first asked for: a profile without a WORM store
 * composes, and every access then fails with AUDIT_UNAVAILABLE.
 */
export function composeAudit(deps: {
  profileName: string;
  profile: Pick<Profile, 'worm' | 'logId' | 'audit'>;
  vault: CredentialVault;
  repositories: { auditMirror: AuditMirrorRepository; auditHead: AuditHeadStore };
  /** Recordings the index ties to a trade, for "who touched trade T". */
  recordingsOfTrade?: (tradingId: string) => Promise<ReadonlyArray<string>>;
  dataDir: string;
  participantsOf: AlertRuleDeps['participantsOf'];
  /** The profile's officer sign-in, asked at every officer action. */
  officer: OfficerSession;
  osAccount: string;
  workstation: Workstation;
  clock: Clock;
  logger: Logger;
  events: EventHub;
}): AuditDomain {
  const { profile, profileName, vault } = deps;
  const signingKey = lazy(() => loadOrCreateSigningKey(vault));
  let opened: AuditModule | null = null;
  let verifyWorker: ReturnType<typeof startVerifyWorker> | null = null;
  const log = lazy(async (): Promise<AuditModule> => {
    const worm = profile.worm;
    if (!worm) {
      throw new AuditUnavailableError(
        `No WORM audit log is configured for profile "${profileName}" (run "custody worm start" or configure one); nothing can be accessed without it.`,
        undefined,
        { retryable: false },
      );
    }
    const credentials = await vault.loadWorm();
    if (!credentials) {
      throw new AuditUnavailableError(`The WORM store's access keys are not in the keychain for profile "${profileName}".`, undefined, {
        retryable: false,
      });
    }
    const connection = { endpoint: worm.endpoint, region: worm.region, ...credentials };
    // Verifying a log reads and hashes all of it: in a worker thread, never on a host's main thread.
    verifyWorker = startVerifyWorker(connection);
    opened = buildAuditModule({
      s3: createWormS3Client(connection),
      verifyLog: verifyWorker.verifyLog,
      bucket: worm.auditBucket,
      logId: profile.logId,
      retention: { mode: worm.mode, durationMs: worm.auditRetentionDays * 86_400_000 },
      repository: deps.repositories.auditMirror,
      headStore: deps.repositories.auditHead,
      lockFile: join(deps.dataDir, 'audit.lock'),
      checkpointLockFile: join(deps.dataDir, 'audit-checkpoint.lock'),
      signingKey,
      alertSettings: profile.audit.alerts,
      participantsOf: deps.participantsOf,
      ...(deps.recordingsOfTrade ? { recordingsOfTrade: deps.recordingsOfTrade } : {}),
      checkpointPolicy: profile.audit.checkpoint,
      osAccount: deps.osAccount,
      workstation: deps.workstation,
      clock: deps.clock,
      logger: deps.logger.child('audit'),
      events: deps.events,
    });
    return opened;
  });
  const firmLogs = lazy(async () => {
    const own = await log();
    return new FirmLogs({ s3: own.s3, bucket: own.bucket, own: own.mirror, repository: deps.repositories.auditMirror, clock: deps.clock, logger: deps.logger.child('audit') });
  });
  const firmTrail = lazy(
    async () =>
      new FirmTrail({
        logs: await firmLogs(),
        own: await log(),
        repository: deps.repositories.auditMirror,
        ...(deps.recordingsOfTrade ? { recordingsOfTrade: deps.recordingsOfTrade } : {}),
        clock: deps.clock,
        logger: deps.logger.child('audit'),
      }),
  );
  // After every successful sync: is the bucket's log still an extension of the one seen before?
  const stopChecks = deps.events.subscribe((event) => {
    if (event.kind === 'index.syncCompleted') opened?.integrity.checkConsistencyInBackground();
  });
  return {
    log,
    firmLogs,
    firmTrail,
    writer: async () => (await log()).writer,
    // The service account is named by its OAuth client id (not a secret); unattended work runs under it.
    actors: auditActors({ session: deps.officer, serviceClientId: async () => (await vault.loadGenesys()).clientId }),
    signingKey,
    stopChecks,
    drain: async () => opened?.drain(),
    closeVerifier: async () => verifyWorker?.close(),
    finishCheckpoints: async () => opened?.flush(),
  };
}
