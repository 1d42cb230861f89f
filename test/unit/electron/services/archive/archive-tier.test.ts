import { describe, expect, it } from 'vitest';
import { parseRestoreHeader, tierStateOf } from '../../../../../electron/services/archive/archive-tier';

describe('archive tier state from HeadObject', () => {
  it('parses x-amz-restore as AWS sends it', () => {
    expect(parseRestoreHeader('ongoing-request="true"')).toEqual({ ongoing: true, expiresAt: null });
    expect(parseRestoreHeader('ongoing-request="false", expiry-date="Fri, 21 Dec 2012 00:00:00 GMT"')).toEqual({ ongoing: false, expiresAt: '2012-12-21T00:00:00.000Z' });
    expect(parseRestoreHeader(undefined)).toBeNull();
    expect(parseRestoreHeader('garbage')).toBeNull();
  });

  it('tells online, archived, restoring and restored apart', () => {
    expect(tierStateOf({})).toEqual({ storageClass: null, tier: 'online', restoreExpiresAt: null });
    expect(tierStateOf({ StorageClass: 'STANDARD_IA' })).toMatchObject({ tier: 'online' });
    expect(tierStateOf({ StorageClass: 'DEEP_ARCHIVE' })).toMatchObject({ tier: 'archived', storageClass: 'DEEP_ARCHIVE' });
    expect(tierStateOf({ StorageClass: 'GLACIER', Restore: 'ongoing-request="true"' })).toMatchObject({ tier: 'restoring' });
    expect(tierStateOf({ StorageClass: 'GLACIER', Restore: 'ongoing-request="false", expiry-date="Sat, 28 Nov 2026 00:00:00 GMT"' })).toEqual({
      storageClass: 'GLACIER',
      tier: 'restored',
      restoreExpiresAt: '2026-11-28T00:00:00.000Z',
    });
    // Intelligent-Tiering's archive access tiers say so in x-amz-archive-status.
    expect(tierStateOf({ StorageClass: 'INTELLIGENT_TIERING', ArchiveStatus: 'DEEP_ARCHIVE_ACCESS' })).toMatchObject({ tier: 'archived' });
  });
});
