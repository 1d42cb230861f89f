import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readWavInfo } from '../../../../../electron/services/audio/wav';
import { copyRecording } from '../../../../../electron/services/packs/audio-copy';
import { plainRangeSource } from '../../../../../electron/services/storage/durable-file';
import { digestFile, digestIdenticalFiles } from '../../../../../electron/services/packs/file-digests';
import { openZip, writeZip } from '../../../../../electron/services/packs/zip';
import { makeWav } from '../../../../helpers/wav';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'custody-packs-unit-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

const sha = (bytes: Uint8Array, algorithm = 'sha256') => createHash(algorithm).update(bytes).digest('hex');

describe('zip', () => {
  it('writes a zip that Info-ZIP lists and tests, and reads it back with sizes and CRC-32 checked', async () => {
    const root = join(dir, 'tree');
    await mkdir(join(root, 'data/sub'), { recursive: true });
    await writeFile(join(root, 'bagit.txt'), 'BagIt-Version: 1.0\n');
    const big = Buffer.alloc(3 * (1 << 20) + 17, 7);
    await writeFile(join(root, 'data/sub/big.bin'), big);
    const zip = join(dir, 'out.zip');
    await writeZip(zip, root, ['bagit.txt', 'data/sub/big.bin'], new Date('2026-03-01T10:20:30Z'));
    expect(execFileSync('unzip', ['-tq', zip], { encoding: 'utf8' })).toMatch(/No errors detected/);
    const archive = await openZip(zip);
    try {
      expect(archive.entries.map((e) => [e.name, e.size])).toEqual([
        ['bagit.txt', 19],
        ['data/sub/big.bin', big.length],
      ]);
      const chunks: Array<Buffer> = [];
      await archive.forEachChunk(archive.entries[1]!, (c) => {
        chunks.push(Buffer.from(c));
      });
      expect(Buffer.concat(chunks).equals(big)).toBe(true);
      expect((await archive.readHead(archive.entries[1]!, 4)).equals(Buffer.alloc(4, 7))).toBe(true);
    } finally {
      await archive.close();
    }
  });

  it('reads deflated entries written by Info-ZIP', async () => {
    const root = join(dir, 'deflate');
    await mkdir(root, { recursive: true });
    await writeFile(join(root, 'text.txt'), 'evidence '.repeat(5000));
    const zip = join(dir, 'deflate.zip');
    execFileSync('zip', ['-q', '-9', zip, 'text.txt'], { cwd: root });
    const archive = await openZip(zip);
    try {
      expect(archive.entries[0]!.method).toBe(8);
      let text = '';
      await archive.forEachChunk(archive.entries[0]!, (c) => {
        text += c.toString('utf8');
      });
      expect(text).toBe('evidence '.repeat(5000));
    } finally {
      await archive.close();
    }
  });
});

describe('copying a recording into a pack', () => {
  it('keeps a canonical PCM WAV byte for byte in both files, hashed once', async () => {
    const source = join(dir, 'pcm.wav');
    const wav = makeWav({ frames: 8000 * 3, left: (i) => Math.sin(i / 9), right: (i) => Math.cos(i / 7) });
    await writeFile(source, wav);
    const copies = await copyRecording(plainRangeSource(source), join(dir, 'pcm.original.wav'), join(dir, 'pcm.copy.wav'));
    expect(copies.wavIsIdentical).toBe(true);
    expect(copies.original).toEqual({ sha256: sha(wav), sha512: sha(wav, 'sha512'), bytes: wav.length });
    expect(copies.wav).toEqual(copies.original);
    expect((await readFile(join(dir, 'pcm.copy.wav'))).equals(wav)).toBe(true);
    expect(await digestFile(join(dir, 'pcm.copy.wav'))).toEqual(copies.wav);
  });

  it('turns G.711 mu-law into 16-bit PCM for the WAV copy and keeps the original untouched', async () => {
    const frames = 4000;
    const header = Buffer.alloc(46 + 12);
    header.write('RIFF', 0, 'ascii');
    header.writeUInt32LE(50 + frames, 4);
    header.write('WAVE', 8, 'ascii');
    header.write('fmt ', 12, 'ascii');
    header.writeUInt32LE(18, 16);
    header.writeUInt16LE(7, 20); // mu-law
    header.writeUInt16LE(1, 22);
    header.writeUInt32LE(8000, 24);
    header.writeUInt32LE(8000, 28);
    header.writeUInt16LE(1, 32);
    header.writeUInt16LE(8, 34);
    header.writeUInt16LE(0, 36);
    header.write('fact', 38, 'ascii');
    header.writeUInt32LE(4, 42);
    header.writeUInt32LE(frames, 46);
    const data = Buffer.alloc(frames, 0x00);
    const source = Buffer.concat([header, Buffer.from('data'), Buffer.from(Uint32Array.of(frames).buffer), data]);
    await writeFile(join(dir, 'mulaw.wav'), source);
    const copies = await copyRecording(plainRangeSource(join(dir, 'mulaw.wav')), join(dir, 'mulaw.original.wav'), join(dir, 'mulaw.copy.wav'));
    expect(copies.wavIsIdentical).toBe(false);
    expect(copies.original.sha256).toBe(sha(source));
    const info = await readWavInfo(join(dir, 'mulaw.copy.wav'));
    expect(info).toMatchObject({ format: 'pcm', bitsPerSample: 16, channels: 1, sampleRate: 8000, dataBytes: frames * 2, durationMs: 500 });
    const pcm = await readFile(join(dir, 'mulaw.copy.wav'));
    expect(pcm.readInt16LE(44)).toBe(-32124); // mu-law 0x00 is the most negative level
    expect(copies.wav.sha256).toBe(sha(pcm));
  });

  it('hashes identical files once and still catches one that differs', async () => {
    const a = join(dir, 'same-a');
    const b = join(dir, 'same-b');
    const c = join(dir, 'differs');
    const bytes = Buffer.alloc(2 * (1 << 20) + 5, 3);
    await writeFile(a, bytes);
    await writeFile(b, bytes);
    const changed = Buffer.from(bytes);
    changed[changed.length - 1] = 4;
    await writeFile(c, changed);
    const [da, db, dc] = await digestIdenticalFiles([a, b, c]);
    expect(da).toEqual(db);
    expect(dc!.sha256).toBe(sha(changed));
    expect(da!.sha256).toBe(sha(bytes));
  });
});
