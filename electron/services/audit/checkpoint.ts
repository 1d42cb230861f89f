import { sha256 } from '../../crypto/sha256';
import { canonicalJson } from '../../../shared/canonical-json';
import { leafHash } from '../../../shared/crypto/merkle';
import { auditCheckpointSchema, type AuditCheckpoint } from '../../../shared/domain';
import { ValidationError } from '../errors';
import { keyIdOf, verifySignature, type SigningKey } from '../signing/signing-key';
import { assertValidLogId } from './audit-event';

/**
 * Signed checkpoints (RFC 9162 signed tree heads) over one audit log, in the format of
 * shared/domain.ts `auditCheckpointSchema`: leaves are the stored event objects' bytes in seq order,
 * the signature is Ed25519 over the canonical JSON of the checkpoint without `signature`.
 */
const sizeDigits = 12;

export const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

/** RFC 9162 leaf hash of a stored event object. */
export function leafHashOfStoredEvent(body: string | Uint8Array): Uint8Array {
  return leafHash(sha256, typeof body === 'string' ? Buffer.from(body, 'utf8') : body);
}

export function auditCheckpointsPrefix(logId: string): string {
  assertValidLogId(logId);
  return `audit/v1/${logId}/checkpoints/`;
}

export function auditCheckpointKey(logId: string, treeSize: number): string {
  if (!Number.isSafeInteger(treeSize) || treeSize < 0 || treeSize >= 10 ** sizeDigits) throw new ValidationError(`checkpoint tree size out of range: ${treeSize}`);
  return `${auditCheckpointsPrefix(logId)}${String(treeSize).padStart(sizeDigits, '0')}.json`;
}

export function treeSizeOfCheckpointKey(logId: string, key: string): number | null {
  const prefix = auditCheckpointsPrefix(logId);
  if (!key.startsWith(prefix)) return null;
  const match = /^(\d{12})\.json$/.exec(key.slice(prefix.length));
  return match?.[1] === undefined ? null : Number(match[1]);
}

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

type UnsignedCheckpoint = Omit<AuditCheckpoint, 'signature'>;

/** The exact bytes the signature covers. */
export function checkpointSigningInput(checkpoint: Readonly<UnsignedCheckpoint | AuditCheckpoint>): Uint8Array {
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
  return { ...unsigned, signature: key.sign(checkpointSigningInput(unsigned)) };
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
  return keyId === checkpoint.keyId && verifySignature(publicKeyPem, checkpointSigningInput(checkpoint), checkpoint.signature);
}
