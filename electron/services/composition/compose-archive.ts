import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Logger } from '../../../shared/logger';
import { ArchiveJob, type ArchiveJobDeps } from '../archive/archive-job';
import { ArchiveReader } from '../archive/archive-reader';
import { ArchiveStore } from '../archive/archive-store';
import { ExportIngest, type ExportIngestDeps } from '../archive/export-ingest';
import type { ApprovalService } from '../approvals/approval-service';
import type { AuditActors } from '../audit/audit-actor';
import type { AuditWriter } from '../audit/audit-writer';
import type { CredentialVault } from '../auth/credentials';
import type { OfficerSession } from '../auth/officer';
import type { MediaCache } from '../cache/media-cache';
import { archiveSettingsOf, type Profile } from '../config/profile';
import { AppError } from '../errors';
import { HoldService } from '../holds/hold-service';
import { PostureService, type PostureServiceDeps } from '../posture/posture-service';
import { unattendedJobFacts } from '../posture/unattended-jobs';
import type { Clock } from '../ports';
import { RetentionSweep } from '../retention/retention-sweep';
import { createWormS3Client } from '../worm/s3-client';
import type { ProfileRepositories } from './compose-base';
import type { GenesysConnection } from './compose-genesys';
import { lazy } from './lazy';

/** The WORM archive of recordings and what governs it: the nightly copy, reads back, legal holds, retention, posture. */
export type ArchiveDomain = {
  /** The archive as the engine reads it when Genesys no longer has a recording; null when none is configured. */
  reader: () => Promise<ArchiveReader | null>;
  /** The WORM store's client for the archive bucket; null when no store is configured. */
  s3: () => Promise<S3Client | null>;
  /** The nightly copy into the WORM archive; throws a clear error when no archive bucket is configured. */
  job(options?: { onItem?: ArchiveJobDeps['onItem'] }): Promise<ArchiveJob>;
  /**
   * The archive by Genesys's own recording export (`archive --via export`), with the API archive for what it
   * does not deliver; throws when no archive bucket or export integration is configured.
   */
  exportIngest(options?: { integrationId?: string; onItem?: ExportIngestDeps['onItem'] }): Promise<ExportIngest>;
  /** The retention sweep over the archive bucket; throws when no archive bucket is configured. */
  retention(): Promise<RetentionSweep>;
  holds: HoldService;
  posture: PostureService;
};

export function composeArchive(
  deps: {
    profileName: string;
    profile: Pick<Profile, 'worm' | 'archive' | 'compliance' | 'genesys'>;
    vault: CredentialVault;
    repositories: Pick<ProfileRepositories, 'index' | 'archive' | 'holds' | 'compliance' | 'auditMirror'>;
    cache: MediaCache;
    genesys: Pick<GenesysConnection, 'archive' | 'admin' | 'officer'>;
    audit: () => Promise<AuditWriter>;
    officer: OfficerSession;
    approvals: ApprovalService;
    /** Officers for posture; the service account for the nightly archive and the retention sweep. */
    actors: AuditActors;
    /** The trade blotter's gap counts, for the posture report. */
    tradeGaps?: PostureServiceDeps['tradeGaps'];
    osAccount: string;
    dataDir: string;
    clock: Clock;
    logger: Logger;
  },
): ArchiveDomain {
  const { profile, profileName, clock, logger, audit, actors } = deps;
  const settings = archiveSettingsOf(profile);
  const { archive, holds: holdRepository } = deps.repositories;

  /** The WORM store's client for the archive and the posture check; null when no store is configured. */
  const wormS3 = lazy(async (): Promise<S3Client | null> => {
    const worm = profile.worm;
    if (!worm) return null;
    const credentials = await deps.vault.loadWorm();
    if (!credentials) throw new AppError('STORAGE', `The WORM store's access keys are not in the keychain for profile "${profileName}".`);
    return createWormS3Client({ endpoint: worm.endpoint, region: worm.region, ...credentials });
  });
  const store = lazy(async (): Promise<ArchiveStore | null> => {
    const bucket = profile.worm?.archiveBucket;
    const s3 = await wormS3();
    if (!bucket || !s3) return null;
    return new ArchiveStore({
      s3,
      bucket,
      mode: profile.worm!.mode,
      multipartThresholdBytes: settings.multipartThresholdBytes,
      partSizeBytes: settings.partSizeBytes,
      transferTimeoutMs: settings.transferTimeoutSeconds * 1000,
      logger: logger.child('archive'),
    });
  });
  const requireStore = async (): Promise<ArchiveStore> => {
    const built = await store();
    if (!built) {
      throw new AppError('VALIDATION', `No WORM archive bucket is configured for profile "${profileName}" (run "custody worm start", or set worm.archiveBucket).`);
    }
    return built;
  };
  const reader = lazy(async (): Promise<ArchiveReader | null> => {
    const built = await store();
    return built ? new ArchiveReader({ store: built, archive, cache: deps.cache, logger: logger.child('archive'), restore: settings }) : null;
  });
  const genesysSource = profile.genesys ? ('gateway' in profile.genesys ? profile.genesys.gateway : `https://api.${profile.genesys.region}`) : 'none';

  /** What both archive routes (the API copy and Genesys's export) work with: one store, one lock, one retention. */
  const archiveRouteDeps = async () => ({
    store: await requireStore(),
    archive,
    holds: holdRepository,
    genesys: deps.genesys.archive,
    audit,
    actors,
    clock,
    retentionYears: profile.compliance?.retentionYears ?? 5,
    lockFile: join(deps.dataDir, 'archive.lock'),
    newId: randomUUID,
  });
  const apiJob = async (options: { onItem?: ArchiveJobDeps['onItem'] } = {}) =>
    new ArchiveJob({
      ...options,
      ...(await archiveRouteDeps()),
      logger: logger.child('archive'),
      stagingDir: join(deps.dataDir, 'archive-staging'),
      sourceApi: genesysSource,
    });

  return {
    reader,
    s3: wormS3,
    job: apiJob,
    exportIngest: async (options = {}) => {
      const integrationId = options.integrationId ?? settings.exportIntegrationId;
      if (!integrationId) {
        throw new AppError('VALIDATION', `No Genesys export integration is configured for profile "${profileName}" (give --integration-id, or set archive.exportIntegrationId).`);
      }
      return new ExportIngest({
        ...(await archiveRouteDeps()),
        apiArchive: () => apiJob(),
        logger: logger.child('archive-export'),
        integrationId,
        jobTimeoutMs: (settings.exportJobTimeoutSeconds ?? 6 * 3600) * 1000,
        deliveryWaitMs: (settings.exportDeliveryWaitSeconds ?? 2 * 3600) * 1000,
        ...(options.onItem ? { onItem: options.onItem } : {}),
      });
    },
    retention: async () =>
      new RetentionSweep({
        store: await requireStore(),
        archive,
        holds: holdRepository,
        actors,
        osAccount: deps.osAccount,
        clock,
        logger: logger.child('retention'),
        newId: randomUUID,
        reportRetentionMs: (profile.worm?.auditRetentionDays ?? 1826) * 86_400_000,
      }),
    holds: new HoldService({
      holds: holdRepository,
      archive,
      index: deps.repositories.index,
      store,
      // Deletion protection for a hold is the signed-in officer's act, under her token.
      genesys: async () => (await deps.genesys.officer()).admin,
      audit,
      clock,
      logger: logger.child('holds'),
      newId: randomUUID,
      officer: deps.officer,
      osAccount: deps.osAccount,
      approvals: deps.approvals,
      protectionCap: settings.genesysProtectionCap,
    }),
    posture: new PostureService({
      profile: profileName,
      s3: wormS3,
      provider: profile.worm?.provider ?? (profile.worm && /\.amazonaws\.com$/.test(new URL(profile.worm.endpoint).hostname) ? 'aws' : 's3-compatible'),
      auditBucket: profile.worm?.auditBucket ?? null,
      archiveBucket: profile.worm?.archiveBucket ?? null,
      compliance: profile.compliance ?? null,
      genesysEndpoint: profile.genesys,
      genesys: deps.genesys.admin,
      repository: deps.repositories.compliance,
      audit,
      actors,
      clock,
      logger: logger.child('posture'),
      newId: randomUUID,
      ...(deps.tradeGaps ? { tradeGaps: deps.tradeGaps } : {}),
      unattendedJobs: () => unattendedJobFacts({ events: deps.repositories.auditMirror, clock }),
    }),
  };
}
