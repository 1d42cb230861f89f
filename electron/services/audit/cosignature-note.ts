import { ed25519RawPublicKey, formatCheckpointText, formatSignedNote, parseCheckpointText, parseSignedNote, type NoteSignature } from '../../crypto/signed-note';
import { sha256 } from '../../crypto/sha256';
import { verifySignature, type SigningKey } from '../signing/signing-key';
import { ValidationError } from '../errors';
import { assertValidLogId } from './layout';

/**
 * Witness cosignatures in the C2SP formats (https://c2sp.org/tlog-cosignature over a
 * https://c2sp.org/tlog-checkpoint body, as a https://c2sp.org/signed-note line; the note syntax is
 * electron/crypto/signed-note.ts): the `cosignature/v1` signed message, the cosigner's key name and
 * key ID (type 0x04), and where a cosignature is stored:
 *
 *   audit/v1/<witnessed log>/cosignatures/<tree size, 12 digits>/<witness log id>
 *
 * holding the checkpoint's note text, a blank line and the witness's signature line: a signed note a
 * standard verifier opens with the witness's vkey, and whose line can be appended to the log's own
 * checkpoint note.
 */

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
  return formatCheckpointText({ origin: head.origin, treeSize: head.treeSize, rootHash: Buffer.from(head.rootHash, 'hex') });
}

/** The tree head a checkpoint note text states, or null when it is not one without extension lines. */
export function parseCheckpointNoteText(text: string): TreeHeadNote | null {
  try {
    const body = parseCheckpointText(text);
    return body.extensions.length === 0 ? { origin: body.origin, treeSize: body.treeSize, rootHash: Buffer.from(body.rootHash).toString('hex') } : null;
  } catch {
    return null;
  }
}

/** The Ed25519 `cosignature/v1` signed message: header line, timestamp line, then the note text. */
export function cosignatureMessage(noteText: string, timestamp: number): Buffer {
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) throw new ValidationError(`cosignature timestamp out of range: ${timestamp}`);
  return Buffer.from(`cosignature/v1\ntime ${timestamp}\n${noteText}`, 'utf8');
}

/** SHA-256(name || 0x0A || 0x04 || 32-byte Ed25519 public key)[:4], big-endian: the cosigner's key ID. */
export function cosignerKeyId(name: string, publicKey: Uint8Array): number {
  if (publicKey.length !== 32) throw new ValidationError('an Ed25519 public key is 32 bytes');
  return Buffer.from(sha256(Buffer.concat([Buffer.from(`${name}\n`, 'utf8'), Buffer.of(0x04), publicKey]))).readUInt32BE(0);
}

/** The cosigner's verifier key (signed-note vkey): name+hex key ID+base64(0x04 || public key). */
export function cosignerVkey(name: string, publicKeyPem: string): string {
  const publicKey = ed25519RawPublicKey(publicKeyPem);
  return `${name}+${cosignerKeyId(name, publicKey).toString(16).padStart(8, '0')}+${Buffer.concat([Buffer.of(0x04), publicKey]).toString('base64')}`;
}

/** The note text cosigned by `key` under `name` at `timestamp`: a signed note of one line, "— <name> base64(key ID || u64 timestamp || signature)". */
export function cosignedNote(key: Pick<SigningKey, 'sign' | 'publicKeyPem'>, name: string, noteText: string, timestamp: number): string {
  const time = Buffer.alloc(8);
  time.writeBigUInt64BE(BigInt(timestamp));
  const signature = Buffer.from(key.sign(cosignatureMessage(noteText, timestamp)), 'base64');
  return formatSignedNote(noteText, [{ name, keyId: cosignerKeyId(name, ed25519RawPublicKey(key.publicKeyPem)), signature: Buffer.concat([time, signature]) }]);
}

/** A note signature read as a timestamped Ed25519 cosignature (8 + 64 bytes after the key ID), or null when it is not one. */
export function asCosignature(signature: Readonly<NoteSignature>): { name: string; keyId: number; timestamp: number; signature: Buffer } | null {
  if (signature.signature.length !== 8 + 64) return null;
  const bytes = Buffer.from(signature.signature);
  const timestamp = bytes.readBigUInt64BE(0);
  if (timestamp > BigInt(Number.MAX_SAFE_INTEGER)) return null;
  return { name: signature.name, keyId: signature.keyId, timestamp: Number(timestamp), signature: bytes.subarray(8) };
}

/**
 * The valid cosignatures in `note` by the cosigner (name, PEM public key), with their timestamps, when
 * its text is `noteText`; an unreadable note holds none.
 */
export function cosignaturesBy(note: string, noteText: string, cosigner: { name: string; publicKeyPem: string }): Array<{ timestamp: number }> {
  let publicKey: Uint8Array;
  let parsed;
  try {
    publicKey = ed25519RawPublicKey(cosigner.publicKeyPem);
    parsed = parseSignedNote(note);
  } catch {
    return [];
  }
  if (parsed.text !== noteText) return [];
  const keyId = cosignerKeyId(cosigner.name, publicKey);
  return parsed.signatures.flatMap((line) => {
    const cosignature = asCosignature(line);
    if (!cosignature || cosignature.name !== cosigner.name || cosignature.keyId !== keyId) return [];
    const valid = verifySignature(cosigner.publicKeyPem, cosignatureMessage(noteText, cosignature.timestamp), cosignature.signature.toString('base64'));
    return valid ? [{ timestamp: cosignature.timestamp }] : [];
  });
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
