import { describe, expect, it } from 'vitest';
import { archiveKeys } from '../../../../../electron/services/archive/archive-keys';
import { catalogManifestSchema, catalogRowSchema, manifestKey, manifestSeqOf, partKey } from '../../../../../electron/services/catalog/catalog-layout';

const start = Date.UTC(2026, 10, 25, 9, 30);
const keys = archiveKeys({ tradingId: 'T-1', startMs: start, conversationId: 'c-1', recordingId: 'r-1' }, 'wav');

/** A row as a Parquet reader hands it over: BIGINT columns as bigint. */
const parquetRow = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  conversation_id: 'c-1', conversation_start_ms: BigInt(start), conversation_end_ms: null, direction: 'inbound', queue_id: 'q-fx',
  queue_name: 'FX', agent_id: 'u-1', agent_name: 'Anna', trading_id: 'T-1', client_account: 'ACC-1',
  participants_json: '[{"purpose":"customer","name":"Ola","userId":null}]', has_recording: true, recordings_listed: true,
  recording_id: 'r-1', recording_start_ms: BigInt(start), recording_end_ms: null, media: 'audio', file_state: 'AVAILABLE',
  genesys_archive_date: null, genesys_delete_date: null, session_id: null, archive_bucket: 'firm-archive',
  archive_media_key: keys.media, archive_media_version_id: 'v1', archive_sidecar_key: keys.sidecar, archive_sidecar_version_id: 'v2',
  archive_sha256: 'b'.repeat(64), archive_bytes: 10n, archive_content_type: 'audio/wav', archive_retain_until_ms: BigInt(start + 1e11),
  archived_ms: BigInt(start), archive_audit_event_id: 'ev-1', archive_deleted_ms: null,
  ...extra,
});

describe('catalog rows and manifests at the boundary', () => {
  it('maps a Parquet row to index values (bigint to number) and makes unsafe text inert', () => {
    const row = catalogRowSchema.parse(parquetRow({ agent_name: 'Anna\u001b[31m' }));
    expect(row.conversation_start_ms).toBe(start);
    expect(row.archive_bytes).toBe(10);
    expect(row.agent_name).toBe('Anna\\x1b[31m');
  });

  it.each([
    ['an id that is a path', { conversation_id: '../c-1' }],
    ['a number beyond safe integers', { conversation_start_ms: 2n ** 63n - 1n }],
    ['participants that are not a list of participants', { participants_json: '{"purpose":1}' }],
    ['participants that are not JSON', { participants_json: 'not json' }],
    ['an archive key of another recording', { archive_media_key: keys.media.replace('r-1', 'r-2') }],
    ['an archive key outside the archive layout', { archive_media_key: 'audit/v1/x/events/000000000001.json' }],
    ['half the archive columns', { archive_sha256: null }],
    ['a SHA-256 that is not one', { archive_sha256: 'xyz' }],
    ['a column the catalog does not have', { extra: 'x' }],
  ])('refuses %s', (_, extra) => {
    expect(catalogRowSchema.safeParse(parquetRow(extra)).success).toBe(false);
  });

  it('lays parts out by day and manifests by number, and refuses a manifest that contradicts its layout', () => {
    const sha = 'c'.repeat(64);
    const key = partKey('2026-11-25', 3, sha);
    expect(key).toBe('catalog/v1/recordings/year=2026/month=11/day=25/part-000000000003-cccccccccccccccc.parquet');
    expect(manifestSeqOf(manifestKey(42))).toBe(42);
    expect(manifestSeqOf('catalog/v1/manifests/../x.json')).toBeNull();
    const part = { table: 'recordings', day: '2026-11-25', key, versionId: 'v1', sha256: sha, bytes: 10, rows: 1, rowsSha256: sha };
    const manifest = { schema: 'custody.catalog.manifest.v1', seq: 3, createdAt: new Date(start).toISOString(), archiveBucket: 'firm-archive', previous: { seq: 2, sha256: sha }, auditEventId: 'ev-1', parts: [part] };
    expect(catalogManifestSchema.safeParse(manifest).success).toBe(true);
    expect(catalogManifestSchema.safeParse({ ...manifest, parts: [part, part] }).success).toBe(false);
    expect(catalogManifestSchema.safeParse({ ...manifest, parts: [{ ...part, day: '2026-11-24' }] }).success).toBe(false);
    expect(catalogManifestSchema.safeParse({ ...manifest, parts: [{ ...part, key: 'catalog/v1/recordings/../../archive/v1/x.parquet' }] }).success).toBe(false);
    expect(catalogManifestSchema.safeParse({ ...manifest, previous: { seq: 1, sha256: sha } }).success).toBe(false);
    expect(catalogManifestSchema.safeParse({ ...manifest, previous: null }).success).toBe(false);
  });
});
