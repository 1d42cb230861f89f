import { sha256Hex } from '../../crypto/sha256';
import { canonicalJson } from '../../../shared/canonical-json';
import { auditEventSchema, type AuditEvent } from '../../../shared/domain';
import { ValidationError } from '../errors';

/** `prevHash` of the first event of a log. */
export const genesisHash = '0'.repeat(64);

const logIdPattern = /^[A-Za-z0-9-]{1,64}$/;
const seqDigits = 12;

export function assertValidLogId(logId: string): void {
  if (!logIdPattern.test(logId)) throw new ValidationError(`audit log id must be 1-64 letters, digits or '-', got ${JSON.stringify(logId)}`);
}

/** Key prefix of one log's events. */
export function auditEventsPrefix(logId: string): string {
  assertValidLogId(logId);
  return `audit/v1/${logId}/events/`;
}

/** Zero-padded, so that a plain (lexicographic) listing returns events in seq order. */
export function auditEventKey(logId: string, seq: number): string {
  if (!Number.isSafeInteger(seq) || seq < 0 || seq >= 10 ** seqDigits) throw new ValidationError(`audit seq out of range: ${seq}`);
  return `${auditEventsPrefix(logId)}${String(seq).padStart(seqDigits, '0')}.json`;
}

/** The seq an event key stands for, or null when the key is not an event of this log. */
export function seqOfAuditEventKey(logId: string, key: string): number | null {
  const prefix = auditEventsPrefix(logId);
  if (!key.startsWith(prefix)) return null;
  const match = /^(\d{12})\.json$/.exec(key.slice(prefix.length));
  return match?.[1] === undefined ? null : Number(match[1]);
}

/** The stored bytes of an event: its canonical JSON, so SHA-256 of the object equals its chain hash. */
export function serializeAuditEvent(event: AuditEvent): string {
  return canonicalJson(event);
}

/** SHA-256 (hex) of the event's canonical JSON: the next event's `prevHash`. */
export function hashAuditEvent(event: AuditEvent): string {
  return sha256Hex(canonicalJson(event));
}


/**
 * Parses a stored event. The hash is taken over the JSON as stored (not the schema-parsed copy), so
 * fields a later schema version adds still count.
 */
export function parseStoredAuditEvent(text: string): { event: AuditEvent; hash: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ValidationError(`stored audit event is not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  const parsed = auditEventSchema.safeParse(raw);
  if (!parsed.success) throw new ValidationError(`stored audit event does not match custody.audit.v1: ${parsed.error.message}`);
  return { event: parsed.data, hash: sha256Hex(canonicalJson(raw)) };
}
