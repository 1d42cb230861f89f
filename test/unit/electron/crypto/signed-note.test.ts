import { createPrivateKey, createPublicKey, generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  formatCheckpointText,
  formatVerifierKey,
  noteVerifierKey,
  openSignedNote,
  parseCheckpointText,
  parseSignedNote,
  parseVerifierKey,
  signNote,
} from '../../../../electron/crypto/signed-note';

// The example of c2sp.org/signed-note ("Verifier keys", "Example"), C2SP/C2SP signed-note.md.
const SPEC_VKEY = 'example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k';
const SPEC_NOTE = 'This is an example message.\n\n— example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n';

// The reference vector of golang.org/x/mod/sumdb/note (note_test.go), with its private key: Ed25519 is
// deterministic, so signing its text must give its note byte for byte.
const GO_SKEY = 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz';
const GO_VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const GO_TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const GO_NOTE = `${GO_TEXT}\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`;

function goPrivateKey() {
  const seed = Buffer.from(GO_SKEY.split('+').slice(4).join('+'), 'base64').subarray(1);
  return createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]), format: 'der', type: 'pkcs8' });
}

describe('signed notes (c2sp.org/signed-note)', () => {
  it("verifies the spec's example note with the spec's verifier key", () => {
    const key = parseVerifierKey(SPEC_VKEY);
    expect(formatVerifierKey(key)).toBe(SPEC_VKEY);
    expect(openSignedNote(SPEC_NOTE, [key])).toEqual({ text: 'This is an example message.\n', signedBy: ['example.com/foo'] });
    expect(() => openSignedNote(SPEC_NOTE.replace('example message', 'example massage'), [key])).toThrow(/does not verify/);
  });

  it('signs the Go reference text into the reference note byte for byte, and derives its vkey', () => {
    const privateKey = goPrivateKey();
    const pem = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();
    const key = noteVerifierKey('PeterNeumann', pem);
    expect(formatVerifierKey(key)).toBe(GO_VKEY);
    expect(signNote(GO_TEXT, key, (data) => sign(null, data, privateKey))).toBe(GO_NOTE);
    expect(openSignedNote(GO_NOTE, [parseVerifierKey(GO_VKEY)]).text).toBe(GO_TEXT);
  });

  it('applies the verifier rules: unknown keys ignored, none trusted refused, malformed refused', () => {
    const other = generateKeyPairSync('ed25519');
    const stranger = noteVerifierKey('PeterNeumann', other.publicKey.export({ type: 'spki', format: 'pem' }).toString());
    // Same name, other id: ignored, so no trusted signature is left.
    expect(() => openSignedNote(GO_NOTE, [stranger])).toThrow(/no signature of a trusted key/);
    // An extra signature of an unknown key does not matter.
    const cosigned = `${GO_NOTE}— witness.example/w1 ${Buffer.alloc(68, 7).toString('base64')}\n`;
    expect(openSignedNote(cosigned, [parseVerifierKey(GO_VKEY)]).signedBy).toEqual(['PeterNeumann']);
    expect(() => parseSignedNote(GO_TEXT)).toThrow(/blank line/);
    expect(() => parseSignedNote(GO_NOTE.replace('— ', '-- '))).toThrow(/em dash/);
    expect(() => parseSignedNote(GO_NOTE.replace('\n\n', '\n\u0007\n\n'))).toThrow(/control/);
    expect(() => parseVerifierKey(GO_VKEY.replace('c74f20a3', 'c74f20a4'))).toThrow(/key id/);
  });

  it("formats and parses a checkpoint body as tlog-checkpoint's example", () => {
    const text = 'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n';
    const body = parseCheckpointText(text);
    expect(body).toMatchObject({ origin: 'example.com/behind-the-sofa', treeSize: 20852163, extensions: [] });
    expect(formatCheckpointText(body)).toBe(text);
    expect(() => parseCheckpointText('o\n020\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n')).toThrow(/leading zeroes/);
    expect(() => parseCheckpointText('o\n20\nCsUY\n')).toThrow(/32 bytes/);
  });
});
