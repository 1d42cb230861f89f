import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
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
  const publicKeyPem = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();
  return {
    keyId: keyIdOf(publicKeyPem),
    publicKeyPem,
    sign: (data) => sign(null, data, privateKey).toString('base64'),
  };
}

export function keyIdOf(publicKeyPem: string): string {
  const der = createPublicKey(publicKeyPem).export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('hex');
}

/** Checks an Ed25519 signature with only the public key: what any outside verifier does. */
export function verifySignature(publicKeyPem: string, data: Uint8Array, signatureBase64: string): boolean {
  try {
    return verify(null, data, createPublicKey(publicKeyPem), Buffer.from(signatureBase64, 'base64'));
  } catch {
    return false;
  }
}
