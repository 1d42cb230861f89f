import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Logger } from '../../../shared/logger';
import type { Db } from '../../db/connection';
import { createCatalogRepository, type CatalogRepository } from '../../db/repositories/catalog-repository';
import type { AuditActors } from '../audit/audit-actor';
import type { AuditWriter } from '../audit/audit-writer';
import type { CredentialVault } from '../auth/credentials';
import { CatalogPublisher } from '../catalog/catalog-publisher';
import { CatalogSync, type SyncSummary } from '../catalog/catalog-sync';
import type { Profile } from '../config/profile';
import { describeCause, ValidationError } from '../errors';
import type { Clock } from '../ports';
import { lazy } from './lazy';

/** The firm's shared catalog (Parquet in the archive bucket): the archiver publishes it, workstations sync it. */
export type CatalogDomain = {
  repository: CatalogRepository;
  /** Throws a clear error when no archive bucket is configured. */
  publisher(): Promise<CatalogPublisher>;
  sync(): Promise<CatalogSync>;
  /**
   * On a workstation without the Genesys service account (its officers search what the firm's archiver
   * indexed): syncs the catalog and says what was applied; null elsewhere, within a minute of the last attempt,
   * or when it could not (logged).
   */
  syncOnCatalogWorkstation(): Promise<SyncSummary | null>;
};

/** How long after a sync attempt a workstation's searches answer from the index without asking the store again. */
const catalogResyncMs = 60_000;

export function composeCatalog(deps: {
  profileName: string;
  profile: Pick<Profile, 'worm'>;
  vault: CredentialVault;
  db: Db;
  /** The archive bucket's client (the archive domain's). */
  s3: () => Promise<S3Client | null>;
  audit: () => Promise<AuditWriter>;
  actors: AuditActors;
  dataDir: string;
  clock: Clock;
  logger: Logger;
}): CatalogDomain {
  const { profile, clock } = deps;
  const logger = deps.logger.child('catalog');
  const repository = createCatalogRepository(deps.db);
  const workDir = join(deps.dataDir, 'catalog-staging');
  const bucketAndClient = async (): Promise<{ s3: S3Client; bucket: string }> => {
    const bucket = profile.worm?.archiveBucket;
    const s3 = await deps.s3();
    if (!bucket || !s3) {
      throw new ValidationError(`No WORM archive bucket is configured for profile "${deps.profileName}", so there is no catalog (run "custody worm start", or set worm.archiveBucket).`);
    }
    return { s3, bucket };
  };
  // Asked once per engine, not at every search (a keychain read); a `custody login` takes effect at the next start.
  const hasServiceAccount = lazy(async (): Promise<boolean> => {
    try {
      await deps.vault.loadGenesys();
      return true;
    } catch {
      return false;
    }
  });
  // Searches at the same moment share one sync rather than applying the same manifest twice, and searches
  // within a minute of the last attempt ask nothing of the store: the catalog is published nightly, and a
  // store that does not answer must not hold up every search.
  let syncing: Promise<SyncSummary | null> | null = null;
  let lastAttemptMs: number | null = null;
  const sync = async () => new CatalogSync({ ...(await bucketAndClient()), catalog: repository, workDir, clock, logger });
  return {
    repository,
    publisher: async () =>
      new CatalogPublisher({
        ...(await bucketAndClient()),
        mode: profile.worm!.mode,
        // Locked as long as the audit log's events: the manifests are the record of what the firm was told.
        retentionMs: profile.worm!.auditRetentionDays * 86_400_000,
        catalog: repository,
        audit: deps.audit,
        actors: deps.actors,
        workDir,
        clock,
        logger,
      }),
    sync,
    syncOnCatalogWorkstation: async () => {
      if (!profile.worm?.archiveBucket || (await hasServiceAccount())) return null;
      if (!syncing && lastAttemptMs !== null && clock.now() - lastAttemptMs < catalogResyncMs) return null;
      syncing ??= (async () => {
        lastAttemptMs = clock.now();
        try {
          return await (await sync()).sync();
        } catch (error) {
          logger.warn('the catalog could not be synced; the index answers as it is', { reason: describeCause(error) });
          return null;
        } finally {
          syncing = null;
        }
      })();
      return syncing;
    },
  };
}
