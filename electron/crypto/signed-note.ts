import { createPublicKey, verify } from 'node:crypto';
import { sha256 } from './sha256';

/**
 * C2SP signed notes (https://c2sp.org/signed-note) with Ed25519 signatures, and the tree-head text of
 * C2SP tlog-checkpoint (https://c2sp.org/tlog-checkpoint): both sides, so that what Custody publishes
 * is checked by the rules any standard verifier applies.
 *
 *   <text, ending in a newline>
 *   <blank line>
 *   — <key name> base64(4-byte key id || Ed25519 signature over the text)
 *
 * key id = SHA-256(key name || 0x0A || 0x01 || 32-byte public key)[:4]; a verifier key ("vkey") is
 * <name>+<hex key id>+base64(0x01 || public key).
 */

const ED25519_TYPE = 0x01;
const SIGNATURE_PREFIX = '\u2014 ';
/** The spec asks verifiers to accept at least 16; more is refused as abuse. */
const MAX_SIGNATURES = 64;

export type NoteVerifierKey = { name: string; keyId: number; publicKey: Uint8Array };
export type NoteSignature = { name: string; keyId: number; signature: Uint8Array };
export type SignedNote = { text: string; signatures: Array<NoteSignature> };

export class NoteError extends Error {
  override readonly name = 'NoteError';
}

/** ASCII controls other than newline (or any, for a key name): a note must not contain them. */
function hasControl(text: string, newlineAllowed: boolean): boolean {
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (code < 0x20 && !(newlineAllowed && code === 0x0a)) return true;
  }
  return false;
}

function assertKeyName(name: string): void {
  if (name.length === 0 || /[\s+]/u.test(name) || hasControl(name, false)) throw new NoteError(`invalid note key name ${JSON.stringify(name)}: non-empty, no spaces, no '+'`);
}

/** The 32-byte Ed25519 public key of a PEM (SPKI) public key. */
export function ed25519RawPublicKey(publicKeyPem: string): Uint8Array {
  const jwk = createPublicKey(publicKeyPem).export({ format: 'jwk' });
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string') throw new NoteError('not an Ed25519 public key');
  return new Uint8Array(Buffer.from(jwk.x, 'base64url'));
}

/** The note key id of an Ed25519 key under `name` (uint32, big-endian first four bytes of the hash). */
export function noteKeyId(name: string, publicKey: Uint8Array): number {
  assertKeyName(name);
  const hash = sha256(Buffer.concat([Buffer.from(name, 'utf8'), Buffer.of(0x0a, ED25519_TYPE), publicKey]));
  return Buffer.from(hash).readUInt32BE(0);
}

export function noteVerifierKey(name: string, publicKeyPem: string): NoteVerifierKey {
  const publicKey = ed25519RawPublicKey(publicKeyPem);
  return { name, keyId: noteKeyId(name, publicKey), publicKey };
}

export function formatVerifierKey(key: Readonly<NoteVerifierKey>): string {
  return `${key.name}+${key.keyId.toString(16).padStart(8, '0')}+${Buffer.concat([Buffer.of(ED25519_TYPE), key.publicKey]).toString('base64')}`;
}

/** Parses a vkey; its key id must be the one its name and key produce. */
export function parseVerifierKey(vkey: string): NoteVerifierKey {
  const match = /^([^+]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/]+={0,2})$/.exec(vkey);
  if (!match) throw new NoteError('malformed verifier key');
  const [, name, hexId, material] = match as unknown as [string, string, string, string];
  const bytes = Buffer.from(material, 'base64');
  if (bytes.toString('base64') !== material) throw new NoteError('verifier key is not canonical base64');
  if (bytes.length !== 33 || bytes[0] !== ED25519_TYPE) throw new NoteError('verifier key is not an Ed25519 key');
  const publicKey = new Uint8Array(bytes.subarray(1));
  const keyId = Number.parseInt(hexId, 16);
  if (noteKeyId(name, publicKey) !== keyId) throw new NoteError('verifier key id does not match its name and key');
  return { name, keyId, publicKey };
}

/** A note: the text, a blank line, then one line per signature. */
export function formatSignedNote(text: string, signatures: ReadonlyArray<NoteSignature>): string {
  assertNoteText(text);
  if (signatures.length === 0) throw new NoteError('a signed note needs at least one signature');
  const lines = signatures.map((s) => {
    assertKeyName(s.name);
    const blob = Buffer.alloc(4 + s.signature.length);
    blob.writeUInt32BE(s.keyId >>> 0, 0);
    blob.set(s.signature, 4);
    return `${SIGNATURE_PREFIX}${s.name} ${blob.toString('base64')}\n`;
  });
  return `${text}\n${lines.join('')}`;
}

function assertNoteText(text: string): void {
  if (!text.endsWith('\n')) throw new NoteError('note text must end in a newline');
  if (hasControl(text, true)) throw new NoteError('note text holds a control character');
}

/** Splits a note into its text and signature lines, by the spec's syntax (signatures unchecked). */
export function parseSignedNote(note: string): SignedNote {
  if (!note.endsWith('\n')) throw new NoteError('malformed note: it must end in a newline');
  if (hasControl(note, true) || note.includes('\uFFFD')) throw new NoteError('malformed note: control character or invalid UTF-8');
  // The text is separated from the signatures by the last blank line.
  const split = note.lastIndexOf('\n\n');
  if (split < 0) throw new NoteError('malformed note: no blank line before the signatures');
  const text = note.slice(0, split + 1);
  const lines = note.slice(split + 2, -1).split('\n');
  if (lines.length > MAX_SIGNATURES) throw new NoteError(`note carries more than ${MAX_SIGNATURES} signatures`);
  const signatures = lines.map((line) => {
    if (!line.startsWith(SIGNATURE_PREFIX)) throw new NoteError('malformed note: a signature line must start with an em dash and a space');
    const parts = line.slice(SIGNATURE_PREFIX.length).split(' ');
    if (parts.length !== 2) throw new NoteError('malformed note: a signature line is "— <name> <base64>"');
    const [name, blob] = parts as [string, string];
    assertKeyName(name);
    const bytes = Buffer.from(blob, 'base64');
    if (bytes.length < 5 || bytes.toString('base64') !== blob) throw new NoteError('malformed note: signature is not base64 of a key id and a signature');
    return { name, keyId: bytes.readUInt32BE(0), signature: new Uint8Array(bytes.subarray(4)) };
  });
  return { text, signatures };
}

function ed25519Verify(publicKey: Uint8Array, data: Uint8Array, signature: Uint8Array): boolean {
  try {
    const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKey).toString('base64url') }, format: 'jwk' });
    return verify(null, data, key, signature);
  } catch {
    return false;
  }
}

/**
 * Opens a note with the trusted keys, by the spec's rules: signatures of unknown keys (name and id not
 * both matching) are ignored; one of a known key that fails rejects the note; at least one must verify.
 * Returns the text and the names of the keys that signed it.
 */
export function openSignedNote(note: string, trusted: ReadonlyArray<NoteVerifierKey>): { text: string; signedBy: Array<string> } {
  const { text, signatures } = parseSignedNote(note);
  const data = Buffer.from(text, 'utf8');
  const signedBy: Array<string> = [];
  for (const signature of signatures) {
    const key = trusted.find((k) => k.name === signature.name && k.keyId === signature.keyId);
    if (!key) continue;
    if (!ed25519Verify(key.publicKey, data, signature.signature)) throw new NoteError(`the signature of ${signature.name} does not verify`);
    if (!signedBy.includes(key.name)) signedBy.push(key.name);
  }
  if (signedBy.length === 0) throw new NoteError('no signature of a trusted key');
  return { text, signedBy };
}

/** Signs `text` as a note under `name` with `sign` (Ed25519 over the text, raw 64 bytes). */
export function signNote(text: string, key: Readonly<{ name: string; publicKey: Uint8Array }>, sign: (data: Uint8Array) => Uint8Array): string {
  assertNoteText(text);
  return formatSignedNote(text, [{ name: key.name, keyId: noteKeyId(key.name, key.publicKey), signature: sign(Buffer.from(text, 'utf8')) }]);
}

// ---- tlog-checkpoint ----

export type CheckpointBody = { origin: string; treeSize: number; rootHash: Uint8Array; extensions: Array<string> };

/** The note text of a checkpoint: origin, tree size, base64 root hash, one per line. */
export function formatCheckpointText(body: Readonly<{ origin: string; treeSize: number; rootHash: Uint8Array }>): string {
  if (body.origin.length === 0 || body.origin.includes('\n')) throw new NoteError('a checkpoint origin is one non-empty line');
  if (!Number.isSafeInteger(body.treeSize) || body.treeSize < 0) throw new NoteError(`invalid tree size ${body.treeSize}`);
  if (body.rootHash.length !== 32) throw new NoteError('a checkpoint root hash is 32 bytes');
  return `${body.origin}\n${body.treeSize}\n${Buffer.from(body.rootHash).toString('base64')}\n`;
}

export function parseCheckpointText(text: string): CheckpointBody {
  const lines = text.split('\n');
  if (lines.pop() !== '' || lines.length < 3) throw new NoteError('a checkpoint has at least three lines, each ending in a newline');
  const [origin, size, root, ...extensions] = lines as [string, string, string, ...Array<string>];
  if (origin.length === 0) throw new NoteError('checkpoint origin is empty');
  if (!/^(0|[1-9][0-9]*)$/.test(size) || !Number.isSafeInteger(Number(size))) throw new NoteError('checkpoint tree size is not a decimal without leading zeroes');
  const rootHash = Buffer.from(root, 'base64');
  if (rootHash.length !== 32 || rootHash.toString('base64') !== root) throw new NoteError('checkpoint root hash is not the base64 of 32 bytes');
  if (extensions.some((line) => line.length === 0)) throw new NoteError('checkpoint extension lines must not be empty');
  return { origin, treeSize: Number(size), rootHash: new Uint8Array(rootHash), extensions };
}
