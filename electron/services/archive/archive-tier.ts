import type { ArchiveCopy } from '../../../shared/domain';
import { AppError } from '../errors';

/**
 * Archive storage classes on AWS (S3 Glacier Flexible Retrieval, Glacier Deep Archive, and the
 * archive tiers of Intelligent-Tiering) keep an object's bytes offline: GetObject answers 403
 * InvalidObjectState until a RestoreObject has staged a temporary copy. HeadObject tells the state
 * in `x-amz-storage-class`, `x-amz-archive-status` and `x-amz-restore`:
 *   (no x-amz-restore)                                   not requested: offline
 *   ongoing-request="true"                               restore under way
 *   ongoing-request="false", expiry-date="<HTTP date>"   restored copy readable until expiry
 * radosgw has no archive tiers (RestoreObject is NotImplemented there), so this is tested with
 * responses in the shape AWS documents (test/fixtures/aws-s3).
 */
export type TierState = Pick<ArchiveCopy, 'storageClass' | 'tier' | 'restoreExpiresAt'>;

const offlineClasses = new Set(['GLACIER', 'DEEP_ARCHIVE']);

export function parseRestoreHeader(header: string | undefined): { ongoing: boolean; expiresAt: string | null } | null {
  if (!header) return null;
  const ongoing = /ongoing-request="(true|false)"/i.exec(header);
  if (!ongoing) return null;
  const expiry = /expiry-date="([^"]+)"/i.exec(header);
  const expiresMs = expiry ? Date.parse(expiry[1]!) : NaN;
  return { ongoing: ongoing[1]!.toLowerCase() === 'true', expiresAt: Number.isFinite(expiresMs) ? new Date(expiresMs).toISOString() : null };
}

export function tierStateOf(head: { StorageClass?: string | undefined; Restore?: string | undefined; ArchiveStatus?: string | undefined }): TierState {
  const storageClass = head.StorageClass ?? null;
  const offline = (storageClass !== null && offlineClasses.has(storageClass)) || head.ArchiveStatus !== undefined;
  const restore = parseRestoreHeader(head.Restore);
  if (!offline && !restore) return { storageClass, tier: 'online', restoreExpiresAt: null };
  if (!restore) return { storageClass, tier: 'archived', restoreExpiresAt: null };
  if (restore.ongoing) return { storageClass, tier: 'restoring', restoreExpiresAt: null };
  return { storageClass, tier: 'restored', restoreExpiresAt: restore.expiresAt };
}

const tierNames: Record<string, string> = {
  GLACIER: 'S3 Glacier Flexible Retrieval',
  DEEP_ARCHIVE: 'S3 Glacier Deep Archive',
  INTELLIGENT_TIERING: 'S3 Intelligent-Tiering (archive tier)',
};

/** The archive copy is offline in an archive tier: a restore was asked for (or is under way); try again later. */
export class ArchiveRestorePendingError extends AppError {
  readonly restore: 'requested' | 'in-progress';
  constructor(recordingId: string, storageClass: string | null, restore: 'requested' | 'in-progress', options: { tier: string; days: number }) {
    const where = tierNames[storageClass ?? ''] ?? storageClass ?? 'an archive storage class';
    super(
      'ARCHIVED',
      restore === 'requested'
        ? `Recording ${recordingId} is no longer in Genesys; its WORM archive copy is in ${where}. A ${options.tier} restore was requested (readable for ${options.days} day(s) once staged; ${options.tier === 'Bulk' ? 'up to 48' : 'typically 3-12'} hours). Try again later.`
        : `Recording ${recordingId} is no longer in Genesys; its WORM archive copy in ${where} is being restored. Try again later.`,
      { retryable: true, details: { recordingId, location: 'archive', storageClass, restore } },
    );
    this.restore = restore;
  }
}
