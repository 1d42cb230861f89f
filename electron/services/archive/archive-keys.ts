import { conversationIdSchema, recordingIdSchema } from '../../../shared/domain';
import { ValidationError } from '../errors';

/**
 * Where a recording lives in the archive bucket: by trading id, then the UTC date of the recording's
 * start, then the conversation. Recordings without a trading id are kept, not dropped, under an
 * explicit "untagged" prefix: they are the MiFID II finding an officer must be able to list.
 *
 *   archive/v1/trades/<trading id, URI-encoded>/<YYYY-MM-DD>/<conversation id>/<recording id>.<ext>
 *   archive/v1/untagged/<YYYY-MM-DD>/<conversation id>/<recording id>.<ext>
 *
 * Each media object has a sidecar at the same path with `.json` (see shared/archive.ts).
 */
export const ARCHIVE_ROOT = 'archive/v1/';
export const TRADES_PREFIX = `${ARCHIVE_ROOT}trades/`;
export const UNTAGGED_PREFIX = `${ARCHIVE_ROOT}untagged/`;
/** Reports of retention sweeps (locked too); never swept themselves. */
export const SWEEPS_PREFIX = `${ARCHIVE_ROOT}sweeps/`;

export type ArchiveKeyParts = {
  tradingId: string | null;
  startMs: number;
  conversationId: string;
  recordingId: string;
};

export type ParsedArchiveKey = {
  tradingId: string | null;
  date: string;
  conversationId: string;
  recordingId: string;
  kind: 'media' | 'sidecar';
};

/** A trading id as one key segment: never a '/', never '.' or '..' on its own. */
function tradeSegment(tradingId: string): string {
  if (tradingId.trim() === '') throw new ValidationError('a trading id for an archive key must not be empty');
  return encodeURIComponent(tradingId).replace(/^\./, '%2E');
}

export function tradePrefix(tradingId: string): string {
  return `${TRADES_PREFIX}${tradeSegment(tradingId)}/`;
}

export function archiveKeys(parts: Readonly<ArchiveKeyParts>, extension: string): { media: string; sidecar: string } {
  if (!conversationIdSchema.safeParse(parts.conversationId).success) throw new ValidationError(`not a conversation id: ${parts.conversationId}`);
  if (!recordingIdSchema.safeParse(parts.recordingId).success) throw new ValidationError(`not a recording id: ${parts.recordingId}`);
  if (!/^[a-z0-9]{1,8}$/.test(extension)) throw new ValidationError(`not a file extension: ${extension}`);
  if (!Number.isFinite(parts.startMs)) throw new ValidationError('an archived recording needs a start time');
  const date = new Date(parts.startMs).toISOString().slice(0, 10);
  const stem = parts.tradingId === null ? UNTAGGED_PREFIX : tradePrefix(parts.tradingId);
  const base = `${stem}${date}/${parts.conversationId}/${parts.recordingId}`;
  return { media: `${base}.${extension}`, sidecar: `${base}.json` };
}

const tradeKey = /^archive\/v1\/trades\/([^/]+)\/(\d{4}-\d{2}-\d{2})\/([A-Za-z0-9-]{1,64})\/([A-Za-z0-9-]{1,64})\.([a-z0-9]{1,8})$/;
const untaggedKey = /^archive\/v1\/untagged\/(\d{4}-\d{2}-\d{2})\/([A-Za-z0-9-]{1,64})\/([A-Za-z0-9-]{1,64})\.([a-z0-9]{1,8})$/;

/** The parts of a recording's key, or null for anything else in the bucket (sweep reports, strays). */
export function parseArchiveKey(key: string): ParsedArchiveKey | null {
  const trade = tradeKey.exec(key);
  if (trade) {
    let tradingId: string;
    try {
      tradingId = decodeURIComponent(trade[1]!);
    } catch {
      return null;
    }
    return { tradingId, date: trade[2]!, conversationId: trade[3]!, recordingId: trade[4]!, kind: trade[5] === 'json' ? 'sidecar' : 'media' };
  }
  const untagged = untaggedKey.exec(key);
  if (untagged) return { tradingId: null, date: untagged[1]!, conversationId: untagged[2]!, recordingId: untagged[3]!, kind: untagged[4] === 'json' ? 'sidecar' : 'media' };
  return null;
}

export function extensionFor(contentType: string): string {
  return /wav/.test(contentType) ? 'wav' : /ogg/.test(contentType) ? 'ogg' : /mpeg|mp3/.test(contentType) ? 'mp3' : /webm/.test(contentType) ? 'webm' : 'bin';
}

/**
 * Retention runs from the recording's start (Delegated Regulation 2017/565 Art 76(11): from when the
 * record is created) for the jurisdiction's years, in calendar years (UTC).
 */
export function requiredRetainUntil(recordingStartMs: number, years: number): Date {
  if (!Number.isInteger(years) || years < 1) throw new ValidationError(`retention years must be a positive whole number, got ${years}`);
  const until = new Date(recordingStartMs);
  until.setUTCFullYear(until.getUTCFullYear() + years);
  return until;
}
