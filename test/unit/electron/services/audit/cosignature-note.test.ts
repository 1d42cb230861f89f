import { checkpointNoteOrigin } from '../../../../../electron/services/audit/layout';
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ed25519RawPublicKey, noteVerifierKey, openSignedNote, parseSignedNote, signNote } from '../../../../../electron/crypto/signed-note';
import {
  asCosignature,
  checkpointNoteText,
  cosignatureKey,
  cosignaturesBy,
  cosignedNote,
  cosignerKeyId,
  cosignerVkey,
  parseCheckpointNoteText,
  parseCosignatureKey,
  witnessKeyName,
  witnessLogIdOfKeyName,
} from '../../../../../electron/services/audit/cosignature-note';
import { keyIdOf, type SigningKey } from '../../../../../electron/services/signing/signing-key';

/** An Ed25519 key as the installation's signing key is (signing-key.ts), from a fresh key pair. */
function newSigningKey(): SigningKey {
  const { privateKey } = generateKeyPairSync('ed25519');
  const publicKeyPem = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();
  const pkcs8 = createPrivateKey(privateKey.export({ type: 'pkcs8', format: 'pem' }));
  return { keyId: keyIdOf(publicKeyPem), publicKeyPem, sign: (data) => sign(null, data, pkcs8).toString('base64') };
}

/** A raw 32-byte Ed25519 public key as a PEM (SPKI: a fixed 12-byte prefix, then the key). */
const pemOfRaw = (raw: Buffer) =>
  createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), raw]), format: 'der', type: 'spki' }).export({ type: 'spki', format: 'pem' }).toString();

// The example of c2sp.org/tlog-cosignature (and tlog-checkpoint): a checkpoint with the log's signature and one cosignature.
const SPEC_NOTE = [
  'example.com/behind-the-sofa',
  '20852163',
  'CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=',
  '',
  '\u2014 example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=',
  '\u2014 witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==',
  '',
].join('\n');

const ROOT = 'a'.repeat(64);

describe('cosignature format (c2sp.org/tlog-cosignature)', () => {
  it("reads the spec's example: the checkpoint body, and the cosignature's name and timestamp (the log's plain Ed25519 line is not a cosignature)", () => {
    const note = parseSignedNote(SPEC_NOTE);
    expect(parseCheckpointNoteText(note.text)).toEqual({
      origin: 'example.com/behind-the-sofa',
      treeSize: 20852163,
      rootHash: Buffer.from('CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=', 'base64').toString('hex'),
    });
    const cosignatures = note.signatures.map(asCosignature);
    expect(cosignatures[0]).toBeNull();
    // "time 1679315147" is the spec's own signed-message example for this cosignature.
    expect(cosignatures[1]).toMatchObject({ name: 'witness.example.com/w1', keyId: 0x8d66cf3f, timestamp: 1679315147 });
  });

  it('computes the key ID of a published cosignature/v1 vkey (transparency-dev/formats test vector)', () => {
    // remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2: type byte 0x04, then the key.
    const material = Buffer.from('BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2', 'base64');
    expect(material[0]).toBe(0x04);
    const raw = material.subarray(1);
    expect(cosignerKeyId('remora.n621.de', raw)).toBe(0xda77ade7);
    expect(cosignerVkey('remora.n621.de', pemOfRaw(raw))).toBe('remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2');
    expect(Buffer.from(ed25519RawPublicKey(pemOfRaw(raw))).equals(raw)).toBe(true);
  });

  it('signs cosignature/v1 over "cosignature/v1", the time line and the note text, and verifies only with the right key, name, time and text', () => {
    const key = newSigningKey();
    const name = witnessKeyName('witness-b');
    const text = checkpointNoteText({ origin: checkpointNoteOrigin('custody-audit', 'log-a'), treeSize: 42, rootHash: ROOT });
    expect(text).toBe(`custody.audit/custody-audit/log-a\n42\n${Buffer.from(ROOT, 'hex').toString('base64')}\n`);
    const note = cosignedNote(key, name, text, 1_765_000_000);
    expect(note).toMatch(new RegExp(`^${text.replaceAll('+', '\\+')}\n\u2014 custody/witness/witness-b [A-Za-z0-9+/]{102}==\n$`));
    expect(cosignaturesBy(note, text, { name, publicKeyPem: key.publicKeyPem })).toEqual([{ timestamp: 1_765_000_000 }]);

    // The signature is Ed25519 over exactly the spec's message.
    const [line] = parseSignedNote(note).signatures.map(asCosignature);
    expect(verify(null, Buffer.from(`cosignature/v1\ntime 1765000000\n${text}`), key.publicKeyPem, line!.signature)).toBe(true);

    expect(cosignaturesBy(note.replace('\n42\n', '\n43\n'), text.replace('\n42\n', '\n43\n'), { name, publicKeyPem: key.publicKeyPem })).toEqual([]);
    expect(cosignaturesBy(note, text.replace('\n42\n', '\n43\n'), { name, publicKeyPem: key.publicKeyPem })).toEqual([]);
    const later = Buffer.from(parseSignedNote(note).signatures[0]!.signature);
    later.writeBigUInt64BE(1_765_000_001n, 0);
    const retimed = `${text}\n\u2014 ${name} ${Buffer.concat([Buffer.from(parseSignedNote(note).signatures[0]!.keyId.toString(16).padStart(8, '0'), 'hex'), later]).toString('base64')}\n`;
    expect(cosignaturesBy(retimed, text, { name, publicKeyPem: key.publicKeyPem })).toEqual([]);
    expect(cosignaturesBy(note, text, { name: witnessKeyName('witness-c'), publicKeyPem: key.publicKeyPem })).toEqual([]);
    expect(cosignaturesBy(note, text, { name, publicKeyPem: newSigningKey().publicKeyPem })).toEqual([]);
    expect(cosignaturesBy('not a note', text, { name, publicKeyPem: key.publicKeyPem })).toEqual([]);
  });

  it("appends to the log's own signed-note checkpoint: a standard verifier opens it with the log's key and ignores the cosignature, or with the witness's", () => {
    const logKey = newSigningKey();
    const witnessKey = newSigningKey();
    const origin = checkpointNoteOrigin('custody-audit', 'log-a');
    const text = checkpointNoteText({ origin, treeSize: 7, rootHash: ROOT });
    const logNote = signNote(text, noteVerifierKey(origin, logKey.publicKeyPem), (data) => Buffer.from(logKey.sign(data), 'base64'));
    const cosignatureLine = cosignedNote(witnessKey, witnessKeyName('log-b'), text, 1_765_000_000).slice(text.length + 1);
    const cosigned = `${logNote}${cosignatureLine}`;
    expect(openSignedNote(cosigned, [noteVerifierKey(origin, logKey.publicKeyPem)])).toEqual({ text, signedBy: [origin] });
    expect(cosignaturesBy(cosigned, text, { name: witnessKeyName('log-b'), publicKeyPem: witnessKey.publicKeyPem })).toEqual([{ timestamp: 1_765_000_000 }]);
  });

  it('refuses what is not a checkpoint note', () => {
    expect(parseCheckpointNoteText('origin\n012\nAAAA\n')).toBeNull();
    expect(parseCheckpointNoteText(`o\n1\n${Buffer.from(ROOT, 'hex').toString('base64')}\nextension\n`)).toBeNull();
    expect(() => checkpointNoteText({ origin: 'o', treeSize: 1, rootHash: 'xyz' })).toThrow(/root hash/);
    expect(() => checkpointNoteOrigin('bad bucket', 'log-a')).toThrow(/bucket/);
  });

  it('names witnesses and stores each cosignature under the witnessed log, by tree size and witness', () => {
    expect(witnessLogIdOfKeyName(witnessKeyName('b-1'))).toBe('b-1');
    expect(witnessLogIdOfKeyName('custody/witness/../x')).toBeNull();
    const key = cosignatureKey('log-a', 300, 'log-b');
    expect(key).toBe('audit/v1/log-a/cosignatures/000000000300/log-b');
    expect(parseCosignatureKey('log-a', key)).toEqual({ treeSize: 300, witnessLogId: 'log-b' });
    expect(parseCosignatureKey('log-c', key)).toBeNull();
    expect(parseCosignatureKey('log-a', 'audit/v1/log-a/cosignatures/000000000300/../x')).toBeNull();
    expect(() => cosignatureKey('log-a', 0, 'log-b')).toThrow(/range/);
    expect(() => cosignatureKey('log/a', 1, 'log-b')).toThrow();
  });
});
