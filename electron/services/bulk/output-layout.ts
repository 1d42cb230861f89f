import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { InputProblem, JobCounts, JobSelection } from '../../../shared/jobs';
import type { JobItemRecord } from '../../db/repositories/jobs-repository';
import { pathUnderRoot } from '../contained-path';
import { csvLine } from '../csv-cells';
import { writeAtomic } from '../storage/durable-file';

/** Where unfinished downloads live inside an output folder (same file system, so rename is atomic). */
export const PARTIAL_DIR = '.custody-partial';
export const MANIFEST_CSV = 'manifest.csv';
export const MANIFEST_JSON = 'manifest.json';

const UNTAGGED = '_untagged';

/**
 * The file of one recording, relative to the job's output folder:
 * `<trading id>/<YYYY-MM-DD>/<conversation id>_<recording id>.<ext>`. Calls without a trading ID go
 * under `_untagged/` (they are the MiFID II finding, so they are kept, not dropped). The name
 * depends only on the recording and its format, so a resumed job writes the same file again,
 * never a second copy.
 */
export function recordingFilePath(item: Pick<JobItemRecord, 'tradingId' | 'startMs' | 'conversationId' | 'recordingId'>, contentType: string): string {
  const folder = item.tradingId ? safeSegment(item.tradingId) : UNTAGGED;
  const day = item.startMs === null ? 'undated' : new Date(item.startMs).toISOString().slice(0, 10);
  return join(folder, day, `${safeSegment(item.conversationId)}_${safeSegment(item.recordingId)}.${extensionFor(contentType)}`);
}

export function extensionFor(contentType: string): string {
  const type = contentType.toLowerCase();
  if (type.includes('wav')) return 'wav';
  if (type.includes('ogg') || type.includes('opus')) return 'ogg';
  if (type.includes('mpeg') || type.includes('mp3')) return 'mp3';
  if (type.includes('webm')) return 'webm';
  return 'bin';
}

/** A path segment safe on every file system: no separators, no leading dots, no control characters. */
export function safeSegment(value: string): string {
  const cleaned = value.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_').slice(0, 80);
  return cleaned.length > 0 ? cleaned : '_';
}

/** A temporary name for one download attempt; the job id lets a resumed job clean up only its own. */
export function partialFileName(jobId: string, recordingId: string): string {
  return `${safeSegment(jobId)}.${safeSegment(recordingId)}.${randomBytes(4).toString('hex')}.part`;
}

export type ManifestJob = {
  id: string;
  caseReference: string;
  selection: JobSelection;
  state: string;
  createdAt: string;
  finishedAt: string | null;
  counts: JobCounts;
  inputProblems: ReadonlyArray<InputProblem>;
};

const CSV_COLUMNS = [
  'recording_id',
  'conversation_id',
  'trading_id',
  'client_account',
  'conversation_start',
  'file',
  'bytes',
  'sha256',
  'content_type',
  'retrieved_at',
  'audit_event_id',
  'source',
] as const;

/**
 * manifest.csv (one row per retrieved file, with its SHA-256) and manifest.json (the job, every
 * file, and every recording not retrieved with the reason), each written to a temporary name and
 * renamed into place, so a reader never sees half a manifest.
 */
export async function writeManifest(outDir: string, job: ManifestJob, items: ReadonlyArray<JobItemRecord>): Promise<void> {
  const done = items.filter((i) => i.state === 'done' && i.path && i.sha256);
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  const files = done.map((i) => ({
    recordingId: i.recordingId,
    conversationId: i.conversationId,
    tradingId: i.tradingId,
    clientAccount: i.clientAccount,
    conversationStart: iso(i.startMs),
    file: i.path!.split('\\').join('/'),
    bytes: i.bytes,
    sha256: i.sha256,
    contentType: i.contentType,
    retrievedAt: iso(i.doneMs),
    auditEventId: i.auditEventId,
    source: i.source,
  }));
  const csv = [
    csvLine(CSV_COLUMNS),
    ...files.map((f) =>
      csvLine([f.recordingId, f.conversationId, f.tradingId, f.clientAccount, f.conversationStart, f.file, f.bytes, f.sha256, f.contentType, f.retrievedAt, f.auditEventId, f.source]),
    ),
  ].join('');
  const notRetrieved = items
    .filter((i) => i.state !== 'done')
    .map((i) => ({
      recordingId: i.recordingId || null,
      conversationId: i.conversationId,
      tradingId: i.tradingId,
      state: i.state,
      reason: i.reason,
    }));
  const json = { schema: 'custody.bulk-manifest.v1', job, files, notRetrieved };
  await writeAtomic(await pathUnderRoot(outDir, MANIFEST_CSV), csv);
  await writeAtomic(await pathUnderRoot(outDir, MANIFEST_JSON), `${JSON.stringify(json, null, 2)}\n`);
}
