import { z } from 'zod';
import { conversationIdSchema, recordingIdSchema } from '../../../shared/domain';
import { externalTextSchema } from '../../../shared/unsafe-text';
import { parseArchiveKey } from '../archive/archive-keys';

/**
 * The firm's shared catalog in the ARCHIVE bucket: the archiver's index as Parquet, Hive-partitioned by
 * the UTC day a call started, so Athena or Trino read the same files a workstation syncs (docs/catalog.md).
 *
 *   catalog/v1/recordings/year=YYYY/month=MM/day=DD/part-<manifest seq, 12 digits>-<rows hash>.parquet
 *   catalog/v1/manifests/<seq, 12 digits>.json
 *
 * Parts are immutable: a day whose rows changed gets a new part, and the manifest names the current
 * part of every day (also the one whose name sorts last in its folder, which is what an Athena view can use). Each manifest names the previous one by SHA-256, so the manifests form a chain.
 */
export const CATALOG_ROOT = 'catalog/v1/';
export const MANIFESTS_PREFIX = `${CATALOG_ROOT}manifests/`;
export const RECORDINGS_PREFIX = `${CATALOG_ROOT}recordings/`;
export const MANIFEST_SCHEMA = 'custody.catalog.manifest.v1';

const dayPattern = /^(\d{4})-(\d{2})-(\d{2})$/;
const manifestKeyPattern = /^catalog\/v1\/manifests\/(\d{12})\.json$/;
const partKeyPattern = /^catalog\/v1\/recordings\/year=(\d{4})\/month=(\d{2})\/day=(\d{2})\/part-\d{12}-[0-9a-f]{16}\.parquet$/;

export const manifestKey = (seq: number): string => `${MANIFESTS_PREFIX}${String(seq).padStart(12, '0')}.json`;

/** The manifest sequence number of a key under manifests/, or null for anything else found there. */
export function manifestSeqOf(key: string): number | null {
  const match = manifestKeyPattern.exec(key);
  return match ? Number(match[1]) : null;
}

/** The UTC day (YYYY-MM-DD) a call belongs to in the layout. */
export const dayOf = (startMs: number): string => new Date(startMs).toISOString().slice(0, 10);

export function partKey(day: string, seq: number, rowsSha256: string): string {
  const [, year, month, date] = dayPattern.exec(day) ?? [];
  if (!year) throw new Error(`not a day: ${day}`);
  return `${RECORDINGS_PREFIX}year=${year}/month=${month}/day=${date}/part-${String(seq).padStart(12, '0')}-${rowsSha256.slice(0, 16)}.parquet`;
}

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'not a SHA-256');
const ms = z.number().int().nonnegative().max(8.64e15);
/** BIGINT columns arrive from a Parquet reader as bigint; only safe integers are accepted. */
const msColumn = z.preprocess((value) => (typeof value === 'bigint' && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value), ms);
const text = (max: number) => z.string().max(max).pipe(externalTextSchema);
const optionalText = (max: number) => text(max).nullable();
const id = z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/, 'not an id');

const participantsSchema = z
  .array(z.object({ purpose: text(64), name: optionalText(256), userId: id.nullable() }).strict())
  .max(200);

/**
 * One row of the recordings table: a recording with its conversation's facts and, once archived, where its
 * WORM copy is and its SHA-256 (a conversation without a listed recording has one row with recording_id null).
 * Every value read back from Parquet is hostile and goes through this schema.
 */
export const catalogRowSchema = z
  .object({
    conversation_id: conversationIdSchema,
    conversation_start_ms: msColumn,
    conversation_end_ms: msColumn.nullable(),
    direction: optionalText(32),
    queue_id: id.nullable(),
    queue_name: optionalText(256),
    agent_id: id.nullable(),
    agent_name: optionalText(256),
    trading_id: optionalText(128),
    client_account: optionalText(128),
    participants_json: z.string().max(64_000).transform((json, ctx) => {
      try {
        const parsed = participantsSchema.safeParse(JSON.parse(json));
        if (parsed.success) return JSON.stringify(parsed.data);
      } catch {
        // reported below
      }
      ctx.addIssue({ code: 'custom', message: 'not a list of participants' });
      return z.NEVER;
    }),
    has_recording: z.boolean(),
    recordings_listed: z.boolean(),
    recording_id: recordingIdSchema.nullable(),
    recording_start_ms: msColumn.nullable(),
    recording_end_ms: msColumn.nullable(),
    media: optionalText(32),
    file_state: optionalText(32),
    genesys_archive_date: optionalText(64),
    genesys_delete_date: optionalText(64),
    session_id: id.nullable(),
    archive_bucket: z.string().regex(/^[a-z0-9.-]{3,63}$/, 'not a bucket name').nullable(),
    archive_media_key: z.string().max(1024).nullable(),
    archive_media_version_id: z.string().regex(/^[A-Za-z0-9._+=/-]{1,1024}$/, 'not a version id').nullable(),
    archive_sidecar_key: z.string().max(1024).nullable(),
    archive_sidecar_version_id: z.string().regex(/^[A-Za-z0-9._+=/-]{1,1024}$/, 'not a version id').nullable(),
    archive_sha256: sha256Hex.nullable(),
    archive_bytes: msColumn.nullable(),
    archive_content_type: z.string().regex(/^[A-Za-z0-9!#$&^_.+-]{1,127}\/[A-Za-z0-9!#$&^_.+-]{1,127}$/, 'not a content type').nullable(),
    archive_retain_until_ms: msColumn.nullable(),
    archived_ms: msColumn.nullable(),
    archive_audit_event_id: id.nullable(),
    archive_deleted_ms: msColumn.nullable(),
  })
  .strict()
  .superRefine((row, ctx) => {
    const archiveColumns = [row.archive_bucket, row.archive_media_key, row.archive_media_version_id, row.archive_sidecar_key, row.archive_sidecar_version_id, row.archive_sha256, row.archive_bytes, row.archive_content_type, row.archive_retain_until_ms, row.archived_ms, row.archive_audit_event_id];
    const given = archiveColumns.filter((value) => value !== null).length;
    if (given !== 0 && given !== archiveColumns.length) ctx.addIssue({ code: 'custom', message: 'archive columns are all given or all null' });
    if (given === 0) return;
    if (row.recording_id === null) ctx.addIssue({ code: 'custom', message: 'an archive copy needs a recording id' });
    // The copy must be where the archive's own layout puts this recording: no key elsewhere in the bucket is read.
    for (const [column, kind] of [['archive_media_key', 'media'], ['archive_sidecar_key', 'sidecar']] as const) {
      const parsed = parseArchiveKey(row[column]!);
      if (!parsed || parsed.kind !== kind || parsed.recordingId !== row.recording_id || parsed.conversationId !== row.conversation_id) {
        ctx.addIssue({ code: 'custom', path: [column], message: `not the archive ${kind} key of this recording` });
      }
    }
  });

export type CatalogRow = z.output<typeof catalogRowSchema>;

/** The recordings table's columns in file order, with their Parquet (DuckDB) types. */
export const CATALOG_COLUMNS: ReadonlyArray<readonly [keyof CatalogRow, 'VARCHAR' | 'BIGINT' | 'BOOLEAN']> = [
  ['conversation_id', 'VARCHAR'],
  ['conversation_start_ms', 'BIGINT'],
  ['conversation_end_ms', 'BIGINT'],
  ['direction', 'VARCHAR'],
  ['queue_id', 'VARCHAR'],
  ['queue_name', 'VARCHAR'],
  ['agent_id', 'VARCHAR'],
  ['agent_name', 'VARCHAR'],
  ['trading_id', 'VARCHAR'],
  ['client_account', 'VARCHAR'],
  ['participants_json', 'VARCHAR'],
  ['has_recording', 'BOOLEAN'],
  ['recordings_listed', 'BOOLEAN'],
  ['recording_id', 'VARCHAR'],
  ['recording_start_ms', 'BIGINT'],
  ['recording_end_ms', 'BIGINT'],
  ['media', 'VARCHAR'],
  ['file_state', 'VARCHAR'],
  ['genesys_archive_date', 'VARCHAR'],
  ['genesys_delete_date', 'VARCHAR'],
  ['session_id', 'VARCHAR'],
  ['archive_bucket', 'VARCHAR'],
  ['archive_media_key', 'VARCHAR'],
  ['archive_media_version_id', 'VARCHAR'],
  ['archive_sidecar_key', 'VARCHAR'],
  ['archive_sidecar_version_id', 'VARCHAR'],
  ['archive_sha256', 'VARCHAR'],
  ['archive_bytes', 'BIGINT'],
  ['archive_content_type', 'VARCHAR'],
  ['archive_retain_until_ms', 'BIGINT'],
  ['archived_ms', 'BIGINT'],
  ['archive_audit_event_id', 'VARCHAR'],
  ['archive_deleted_ms', 'BIGINT'],
];

export const manifestPartSchema = z
  .object({
    table: z.literal('recordings'),
    day: z.string().regex(dayPattern),
    key: z.string().regex(partKeyPattern, 'not a catalog part key'),
    versionId: z.string().regex(/^[A-Za-z0-9._+=/-]{1,1024}$/),
    sha256: sha256Hex,
    bytes: ms,
    rows: z.number().int().nonnegative(),
    /** SHA-256 of the day's rows as canonical JSON: what tells the publisher a day changed. */
    rowsSha256: sha256Hex,
  })
  .strict()
  .refine((part) => {
    const [, year, month, day] = partKeyPattern.exec(part.key) ?? [];
    return `${year}-${month}-${day}` === part.day;
  }, 'a part key must lie in its day\'s partition');

export const catalogManifestSchema = z
  .object({
    schema: z.literal(MANIFEST_SCHEMA),
    seq: z.number().int().min(1),
    createdAt: z.iso.datetime(),
    archiveBucket: z.string().regex(/^[a-z0-9.-]{3,63}$/),
    previous: z.object({ seq: z.number().int().min(1), sha256: sha256Hex }).strict().nullable(),
    /** The audit event that recorded this publication. */
    auditEventId: id,
    parts: z.array(manifestPartSchema).max(100_000),
  })
  .strict()
  .superRefine((manifest, ctx) => {
    const days = new Set<string>();
    for (const part of manifest.parts) {
      if (days.has(part.day)) ctx.addIssue({ code: 'custom', message: `day ${part.day} has two current parts` });
      days.add(part.day);
    }
    if (manifest.previous !== null && manifest.previous.seq !== manifest.seq - 1) ctx.addIssue({ code: 'custom', message: 'previous is not the manifest before this one' });
    if (manifest.previous === null && manifest.seq !== 1) ctx.addIssue({ code: 'custom', message: 'only the first manifest has no previous one' });
  });

export type CatalogManifest = z.infer<typeof catalogManifestSchema>;
export type ManifestPart = z.infer<typeof manifestPartSchema>;
