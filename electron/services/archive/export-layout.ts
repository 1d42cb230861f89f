import { z } from 'zod';
import { conversationIdSchema, recordingIdSchema } from '../../../shared/domain';

/**
 * Genesys's recording export layout (the AWS S3 recording bulk actions integration), as Genesys
 * documents it and suggests querying with Athena (anchors-compliance A.1):
 *
 *   {orgId}/year=YYYY/month=MM/day=DD/hour=HH/conversation_id={conversationId}/{recordingId}.{ext}
 *   {orgId}/year=YYYY/month=MM/day=DD/hour=HH/conversation_id={conversationId}/{recordingId}_metadata.json
 *
 * Keys in the bucket are written by another party (Genesys's integration role), so every part is
 * checked: a key that does not parse exactly is never used.
 */

export type ExportKey = {
  orgId: string;
  /** The hour partition, as UTC epoch ms. */
  hourMs: number;
  conversationId: string;
  recordingId: string;
  kind: 'media' | 'metadata';
  /** The media file's extension; null for metadata. */
  extension: string | null;
};

const orgIdPattern = /^[A-Za-z0-9-]{1,64}$/;
const exportKeyPattern =
  /^([^/]+)\/year=(\d{4})\/month=(\d{2})\/day=(\d{2})\/hour=(\d{2})\/conversation_id=([^/]+)\/([^/]+?)(?:_metadata\.json|\.([a-z0-9]{1,8}))$/;

/** The parts of an exported object's key, or null for anything that is not exactly the layout of `orgId`. */
export function parseExportKey(key: string, orgId: string): ExportKey | null {
  const match = exportKeyPattern.exec(key);
  if (!match) return null;
  const [, org, year, month, day, hour, conversationId, recordingId, extension] = match as unknown as Array<string | undefined>;
  if (org !== orgId || !orgIdPattern.test(org)) return null;
  if (!conversationIdSchema.safeParse(conversationId).success || !recordingIdSchema.safeParse(recordingId).success) return null;
  const hourMs = Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour));
  const check = new Date(hourMs);
  // 2026-02-30 or hour=24 would roll over into another partition: not a key Genesys writes.
  if (check.getUTCFullYear() !== Number(year) || check.getUTCMonth() + 1 !== Number(month) || check.getUTCDate() !== Number(day) || check.getUTCHours() !== Number(hour)) {
    return null;
  }
  return {
    orgId: org,
    hourMs,
    conversationId: conversationId!,
    recordingId: recordingId!,
    kind: extension === undefined ? 'metadata' : 'media',
    extension: extension ?? null,
  };
}

/** Genesys's `_metadata.json` beside an exported recording, or null when the key is not an exported recording's. */
export function exportMetadataKeyOf(mediaKey: string): string | null {
  const parsed = parseExportKey(mediaKey, mediaKey.slice(0, mediaKey.indexOf('/')));
  if (parsed?.kind !== 'media') return null;
  return `${mediaKey.slice(0, mediaKey.lastIndexOf('/') + 1)}${parsed.recordingId}_metadata.json`;
}

/** Whether a folder at the bucket's top level can be an org's export root (`{orgId}/`); its keys are still parsed one by one. */
export function isExportOrgId(name: string): boolean {
  return orgIdPattern.test(name);
}

/** The day partitions to list for a window; a day either side, since Genesys partitions by its own clock of the call. */
export function exportDayPrefixes(orgId: string, sinceMs: number, untilMs: number): Array<string> {
  const DAY_MS = 86_400_000;
  const prefixes: Array<string> = [];
  const pad = (n: number) => String(n).padStart(2, '0');
  for (let day = Math.floor(sinceMs / DAY_MS) - 1; day <= Math.floor((untilMs - 1) / DAY_MS) + 1; day += 1) {
    const at = new Date(day * DAY_MS);
    prefixes.push(`${orgId}/year=${at.getUTCFullYear()}/month=${pad(at.getUTCMonth() + 1)}/day=${pad(at.getUTCDate())}/`);
  }
  return prefixes;
}

/**
 * The `_metadata.json` beside each exported recording: the fields Custody checks (Genesys adds more,
 * which are kept in the object and ignored here). `sha256` is checked when Genesys gives one.
 */
export const exportMetadataSchema = z.looseObject({
  conversationId: z.string().max(64),
  recordingId: z.string().max(64),
  organizationId: z.string().max(64).optional(),
  startTime: z.string().max(40).optional(),
  endTime: z.string().max(40).optional(),
  mediaType: z.string().max(40).optional(),
  contentType: z.string().regex(/^[a-z]+\/[a-z0-9.+-]{1,60}$/).optional(),
  fileSizeBytes: z.number().int().nonnegative().optional(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/).optional(),
});
export type ExportMetadata = z.infer<typeof exportMetadataSchema>;

/** A `_metadata.json` larger than this is not Genesys's (it holds a few kilobytes): refused unread. */
export const EXPORT_METADATA_MAX_BYTES = 1_000_000;

/** What the index lists for the recording (from Genesys's recording listing), to check the export against. */
export type ListedRecording = { conversationId: string; recordingId: string; startMs: number | null; endMs: number | null };

/**
 * Every disagreement between an exported recording, its metadata and the index's listing; empty when it
 * may be archived. `object` is the stored media version (its size) and, once read, its SHA-256.
 */
export function exportProblems(input: {
  key: ExportKey;
  metadata: ExportMetadata;
  listed: ListedRecording;
  object: { bytes: number; sha256: string };
  versions: number;
}): Array<string> {
  const { key, metadata, listed, object } = input;
  const problems: Array<string> = [];
  if (input.versions !== 1) problems.push(`the object has ${input.versions} versions: something wrote it again after Genesys exported it`);
  if (key.conversationId !== listed.conversationId || key.recordingId !== listed.recordingId) {
    problems.push(`its key names ${key.conversationId}/${key.recordingId}, not ${listed.conversationId}/${listed.recordingId}`);
  }
  if (metadata.conversationId !== listed.conversationId || metadata.recordingId !== listed.recordingId) {
    problems.push(`its metadata names ${metadata.conversationId}/${metadata.recordingId}, not ${listed.conversationId}/${listed.recordingId}`);
  }
  if (metadata.organizationId !== undefined && metadata.organizationId !== key.orgId) problems.push(`its metadata names org ${metadata.organizationId}, not ${key.orgId}`);
  if (metadata.fileSizeBytes !== undefined && metadata.fileSizeBytes !== object.bytes) {
    problems.push(`it holds ${object.bytes} bytes, its metadata says ${metadata.fileSizeBytes}`);
  }
  if (object.bytes === 0) problems.push('it is empty');
  if (metadata.sha256 !== undefined && metadata.sha256 !== object.sha256) problems.push(`its SHA-256 is ${object.sha256}, its metadata says ${metadata.sha256}`);
  for (const [field, listedMs] of [['startTime', listed.startMs], ['endTime', listed.endMs]] as const) {
    const value = metadata[field];
    if (value === undefined || listedMs === null) continue;
    const ms = Date.parse(value);
    // Genesys's listing and its export metadata come from the same record: a second's rounding at most.
    if (!Number.isFinite(ms) || Math.abs(ms - listedMs) > 1000) problems.push(`its metadata ${field} ${value} is not the listed ${new Date(listedMs).toISOString()}`);
  }
  return problems;
}
