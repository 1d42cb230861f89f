import { createPublicKey, generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { formatVerifierKey, openSignedNote, parseCheckpointText, parseSignedNote, parseVerifierKey } from '../../../../../electron/crypto/signed-note';
import { auditCheckpointNoteKey, auditEntryBundleKey, auditLatestCheckpointNoteKey, auditTileKey, checkpointNoteKey, signCheckpointNote, treeSizeOfCheckpointNoteKey } from '../../../../../electron/services/audit/layout';
import { keyIdOf, type SigningKey } from '../../../../../electron/services/signing/signing-key';

function installationKey(): SigningKey {
  const { privateKey } = generateKeyPairSync('ed25519');
  const publicKeyPem = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();
  return { keyId: keyIdOf(publicKeyPem), publicKeyPem, sign: (data) => sign(null, data, privateKey).toString('base64') };
}

describe('audit checkpoints as C2SP signed notes', () => {
  it('a standard verifier, given only the vkey, opens the note and reads origin, size and root', () => {
    const key = installationKey();
    const rootHash = 'ab'.repeat(32);
    const note = signCheckpointNote(key, { bucket: 'custody-audit', logId: 'ws-7', treeSize: 600, rootHash });
    expect(note).toMatch(/^custody\.audit\/custody-audit\/ws-7\n600\nq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=\n\n— custody\.audit\/custody-audit\/ws-7 [A-Za-z0-9+/]+=*\n$/);
    const vkey = formatVerifierKey(checkpointNoteKey('custody-audit', 'ws-7', key.publicKeyPem));
    const opened = openSignedNote(note, [parseVerifierKey(vkey)]);
    expect(parseCheckpointText(opened.text)).toMatchObject({ origin: 'custody.audit/custody-audit/ws-7', treeSize: 600, extensions: [] });
    expect(Buffer.from(parseCheckpointText(opened.text).rootHash).toString('hex')).toBe(rootHash);
    // 4-byte key id, then the 64-byte Ed25519 signature.
    expect(parseSignedNote(note).signatures[0]!.signature).toHaveLength(64);
    // The same log under another bucket (origin) is another key name: not trusted.
    expect(() => openSignedNote(note, [checkpointNoteKey('other-bucket', 'ws-7', key.publicKeyPem)])).toThrow(/no signature of a trusted key/);
    expect(() => openSignedNote(note.replace('\n600\n', '\n601\n'), [parseVerifierKey(vkey)])).toThrow(/does not verify/);
  });

  it('keys the tiles and notes under the log prefix', () => {
    expect(auditTileKey('ws-7', { level: 1, index: 1234067, width: 3 })).toBe('audit/v1/ws-7/tile/1/x001/x234/067.p/3');
    expect(auditEntryBundleKey('ws-7', 2, 256)).toBe('audit/v1/ws-7/tile/entries/002');
    expect(auditCheckpointNoteKey('ws-7', 600)).toBe('audit/v1/ws-7/checkpoint-note/000000000600');
    expect(treeSizeOfCheckpointNoteKey('ws-7', 'audit/v1/ws-7/checkpoint-note/000000000600')).toBe(600);
    expect(treeSizeOfCheckpointNoteKey('ws-7', 'audit/v1/ws-7/checkpoint-note/600')).toBeNull();
    expect(auditLatestCheckpointNoteKey('ws-7')).toBe('audit/v1/ws-7/checkpoint');
    expect(() => auditTileKey('../x', { level: 0, index: 0, width: 1 })).toThrow(/log id/);
  });
});
