import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { plainSize, SEALED_HEADER_BYTES, sealedSize, SEGMENT_BYTES, SegmentOpener, SegmentSealer, type Seal } from '../../../../electron/crypto/segment-cipher';
import { openSealed, readSealed, sealedFile, sealedRangeSource, SealedFileError, writeAtomic } from '../../../../electron/services/storage/durable-file';
import { testTempDir } from '../../../helpers/temp-dir';

const seal: Seal = { key: randomBytes(32), context: 'media r-1' };
const SEGMENT_ON_DISK = SEGMENT_BYTES + 16;

/** Seals `plain`, handing it over in chunks of `chunkBytes` as a download would. */
function sealInChunks(plain: Buffer, chunkBytes: number, with_: Seal = seal): Buffer {
  const sealer = new SegmentSealer(with_);
  const out: Array<Buffer> = [];
  for (let i = 0; i < plain.length; i += chunkBytes) out.push(...sealer.push(plain.subarray(i, i + chunkBytes)));
  out.push(...sealer.finish());
  return Buffer.concat(out);
}

async function openAll(sealed: Buffer, with_: Seal = seal, chunkBytes = 10_007): Promise<Buffer> {
  const chunks = async function* () {
    for (let i = 0; i < sealed.length; i += chunkBytes) yield sealed.subarray(i, i + chunkBytes);
  };
  const parts: Array<Buffer> = [];
  for await (const part of openSealed(chunks(), with_)) parts.push(part);
  return Buffer.concat(parts);
}

async function sealedOnDisk(plain: Buffer): Promise<string> {
  const path = join(await testTempDir('custody-sealed-'), 'file.sealed');
  const file = await sealedFile(path, seal).open();
  for (let i = 0; i < plain.length; i += 300_001) await file.append(plain.subarray(i, i + 300_001));
  await file.complete();
  await file.close();
  return path;
}

async function readRange(path: string, start: number, end: number, with_: Seal = seal): Promise<Buffer> {
  const parts: Array<Buffer> = [];
  for await (const part of sealedRangeSource(path, with_).read(start, end)) parts.push(part);
  return Buffer.concat(parts);
}

describe('the segment cipher', () => {
  it('round-trips any length, in any chunking, to the sizes it predicts', async () => {
    for (const length of [0, 1, SEGMENT_BYTES - 1, SEGMENT_BYTES, SEGMENT_BYTES + 1, 3 * SEGMENT_BYTES, 5 * SEGMENT_BYTES + 12_345]) {
      const plain = randomBytes(length);
      const sealed = sealInChunks(plain, 7_919);
      expect(sealed.length).toBe(sealedSize(length));
      expect(plainSize(sealed.length)).toBe(length);
      expect((await openAll(sealed)).equals(plain)).toBe(true);
      expect(sealInChunks(plain, 1 << 20).equals(sealed)).toBe(false); // a fresh salt and nonce prefix per file
    }
  });

  it('holds no plaintext: a WAV header and an account number do not survive sealing', async () => {
    const plain = Buffer.concat([Buffer.from('RIFF\x24\x00\x00\x00WAVEfmt '), Buffer.from('client account 12345678 '.repeat(5_000))]);
    const sealed = sealInChunks(plain, 65_536);
    expect(sealed.includes('RIFF')).toBe(false);
    expect(sealed.includes('12345678')).toBe(false);
  });

  it('refuses a flipped bit anywhere: header, ciphertext or tag', async () => {
    const plain = randomBytes(2 * SEGMENT_BYTES + 100);
    const sealed = sealInChunks(plain, 65_536);
    for (const at of [3, SEALED_HEADER_BYTES - 1, SEALED_HEADER_BYTES + 10, SEALED_HEADER_BYTES + SEGMENT_ON_DISK - 1, sealed.length - 1]) {
      const altered = Buffer.from(sealed);
      altered[at] = altered[at]! ^ 0x01;
      await expect(openAll(altered), `bit flipped at ${at}`).rejects.toBeInstanceOf(SealedFileError);
    }
  });

  it('refuses a file truncated at a segment boundary or mid-segment, and one with a segment appended', async () => {
    const plain = randomBytes(3 * SEGMENT_BYTES + 5);
    const sealed = sealInChunks(plain, 65_536);
    const atBoundary = sealed.subarray(0, SEALED_HEADER_BYTES + 2 * SEGMENT_ON_DISK);
    await expect(openAll(atBoundary)).rejects.toThrow(/segment 1 failed authentication/);
    await expect(openAll(sealed.subarray(0, sealed.length - 3))).rejects.toBeInstanceOf(SealedFileError);
    await expect(openAll(sealed.subarray(0, SEALED_HEADER_BYTES))).rejects.toBeInstanceOf(SealedFileError);
    const extended = Buffer.concat([sealed, sealed.subarray(SEALED_HEADER_BYTES, SEALED_HEADER_BYTES + SEGMENT_ON_DISK)]);
    await expect(openAll(extended)).rejects.toBeInstanceOf(SealedFileError);
  });

  it('refuses swapped segments', async () => {
    const plain = randomBytes(3 * SEGMENT_BYTES + 5);
    const sealed = sealInChunks(plain, 65_536);
    const first = sealed.subarray(SEALED_HEADER_BYTES, SEALED_HEADER_BYTES + SEGMENT_ON_DISK);
    const second = sealed.subarray(SEALED_HEADER_BYTES + SEGMENT_ON_DISK, SEALED_HEADER_BYTES + 2 * SEGMENT_ON_DISK);
    const swapped = Buffer.concat([sealed.subarray(0, SEALED_HEADER_BYTES), second, first, sealed.subarray(SEALED_HEADER_BYTES + 2 * SEGMENT_ON_DISK)]);
    await expect(openAll(swapped)).rejects.toThrow(/segment 0 failed authentication/);
  });

  it('refuses a wrong key, another file\'s context, and bytes that are not sealed', async () => {
    const sealed = sealInChunks(randomBytes(1_000), 100);
    await expect(openAll(sealed, { key: randomBytes(32), context: seal.context })).rejects.toThrow(/wrong key, or the file was altered/);
    await expect(openAll(sealed, { key: seal.key, context: 'media r-2' })).rejects.toBeInstanceOf(SealedFileError);
    await expect(openAll(Buffer.from('RIFF....WAVEfmt plain old cache file from before encryption'))).rejects.toThrow(/not a sealed file/);
    expect(() => new SegmentOpener({ key: randomBytes(16), context: 'x' }).push(sealed)).toThrow(/32 bytes/);
  });

  it('reads any byte range by decrypting only the segments it touches, and still authenticates them', async () => {
    const plain = randomBytes(6 * SEGMENT_BYTES + 777);
    const path = await sealedOnDisk(plain);
    expect(await sealedRangeSource(path, seal).size()).toBe(plain.length);
    const ranges: Array<[number, number]> = [
      [0, 0],
      [0, 99],
      [SEGMENT_BYTES - 1, SEGMENT_BYTES],
      [SEGMENT_BYTES, 2 * SEGMENT_BYTES - 1],
      [12_345, 5 * SEGMENT_BYTES + 3],
      [plain.length - 10, plain.length - 1],
      [0, plain.length - 1],
      [plain.length - 1, plain.length + 5_000],
    ];
    for (const [start, end] of ranges) expect((await readRange(path, start, end)).equals(plain.subarray(start, end + 1)), `bytes ${start}-${end}`).toBe(true);
    const altered = await readFile(path);
    const inSegment4 = SEALED_HEADER_BYTES + 4 * SEGMENT_ON_DISK + 50;
    altered[inSegment4] = altered[inSegment4]! ^ 0x80;
    await writeFile(path, altered);
    // A range that avoids the altered segment still reads; one that touches it does not.
    expect((await readRange(path, 0, SEGMENT_BYTES)).equals(plain.subarray(0, SEGMENT_BYTES + 1))).toBe(true);
    await expect(readRange(path, 4 * SEGMENT_BYTES, 4 * SEGMENT_BYTES + 10)).rejects.toThrow(/segment 4 failed authentication/);
    await expect(readRange(path, 0, 10, { key: randomBytes(32), context: seal.context })).rejects.toBeInstanceOf(SealedFileError);
    // Truncated to a segment boundary: the new last segment was not sealed as the last one.
    await writeFile(path, altered.subarray(0, SEALED_HEADER_BYTES + 2 * SEGMENT_ON_DISK));
    await expect(readRange(path, SEGMENT_BYTES, SEGMENT_BYTES + 1)).rejects.toThrow(/segment 1 failed authentication/);
  });

  it('writes a small sealed file atomically and reads it back', async () => {
    const path = join(await testTempDir('custody-sealed-'), 'analysis.sealed');
    await writeAtomic(path, '{"peaks":[1,2,3]}', { seal, mode: 0o600 });
    expect((await readFile(path)).includes('peaks')).toBe(false);
    expect((await readSealed(path, seal)).toString('utf8')).toBe('{"peaks":[1,2,3]}');
  });
});
