import { generateKeyPairSync } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createKeyTrust, pinnedKeyIdOf } from '../../../../../electron/services/signing/key-trust';
import { fingerprintOf, keyIdOf } from '../../../../../electron/services/signing/signing-key';
import { testTempDir } from '../../../../helpers/temp-dir';

const newKeyPem = () => generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();
const logId = '5f0c9a52-6a43-4c3f-9d0e-0d6b1f3f4a11';

describe('trusted keys', () => {
  it("trust this installation's key, the pinned ones and the bucket's, and nothing else", async () => {
    const [own, pinned, published, stranger] = [newKeyPem(), newKeyPem(), newKeyPem(), newKeyPem()].map(keyIdOf) as [string, string, string, string];
    const asked: Array<[string, string]> = [];
    const trust = createKeyTrust({
      installationKeyId: own,
      pinnedKeyIds: [pinned],
      isPublished: async (log, keyId) => {
        asked.push([log, keyId]);
        return keyId === published;
      },
    });
    expect(await trust({ keyId: own, logId })).toBe('installation');
    expect(await trust({ keyId: pinned, logId })).toBe('pinned');
    expect(await trust({ keyId: published, logId })).toBe('bucket');
    expect(await trust({ keyId: stranger, logId })).toBeNull();
    // A pack that names no log is not looked up; a bucket that fails publishes nothing.
    expect(await trust({ keyId: published, logId: null })).toBeNull();
    const unreachable = createKeyTrust({ installationKeyId: null, pinnedKeyIds: [], isPublished: () => Promise.reject(new Error('connection refused')) });
    expect(await unreachable({ keyId: published, logId })).toBeNull();
    expect(asked).toEqual([
      [logId, published],
      [logId, stranger],
    ]);
  });

  it('are pinned by key id (any case) or by PEM file, and anything else is refused clearly', async () => {
    const dir = await testTempDir('custody-key-trust-');
    const pem = newKeyPem();
    const keyId = keyIdOf(pem);
    await writeFile(join(dir, 'firm.pem'), pem);
    await writeFile(join(dir, 'not-a-key.pem'), '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n');
    expect(await pinnedKeyIdOf(keyId)).toBe(keyId);
    expect(await pinnedKeyIdOf(keyId.toUpperCase())).toBe(keyId);
    expect(await pinnedKeyIdOf(join(dir, 'firm.pem'))).toBe(keyId);
    await expect(pinnedKeyIdOf(join(dir, 'not-a-key.pem'))).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringMatching(/not a PEM public key/) });
    await expect(pinnedKeyIdOf('abc\u001b[2K')).rejects.toMatchObject({ message: expect.stringContaining('"abc\\u001b[2K"') });
  });

  it('are shown as a fingerprint: the key id in groups of four hex digits', () => {
    expect(fingerprintOf('0123456789abcdef'.repeat(4))).toBe('0123 4567 89ab cdef '.repeat(4).trimEnd());
  });
});
