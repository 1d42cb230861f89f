import { describe, expect, it } from 'vitest';
import { CredentialVault } from '../../../../../electron/services/auth/credentials';
import { SecretRedactor } from '../../../../../electron/services/logging/redactor';
import type { SecretStore } from '../../../../../electron/services/ports';
import { keyIdOf, loadOrCreateSigningKey, verifySignature } from '../../../../../electron/services/signing/signing-key';

function memoryStore(): SecretStore & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return {
    data,
    get: async (a) => data.get(a) ?? null,
    set: async (a, s) => void data.set(a, s),
    delete: async (a) => data.delete(a),
  };
}

describe('signing key', () => {
  it('is created once, kept in the secret store, and signs verifiably with the public key alone', async () => {
    const store = memoryStore();
    const vault = new CredentialVault(store, 'p', new SecretRedactor());
    const first = await loadOrCreateSigningKey(vault);
    const again = await loadOrCreateSigningKey(vault);
    expect(again.keyId).toBe(first.keyId);
    expect(first.keyId).toBe(keyIdOf(first.publicKeyPem));
    expect([...store.data.keys()]).toEqual(['p/signing-key']);
    const data = new TextEncoder().encode('tree size 12, root abc');
    const signature = first.sign(data);
    expect(verifySignature(first.publicKeyPem, data, signature)).toBe(true);
    expect(verifySignature(first.publicKeyPem, new TextEncoder().encode('tree size 13, root abc'), signature)).toBe(false);
    expect(verifySignature(first.publicKeyPem, data, 'AAAA')).toBe(false);
  });
});
