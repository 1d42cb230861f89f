import { describe, expect, it } from 'vitest';
import { analyseMedia, type MediaAnalysis } from '../../../../../electron/services/cache/media-analysis';
import { waveformWindow } from '../../../../../electron/services/review/review-waveform';
import { makeWav } from '../../../../helpers/wav';

/** 60 s of stereo at 8 kHz: the agent (left) speaks loudly in 20–21 s only, the client (right) is quiet throughout. */
let analysis: Promise<MediaAnalysis> | undefined;
const analysed = () => (analysis ??= analyse());

async function analyse(): Promise<MediaAnalysis> {
  const rate = 8000;
  const wav = makeWav({ sampleRate: rate, frames: 60 * rate, left: (i) => (i >= 20 * rate && i < 21 * rate ? 0.8 * Math.sin(i / 3) : 0.01), right: () => 0.1 });
  return analyseMedia((async function* () {
    for (let at = 0; at < wav.length; at += 65_536) yield wav.subarray(at, at + 65_536);
  })(), wav.length);
}

describe("a review's waveform of the verified copy", () => {
  it('gives the whole recording, two channels, at the asked resolution', async () => {
    const waveform = waveformWindow('r-1', await analysed(), { buckets: 600 });
    expect(waveform).toMatchObject({ recordingId: 'r-1', durationMs: 60_000, fromMs: 0, toMs: 60_000, complete: true });
    expect(waveform.peaks.map((channel) => channel.length)).toEqual([600, 600]);
    // 100 ms a bucket: the agent's loud second is buckets 200–209.
    expect(Math.min(...waveform.peaks[0]!.slice(200, 210))).toBeGreaterThan(0.7);
    expect(Math.max(...waveform.peaks[0]!.slice(0, 199))).toBeLessThan(0.05);
  });

  it('gives a zoomed window its own finer peaks, and says which window they cover', async () => {
    const waveform = waveformWindow('r-1', await analysed(), { buckets: 200, fromMs: 19_000, toMs: 23_000 });
    expect(waveform.fromMs).toBeLessThanOrEqual(19_000);
    expect(waveform.toMs).toBeGreaterThanOrEqual(23_000);
    expect(waveform.toMs! - waveform.fromMs!).toBeLessThan(4_100);
    const [agent] = waveform.peaks;
    expect(agent!.length).toBeGreaterThanOrEqual(195);
    const msPerBucket = (waveform.toMs! - waveform.fromMs!) / agent!.length;
    const loud = agent!.map((peak, i) => [waveform.fromMs! + i * msPerBucket, peak] as const).filter(([, peak]) => peak > 0.5);
    expect(loud[0]![0]).toBeGreaterThanOrEqual(19_900);
    expect(loud.at(-1)![0]).toBeLessThanOrEqual(21_000);
  });

  it('draws half a second from the finest level of the analysis, and refuses a window outside the recording', async () => {
    const narrowSource = await analysed();
    const narrow = waveformWindow('r-1', narrowSource, { buckets: 1000, fromMs: 30_000, toMs: 30_500 });
    expect(narrow).toMatchObject({ fromMs: 30_000, toMs: 30_500 });
    expect(narrow.peaks[0]!.length).toBe(1000);
    expect(Math.max(...narrow.peaks[0]!)).toBeLessThan(0.05);
    expect(() => waveformWindow('r-1', narrowSource, { buckets: 100, fromMs: 70_000, toMs: 80_000 })).toThrow(/not inside the recording/);
  });
});
