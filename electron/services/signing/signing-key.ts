import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { sha256Hex } from '../../crypto/sha256';
import type { CredentialVault } from '../auth/credentials';

/** The installation's Ed25519 key: signs audit checkpoints and evidence packs. Private half: keychain only. */
export type SigningKey = {
  /** SHA-256 (hex) of the public key's SPKI DER: names the key in what it signs. */
  keyId: string;
  publicKeyPem: string;
  /** Ed25519 signature of `data`, base64. */
  sign(data: Uint8Array): string;
};

/** Loads the profile's signing key from the keychain, creating and storing one on first use. */
export async function loadOrCreateSigningKey(vault: CredentialVault): Promise<SigningKey> {
  let stored = await vault.loadSigningKey();
  if (!stored) {
    const { privateKey } = generateKeyPairSync('ed25519');
    stored = { privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
    await vault.saveSigningKey(stored);
  }
  const privateKey = createPrivateKey(stored.privateKeyPem);
  const publicKeyPem = publicKeyPemOf(privateKey);
  return {
    keyId: keyIdOf(publicKeyPem),
    publicKeyPem,
    sign: (data) => sign(null, data, privateKey).toString('base64'),
  };
}

/** The installation's public key, when the keychain holds a signing key; nothing is created, the private half is dropped at once. */
export async function loadInstallationPublicKey(vault: CredentialVault): Promise<string | null> {
  const stored = await vault.loadSigningKey();
  return stored ? publicKeyPemOf(createPrivateKey(stored.privateKeyPem)) : null;
}

function publicKeyPemOf(privateKey: KeyObject): string {
  return createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();
}

export function keyIdOf(publicKeyPem: string): string {
  const der = createPublicKey(publicKeyPem).export({ type: 'spki', format: 'der' });
  return sha256Hex(der);
}

/** The key id of a PEM public key, or null when it is not one. */
export function keyIdOrNull(publicKeyPem: string): string | null {
  try {
    return keyIdOf(publicKeyPem);
  } catch {
    return null;
  }
}

/** A key id (SHA-256 of the SPKI DER) as people compare it: hex in groups of four. */
export function fingerprintOf(keyId: string): string {
  return keyId.match(/.{1,4}/g)?.join(' ') ?? keyId;
}

/** Checks an Ed25519 signature with only the public key: what any outside verifier does. */
export function verifySignature(publicKeyPem: string, data: Uint8Array, signatureBase64: string): boolean {
  try {
    return verify(null, data, createPublicKey(publicKeyPem), Buffer.from(signatureBase64, 'base64'));
  } catch {
    return false;
  }
}
