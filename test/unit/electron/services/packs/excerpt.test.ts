import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseWavHeader } from '../../../../../electron/services/audio/wav';
import { excerptSlice, pcmWavHeader, writeExcerpt } from '../../../../../electron/services/packs/audio-copy';
import { testTempDir } from '../../../../helpers/temp-dir';

describe('annotated excerpts', () => {
  it('slice whole frames of the range and write exactly those samples under a canonical header', async () => {
    const format = { channels: 2, sampleRate: 8_000, bitsPerSample: 16 };
    // 2 s of stereo: frame i holds i in both channels.
    const data = Buffer.alloc(16_000 * 4);
    for (let i = 0; i < 16_000; i += 1) {
      data.writeInt16LE(i % 32_000, i * 4);
      data.writeInt16LE(-(i % 32_000), i * 4 + 2);
    }
    const root = await testTempDir('excerpt-');
    const wav = join(root, 'copy.wav');
    await writeFile(wav, Buffer.concat([pcmWavHeader(2, 8_000, 16, data.length), data]));

    expect(excerptSlice(format, data.length, { fromMs: 250, toMs: 500 })).toEqual({ startByte: 2_000 * 4, endByte: 4_000 * 4 });
    // A range past the data's end is cut at the last whole frame; fractions of a frame widen the range.
    expect(excerptSlice(format, data.length - 3, { fromMs: 1_999, toMs: 3_000 })).toEqual({ startByte: 15_992 * 4, endByte: 15_999 * 4 });
    expect(excerptSlice({ ...format, sampleRate: 44_100 }, 10_000_000, { fromMs: 1, toMs: 2 })).toEqual({ startByte: 44 * 4, endByte: 89 * 4 });

    const target = join(root, 'excerpt.wav');
    const written = await writeExcerpt(wav, format, data.length, { fromMs: 250, toMs: 500 }, target);
    const bytes = await readFile(target);
    const info = parseWavHeader(bytes, bytes.length);
    expect(info).toMatchObject({ format: 'pcm', channels: 2, sampleRate: 8_000, durationMs: 250, dataOffset: 44 });
    expect(bytes.subarray(44).equals(data.subarray(written.startByte, written.endByte))).toBe(true);
    expect(bytes.readInt16LE(44)).toBe(2_000);
    expect(written.digests.bytes).toBe(bytes.length);
  });
});
