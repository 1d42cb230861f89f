import { sha256, sha256Hex } from '../../crypto/sha256';
import { canonicalJson, isCanonicalJsonText } from '../../../shared/canonical-json';
import { leafHash } from '../../../shared/crypto/merkle';
import { auditCheckpointSchema, auditEventSchema, type AuditCheckpoint, type AuditEvent } from '../../../shared/domain';
import { entryBundlePath, hashTilePath, type TileId } from '../../../shared/crypto/tlog-tiles';
import { formatCheckpointText, noteVerifierKey, signNote, type NoteVerifierKey } from '../../crypto/signed-note';
import { ValidationError } from '../errors';
import { keyIdOf, verifySignature, type SigningKey } from '../signing/signing-key';

/**
 * The audit log's layout in the WORM bucket, the one definition of it: object keys of events,
 * checkpoints (RFC 9162 signed tree heads) and published keys, the stored bytes of each, and the bytes
 * a checkpoint's signature covers. Everything that writes, reads or verifies the bucket uses these.
 *
 *   audit/v1/<log id>/events/<seq, 12 digits>.json          an event's canonical JSON
 *   audit/v1/<log id>/checkpoints/<tree size, 12 digits>.json a signed checkpoint's canonical JSON
 *   audit/v1/<log id>/keys/<key id>.pem                      the public key that signs checkpoints
 *   audit/v1/<log id>/tile/...                               the log in the C2SP tlog-tiles layout (entry bundles, hash tiles)
 *   audit/v1/<log id>/checkpoint-note/<tree size, 12 digits> each checkpoint as a C2SP signed note (tlog-checkpoint)
 *   audit/v1/<log id>/checkpoint                             the newest such note (one version per checkpoint)
 *
 * Leaves of the Merkle tree are the stored event objects' bytes in seq order; the signature is Ed25519
 * over the canonical JSON of the checkpoint without `signature`.
 */

/** `prevHash` of the first event of a log. */
export const genesisHash = '0'.repeat(64);

const logIdPattern = /^[A-Za-z0-9-]{1,64}$/;
const numberDigits = 12;

export const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

export function assertValidLogId(logId: string): void {
  if (!logIdPattern.test(logId)) throw new ValidationError(`audit log id must be 1-64 letters, digits or '-', got ${JSON.stringify(logId)}`);
}

function numberedKey(prefix: string, n: number, what: string): string {
  if (!Number.isSafeInteger(n) || n < 0 || n >= 10 ** numberDigits) throw new ValidationError(`${what} out of range: ${n}`);
  return `${prefix}${String(n).padStart(numberDigits, '0')}.json`;
}

function numberOfKey(prefix: string, key: string): number | null {
  if (!key.startsWith(prefix)) return null;
  const match = /^(\d{12})\.json$/.exec(key.slice(prefix.length));
  return match?.[1] === undefined ? null : Number(match[1]);
}

// ---- events ----

/** Key prefix of one log's events. */
export function auditEventsPrefix(logId: string): string {
  assertValidLogId(logId);
  return `audit/v1/${logId}/events/`;
}

/** Zero-padded, so that a plain (lexicographic) listing returns events in seq order. */
export function auditEventKey(logId: string, seq: number): string {
  return numberedKey(auditEventsPrefix(logId), seq, 'audit seq');
}

/** The seq an event key stands for, or null when the key is not an event of this log. */
export function seqOfAuditEventKey(logId: string, key: string): number | null {
  return numberOfKey(auditEventsPrefix(logId), key);
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
  const { raw, event } = parseStoredJson(text);
  return { event, hash: chainHashOf(raw, text) };
}

/** Parses a stored event without hashing it: a reader of many hashes the bytes as stored, and only looks at `chainHashOfStoredEvent` when they do not chain. */
export function parseAuditEventText(text: string): AuditEvent {
  return parseStoredJson(text).event;
}

/** The hash the next event's prevHash names: of the text when it is canonical, as events are written; else of its canonical form. */
export function chainHashOfStoredEvent(text: string): string {
  return chainHashOf(parseStoredJson(text).raw, text);
}

function parseStoredJson(text: string): { raw: unknown; event: AuditEvent } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ValidationError(`stored audit event is not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  const parsed = auditEventSchema.safeParse(raw);
  if (!parsed.success) throw new ValidationError(`stored audit event does not match custody.audit.v1: ${parsed.error.message}`);
  return { raw, event: parsed.data };
}

// Events are stored canonical: then the text is hashed as it is, without writing it again.
const chainHashOf = (raw: unknown, text: string) => sha256Hex(isCanonicalJsonText(raw, text) ? text : canonicalJson(raw));

/** RFC 9162 leaf hash of a stored event object. */
export function leafHashOfStoredEvent(body: string | Uint8Array): Uint8Array {
  return leafHash(sha256, typeof body === 'string' ? Buffer.from(body, 'utf8') : body);
}

// ---- checkpoints ----

export function auditCheckpointsPrefix(logId: string): string {
  assertValidLogId(logId);
  return `audit/v1/${logId}/checkpoints/`;
}

export function auditCheckpointKey(logId: string, treeSize: number): string {
  return numberedKey(auditCheckpointsPrefix(logId), treeSize, 'checkpoint tree size');
}

export function treeSizeOfCheckpointKey(logId: string, key: string): number | null {
  return numberOfKey(auditCheckpointsPrefix(logId), key);
}

type UnsignedCheckpoint = Omit<AuditCheckpoint, 'signature'>;

/** The exact bytes a checkpoint's signature covers: its canonical JSON without `signature`. */
export function checkpointSigningBytes(checkpoint: Readonly<UnsignedCheckpoint | AuditCheckpoint>): Buffer {
  const { signature: _signature, ...unsigned } = checkpoint as AuditCheckpoint;
  return Buffer.from(canonicalJson(unsigned), 'utf8');
}

export function signCheckpoint(key: SigningKey, head: Readonly<{ logId: string; treeSize: number; rootHash: string; time: string }>): AuditCheckpoint {
  const unsigned: UnsignedCheckpoint = {
    schema: 'custody.checkpoint.v1',
    logId: head.logId,
    treeSize: head.treeSize,
    rootHash: head.rootHash,
    time: head.time,
    keyId: key.keyId,
  };
  return { ...unsigned, signature: key.sign(checkpointSigningBytes(unsigned)) };
}

/** The stored bytes of a checkpoint object. */
export function serializeCheckpoint(checkpoint: Readonly<AuditCheckpoint>): string {
  return canonicalJson(checkpoint);
}

export function parseStoredCheckpoint(text: string): AuditCheckpoint {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ValidationError(`stored checkpoint is not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  const parsed = auditCheckpointSchema.strict().safeParse(raw);
  if (!parsed.success) throw new ValidationError(`stored checkpoint does not match custody.checkpoint.v1: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

/** True when `publicKeyPem` is the key the checkpoint names and its signature is valid. */
export function checkpointSignatureValid(checkpoint: Readonly<AuditCheckpoint>, publicKeyPem: string): boolean {
  let keyId: string;
  try {
    keyId = keyIdOf(publicKeyPem);
  } catch {
    return false;
  }
  return keyId === checkpoint.keyId && verifySignature(publicKeyPem, checkpointSigningBytes(checkpoint), checkpoint.signature);
}

// ---- published keys ----

export function auditKeysPrefix(logId: string): string {
  assertValidLogId(logId);
  return `audit/v1/${logId}/keys/`;
}

export function auditPublicKeyKey(logId: string, keyId: string): string {
  if (!/^[0-9a-f]{64}$/.test(keyId)) throw new ValidationError(`not a key id: ${keyId}`);
  return `${auditKeysPrefix(logId)}${keyId}.pem`;
}

export function keyIdOfPublicKeyKey(logId: string, key: string): string | null {
  const prefix = auditKeysPrefix(logId);
  const match = key.startsWith(prefix) ? /^([0-9a-f]{64})\.pem$/.exec(key.slice(prefix.length)) : null;
  return match?.[1] ?? null;
}

// ---- C2SP tlog-tiles and signed-note checkpoints ----

/** Key of a hash tile (tile/<L>/<N>[.p/<W>]) under the log's prefix. */
export function auditTileKey(logId: string, tile: Readonly<TileId>): string {
  assertValidLogId(logId);
  return `audit/v1/${logId}/${hashTilePath(tile)}`;
}

/** Key of an entry bundle (tile/entries/<N>[.p/<W>]): the stored bytes of events 256N.. in seq order. */
export function auditEntryBundleKey(logId: string, index: number, width: number): string {
  assertValidLogId(logId);
  return `audit/v1/${logId}/${entryBundlePath(index, width)}`;
}

export function auditCheckpointNotesPrefix(logId: string): string {
  assertValidLogId(logId);
  return `audit/v1/${logId}/checkpoint-note/`;
}

export function auditCheckpointNoteKey(logId: string, treeSize: number): string {
  return numberedKey(auditCheckpointNotesPrefix(logId), treeSize, 'checkpoint tree size').slice(0, -'.json'.length);
}

export function treeSizeOfCheckpointNoteKey(logId: string, key: string): number | null {
  const prefix = auditCheckpointNotesPrefix(logId);
  const match = key.startsWith(prefix) ? /^(\d{12})$/.exec(key.slice(prefix.length)) : null;
  return match?.[1] === undefined ? null : Number(match[1]);
}

/** The log's newest checkpoint note (tlog-tiles' `<prefix>/checkpoint`). */
export function auditLatestCheckpointNoteKey(logId: string): string {
  assertValidLogId(logId);
  return `audit/v1/${logId}/checkpoint`;
}

/** The checkpoint origin (and note key name) of a log: schema-less, no spaces or '+', as tlog-checkpoint asks. */
export function checkpointNoteOrigin(bucket: string, logId: string): string {
  assertValidLogId(logId);
  if (!/^[A-Za-z0-9._-]{1,255}$/.test(bucket)) throw new ValidationError(`not an S3 bucket name: ${JSON.stringify(bucket)}`);
  return `custody.audit/${bucket}/${logId}`;
}

/** The note verifier key of a log's signing key (what an outside verifier or witness is given). */
export function checkpointNoteKey(bucket: string, logId: string, publicKeyPem: string): NoteVerifierKey {
  return noteVerifierKey(checkpointNoteOrigin(bucket, logId), publicKeyPem);
}

/** The checkpoint as a C2SP signed note, signed with the same key as its JSON form. */
export function signCheckpointNote(key: SigningKey, head: Readonly<{ bucket: string; logId: string; treeSize: number; rootHash: string }>): string {
  const noteKey = checkpointNoteKey(head.bucket, head.logId, key.publicKeyPem);
  const text = formatCheckpointText({ origin: noteKey.name, treeSize: head.treeSize, rootHash: Buffer.from(head.rootHash, 'hex') });
  return signNote(text, noteKey, (data) => Buffer.from(key.sign(data), 'base64'));
}
