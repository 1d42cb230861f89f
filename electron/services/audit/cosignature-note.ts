import { sha256 } from '../../crypto/sha256';
import { ed25519PublicKeyBytes, verifySignature, type SigningKey } from '../signing/signing-key';
import { ValidationError } from '../errors';
import { assertValidLogId } from './layout';

/**
 * Witness cosignatures in the C2SP formats (https://c2sp.org/tlog-cosignature, https://c2sp.org/signed-note,
 * https://c2sp.org/tlog-checkpoint): the one definition of the checkpoint note body a witness signs, the
 * `cosignature/v1` signed message, the cosigner's key name and key ID, the signature line, and where a
 * cosignature is stored:
 *
 *   audit/v1/<witnessed log>/cosignatures/<tree size, 12 digits>/<witness log id>
 *
 * holding the checkpoint's note text, a blank line and the witness's signature line: a signed note a
 * standard verifier opens with the witness's vkey.
 */

/** The checkpoint origin of one audit log (its note's first line). */
export function auditLogOrigin(logId: string): string {
  assertValidLogId(logId);
  return `custody/audit/${logId}`;
}

/** The key name a workstation cosigns with (its own log id names it). */
export function witnessKeyName(witnessLogId: string): string {
  assertValidLogId(witnessLogId);
  return `custody/witness/${witnessLogId}`;
}

/** The witness log id a key name stands for, or null when it is not a witness name. */
export function witnessLogIdOfKeyName(name: string): string | null {
  const match = /^custody\/witness\/([A-Za-z0-9-]{1,64})$/.exec(name);
  return match?.[1] ?? null;
}

export type TreeHeadNote = { origin: string; treeSize: number; rootHash: string };

/** The checkpoint's note text (tlog-checkpoint): origin, tree size, base64 root hash, each newline-terminated. */
export function checkpointNoteText(head: Readonly<TreeHeadNote>): string {
  if (!/^[0-9a-f]{64}$/.test(head.rootHash)) throw new ValidationError(`not a SHA-256 root hash: ${head.rootHash}`);
  if (!Number.isSafeInteger(head.treeSize) || head.treeSize < 0) throw new ValidationError(`tree size out of range: ${head.treeSize}`);
  if (!/^[^\s+]+$/u.test(head.origin)) throw new ValidationError(`checkpoint origin must be non-empty without spaces or '+': ${JSON.stringify(head.origin)}`);
  return `${head.origin}\n${head.treeSize}\n${Buffer.from(head.rootHash, 'hex').toString('base64')}\n`;
}

/** The checkpoint a note text states, or null when it is not one (extension lines are not ours to make). */
export function parseCheckpointNoteText(text: string): TreeHeadNote | null {
  const match = /^([^\s+]+)\n(0|[1-9]\d{0,15})\n([A-Za-z0-9+/]{43}=)\n$/.exec(text);
  if (!match) return null;
  const treeSize = Number(match[2]);
  if (!Number.isSafeInteger(treeSize)) return null;
  return { origin: match[1]!, treeSize, rootHash: Buffer.from(match[3]!, 'base64').toString('hex') };
}

/** The Ed25519 `cosignature/v1` signed message: header line, timestamp line, then the note text. */
export function cosignatureMessage(noteText: string, timestamp: number): Buffer {
  assertTimestamp(timestamp);
  return Buffer.from(`cosignature/v1\ntime ${timestamp}\n${noteText}`, 'utf8');
}

/** SHA-256(name || 0x0A || 0x04 || 32-byte Ed25519 public key)[:4]: the cosigner's key ID (type 0x04). */
export function cosignerKeyId(name: string, publicKey: Uint8Array): Buffer {
  if (publicKey.length !== 32) throw new ValidationError('an Ed25519 public key is 32 bytes');
  return Buffer.from(sha256(Buffer.concat([Buffer.from(`${name}\n`, 'utf8'), Buffer.of(0x04), publicKey]))).subarray(0, 4);
}

/** The cosigner's verifier key (signed-note vkey): name+hex key ID+base64(0x04 || public key). */
export function cosignerVkey(name: string, publicKeyPem: string): string {
  const publicKey = ed25519PublicKeyBytes(publicKeyPem);
  return `${name}+${cosignerKeyId(name, publicKey).toString('hex')}+${Buffer.concat([Buffer.of(0x04), publicKey]).toString('base64')}`;
}

/** The note signature line of a cosignature: "— <name> base64(key ID || u64 timestamp || signature)". */
export function signCosignature(key: Pick<SigningKey, 'sign' | 'publicKeyPem'>, name: string, noteText: string, timestamp: number): string {
  const keyId = cosignerKeyId(name, ed25519PublicKeyBytes(key.publicKeyPem));
  const signature = Buffer.from(key.sign(cosignatureMessage(noteText, timestamp)), 'base64');
  const time = Buffer.alloc(8);
  time.writeBigUInt64BE(BigInt(timestamp));
  return `\u2014 ${name} ${Buffer.concat([keyId, time, signature]).toString('base64')}\n`;
}

export type NoteSignature = { name: string; keyId: Buffer; timestamp: number; signature: Buffer };

/**
 * A signed note split into its text and its signature lines (signed-note: the text ends at the last
 * blank line). Lines that are not timestamped Ed25519 signatures (4 + 8 + 64 bytes) are left out.
 */
export function parseSignedNote(note: string): { text: string; signatures: Array<NoteSignature> } {
  if (!note.endsWith('\n') || [...note].some((c) => c < ' ' && c !== '\n')) throw new ValidationError('not a signed note: control characters, or no final newline');
  const split = note.lastIndexOf('\n\n');
  if (split < 0) throw new ValidationError('not a signed note: no blank line before the signatures');
  const text = note.slice(0, split + 1);
  const signatures: Array<NoteSignature> = [];
  for (const line of note.slice(split + 2, -1).split('\n')) {
    const match = /^\u2014 (\S+) ([A-Za-z0-9+/]+={0,2})$/.exec(line);
    if (!match) throw new ValidationError(`not a note signature line: ${JSON.stringify(line.slice(0, 120))}`);
    const bytes = Buffer.from(match[2]!, 'base64');
    if (bytes.length !== 4 + 8 + 64) continue;
    const timestamp = bytes.readBigUInt64BE(4);
    if (timestamp > BigInt(Number.MAX_SAFE_INTEGER)) continue;
    signatures.push({ name: match[1]!, keyId: bytes.subarray(0, 4), timestamp: Number(timestamp), signature: bytes.subarray(12) });
  }
  return { text, signatures };
}

/** Whether `signature` is a valid cosignature of `noteText` by the cosigner (name, PEM public key). */
export function cosignatureValid(signature: Readonly<NoteSignature>, noteText: string, cosigner: { name: string; publicKeyPem: string }): boolean {
  let publicKey: Uint8Array;
  try {
    publicKey = ed25519PublicKeyBytes(cosigner.publicKeyPem);
  } catch {
    return false;
  }
  if (signature.name !== cosigner.name || !cosignerKeyId(cosigner.name, publicKey).equals(signature.keyId)) return false;
  return verifySignature(cosigner.publicKeyPem, cosignatureMessage(noteText, signature.timestamp), signature.signature.toString('base64'));
}

// ---- where cosignatures are stored ----

const sizeDigits = 12;

export function cosignaturesPrefix(witnessedLogId: string): string {
  assertValidLogId(witnessedLogId);
  return `audit/v1/${witnessedLogId}/cosignatures/`;
}

export function cosignatureKey(witnessedLogId: string, treeSize: number, witnessLogId: string): string {
  assertValidLogId(witnessLogId);
  if (!Number.isSafeInteger(treeSize) || treeSize < 1 || treeSize >= 10 ** sizeDigits) throw new ValidationError(`cosigned tree size out of range: ${treeSize}`);
  return `${cosignaturesPrefix(witnessedLogId)}${String(treeSize).padStart(sizeDigits, '0')}/${witnessLogId}`;
}

/** The tree size and witness a cosignature key names, or null when it is not one of this log's. */
export function parseCosignatureKey(witnessedLogId: string, key: string): { treeSize: number; witnessLogId: string } | null {
  const prefix = cosignaturesPrefix(witnessedLogId);
  const match = key.startsWith(prefix) ? /^(\d{12})\/([A-Za-z0-9-]{1,64})$/.exec(key.slice(prefix.length)) : null;
  return match ? { treeSize: Number(match[1]), witnessLogId: match[2]! } : null;
}

function assertTimestamp(timestamp: number): void {
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) throw new ValidationError(`cosignature timestamp out of range: ${timestamp}`);
}
