import { archiveSidecarSchema } from '../../../shared/archive';
import type { ArchiveCopy } from '../../../shared/domain';
import type { Logger } from '../../../shared/logger';
import type { ArchiveRepository } from '../../db/repositories/archive-repository';
import type { CachedMedia, MediaCache } from '../cache/media-cache';
import { describeCause, StorageError } from '../errors';
import type { ArchiveSettings } from '../config/profile';
import { parseArchiveKey, tradePrefix, UNTAGGED_PREFIX } from './archive-keys';
import type { ArchiveStore, ObjectHead } from './archive-store';
import { ArchiveRestorePendingError } from './archive-tier';

/** Where a recording's archive copy is and the SHA-256 it must have. */
export type ArchiveLocation = {
  recordingId: string;
  mediaKey: string;
  mediaVersionId: string;
  sha256: string;
  bytes: number;
  archivedAt: string;
  /** 'index': this installation's record; 'bucket': found through the key layout and the sidecar. */
  foundBy: 'index' | 'bucket';
};

export type ArchiveLookup = { recordingId: string; conversationId: string; tradingId: string | null; startMs: number };

const DAY_MS = 86_400_000;

/**
 * Reads recordings back from the WORM archive, for when Genesys no longer has them: finds the copy
 * (local record first, else the bucket itself through the key layout and the locked sidecar), asks an
 * archive tier to restore it when it is offline, streams it into the media cache and refuses it unless
 * its SHA-256 is the one recorded when it was archived.
 */
export class ArchiveReader {
  constructor(
    private readonly deps: {
      store: ArchiveStore;
      archive: ArchiveRepository;
      cache: MediaCache;
      logger: Logger;
      restore: Pick<ArchiveSettings, 'restoreDays' | 'restoreTier'>;
    },
  ) {}

  async locate(lookup: ArchiveLookup): Promise<ArchiveLocation | null> {
    const record = await this.deps.archive.get(lookup.recordingId);
    if (record && record.bucket === this.deps.store.bucket && record.deletedMs === null) {
      return {
        recordingId: record.recordingId,
        mediaKey: record.mediaKey,
        mediaVersionId: record.mediaVersionId,
        sha256: record.sha256,
        bytes: record.bytes,
        archivedAt: new Date(record.archivedMs).toISOString(),
        foundBy: 'index',
      };
    }
    return this.locateInBucket(lookup);
  }

  /** Whether the firm's archiver holds a copy this installation knows of only through the shared catalog. */
  async archivedByTheFirm(recordingId: string): Promise<boolean> {
    const record = await this.deps.archive.get(recordingId);
    return record?.origin === 'catalog' && record.bucket === this.deps.store.bucket && record.deletedMs === null;
  }

  /** The copy as the store describes it now (legal hold, retention, archive tier), for the detail view. */
  async describe(lookup: ArchiveLookup): Promise<ArchiveCopy | null> {
    const location = await this.locate(lookup);
    if (!location) return null;
    const base = {
      bucket: this.deps.store.bucket,
      key: location.mediaKey,
      versionId: location.mediaVersionId,
      sha256: location.sha256,
      bytes: location.bytes,
      archivedAt: location.archivedAt,
    };
    try {
      const head = await this.deps.store.head(location.mediaKey, location.mediaVersionId);
      return {
        ...base,
        retainUntil: head.retainUntil?.toISOString() ?? 'none',
        // HEAD leaves the header out when no hold was ever set (or the caller may not read holds): ask.
        legalHold: head.legalHold ?? (await this.deps.store.legalHold(location.mediaKey, location.mediaVersionId)),
        storageClass: head.storageClass,
        tier: head.tier,
        restoreExpiresAt: head.restoreExpiresAt,
      };
    } catch (error) {
      this.deps.logger.warn('could not describe the archive copy', { recordingId: lookup.recordingId, cause: describeCause(error) });
      return { ...base, retainUntil: 'unknown', legalHold: null, storageClass: null, tier: 'unknown', restoreExpiresAt: null };
    }
  }

  /** Records in the index that Genesys no longer has the recording (it answered 404). */
  async noteDeletedInGenesys(recordingId: string): Promise<void> {
    await this.deps.archive.markDeletedInGenesys(recordingId);
  }

  /** The archive copy in the media cache (source 'archive'), verified; null when the archive has none. */
  async fetchIntoCache(lookup: ArchiveLookup): Promise<CachedMedia | null> {
    const location = await this.locate(lookup);
    if (!location) return null;
    const { store, cache, logger } = this.deps;
    const head = await store.head(location.mediaKey, location.mediaVersionId);
    await this.requireOnline(lookup.recordingId, location, head);
    const media = await cache.store(lookup.recordingId, 'archive', async (target) => {
      let written;
      try {
        written = await store.readToFile(location.mediaKey, location.mediaVersionId, target);
      } catch (error) {
        if ((error as { cause?: { name?: string } }).cause?.name === 'InvalidObjectState') {
          await this.requireOnline(lookup.recordingId, location, await store.head(location.mediaKey, location.mediaVersionId));
        }
        throw error;
      }
      if (written.sha256 !== location.sha256) {
        throw new StorageError(
          `The archive copy s3://${store.bucket}/${location.mediaKey} (version ${location.mediaVersionId}) does not match the SHA-256 recorded when it was archived ` +
            `(${location.sha256}, got ${written.sha256}); it was not used.`,
        );
      }
      return written;
    });
    logger.info('recording restored from the WORM archive', { recordingId: lookup.recordingId, key: location.mediaKey, foundBy: location.foundBy });
    return media;
  }

  /** Offline in an archive tier: ask for a restore (once) and say so; the caller retries later. */
  private async requireOnline(recordingId: string, location: ArchiveLocation, head: ObjectHead): Promise<void> {
    const { store, restore } = this.deps;
    if (head.tier === 'online' || head.tier === 'restored') return;
    const options = { tier: restore.restoreTier, days: restore.restoreDays };
    if (head.tier === 'restoring') throw new ArchiveRestorePendingError(recordingId, head.storageClass, 'in-progress', options);
    const state = await store.requestRestore(location.mediaKey, location.mediaVersionId, { days: restore.restoreDays, tier: restore.restoreTier });
    throw new ArchiveRestorePendingError(recordingId, head.storageClass, state, options);
  }

  /**
   * Without a local record (another workstation archived it, or the index was lost): look where the
   * key layout puts it and trust the OLDEST sidecar version. WORM keeps the original; anything stored
   * later under the same key is suspect and reported.
   */
  private async locateInBucket(lookup: ArchiveLookup): Promise<ArchiveLocation | null> {
    const { store, logger } = this.deps;
    const prefixes = lookup.tradingId === null ? untaggedPrefixes(lookup) : [tradePrefix(lookup.tradingId), ...untaggedPrefixes(lookup)];
    for (const prefix of prefixes) {
      const versions: Array<{ key: string; versionId: string; lastModified: Date | null }> = [];
      for await (const version of store.listVersions(prefix)) {
        const parsed = parseArchiveKey(version.key);
        if (parsed?.kind === 'sidecar' && parsed.recordingId === lookup.recordingId && parsed.conversationId === lookup.conversationId) versions.push(version);
      }
      if (versions.length === 0) continue;
      versions.sort((a, b) => (a.lastModified?.getTime() ?? 0) - (b.lastModified?.getTime() ?? 0));
      if (versions.length > 1) logger.error('an archived sidecar has several versions; using the oldest', { key: versions[0]!.key, versions: versions.length });
      const original = versions[0]!;
      const parsed = archiveSidecarSchema.safeParse(JSON.parse(await store.readJson(original.key, original.versionId)));
      if (!parsed.success || parsed.data.recordingId !== lookup.recordingId) {
        throw new StorageError(`The archive sidecar s3://${store.bucket}/${original.key} is not a valid custody.archive.v1 record for recording ${lookup.recordingId}.`);
      }
      return {
        recordingId: lookup.recordingId,
        mediaKey: parsed.data.media.key,
        mediaVersionId: parsed.data.media.versionId,
        sha256: parsed.data.media.sha256,
        bytes: parsed.data.media.bytes,
        archivedAt: parsed.data.archivedAt,
        foundBy: 'bucket',
      };
    }
    return null;
  }
}

/** The untagged prefix for the days around the call (the key uses the recording's start, the index the conversation's). */
function untaggedPrefixes(lookup: ArchiveLookup): Array<string> {
  const days = new Set([-1, 0, 1].map((d) => new Date(lookup.startMs + d * DAY_MS).toISOString().slice(0, 10)));
  return [...days].map((day) => `${UNTAGGED_PREFIX}${day}/${lookup.conversationId}/`);
}
