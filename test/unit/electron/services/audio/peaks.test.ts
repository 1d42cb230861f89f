import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { computePeaks } from '../../../../../electron/services/audio/peaks';
import { mulawToLinear, parseWavHeader, readWavInfo } from '../../../../../electron/services/audio/wav';
import { testTempDir } from '../../../../helpers/temp-dir';
import { makeWav } from '../../../../helpers/wav';

describe('WAV and peaks', () => {
  it('reads the header of a stereo 8 kHz PCM file', async () => {
    const dir = await testTempDir('peaks-');
    const file = join(dir, 'a.wav');
    await writeFile(file, makeWav({ frames: 16000, left: () => 0, right: () => 0 }));
    expect(await readWavInfo(file)).toMatchObject({ format: 'pcm', channels: 2, sampleRate: 8000, bitsPerSample: 16, durationMs: 2000 });
  });

  it('keeps agent (left) and client (right) apart: each channel peaks where its speaker talks', async () => {
    const dir = await testTempDir('peaks-');
    const file = join(dir, 'call.wav');
    // First second: agent speaks on the left; second second: client speaks on the right.
    const tone = (i: number) => Math.sin((2 * Math.PI * 440 * i) / 8000);
    await writeFile(file, makeWav({ frames: 16000, left: (i) => (i < 8000 ? 0.8 * tone(i) : 0), right: (i) => (i >= 8000 ? 0.5 * tone(i) : 0) }));
    const peaks = await computePeaks(file, 4);
    expect(peaks.durationMs).toBe(2000);
    expect(peaks.channels).toHaveLength(2);
    const [left, right] = peaks.channels as [Array<number>, Array<number>];
    expect(left[0]).toBeGreaterThan(0.75);
    expect(left[3]).toBe(0);
    expect(right[0]).toBe(0);
    expect(right[3]).toBeGreaterThan(0.45);
  });

  it('rejects files that are not WAV with a clear message', () => {
    expect(() => parseWavHeader(Buffer.from('ID3 not a wav file at all'), 24)).toThrow(/not a RIFF\/WAVE file/);
  });

  it('decodes G.711 mu-law', () => {
    expect(mulawToLinear(0xff)).toBe(0);
    expect(mulawToLinear(0x80)).toBe(32124);
    expect(mulawToLinear(0x00)).toBe(-32124);
  });
});
