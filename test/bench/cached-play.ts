// Playing a cached 1-hour call (8 kHz stereo 16-bit PCM WAV, 110 MiB): what the engine reads per
// play, before (re-hash the file, open it for the WAV header, read it again for 1,000 peaks) and now
// (a stat and the sidecar written when the file entered the cache). Also the one-off cost at entry,
// and what encryption at rest costs: the sealed cache's byte-range reads (what media:// serves) and a
// whole read, against the same reads of the plain file in the same run.
//   npx tsx test/bench/cached-play.ts
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256Hex } from '../../electron/crypto/sha256';
import { openDatabaseSync } from '../../electron/db/connection';
import { createMediaRepository } from '../../electron/db/repositories/media-repository';
import { computePeaks } from '../../electron/services/audio/peaks';
import { readWavInfo } from '../../electron/services/audio/wav';
import { waveformWindow } from '../../electron/services/cache/media-analysis';
import { MediaCache } from '../../electron/services/cache/media-cache';
import { plainRangeSource, sha256File, type RangeSource } from '../../electron/services/storage/durable-file';
import { writeThrough } from '../helpers/sealed-files';
import { systemClock } from '../../electron/services/adapters/system-clock';
import { pcmWavHeader } from '../../electron/services/packs/audio-copy';

const seconds = Number(process.env.BENCH_PLAY_SECONDS ?? 3600);
const runs = 5;
const frames = 8000 * seconds;
const data = Buffer.alloc(frames * 4);
for (let i = 0; i < frames; i += 1) {
  data.writeInt16LE(Math.round(Math.sin(i / 3) * 12_000 * ((i >> 13) % 3)), i * 4);
  data.writeInt16LE(Math.round(Math.sin(i / 5) * 9_000 * ((i >> 14) % 2)), i * 4 + 2);
}
const wav = Buffer.concat([pcmWavHeader(2, 8000, 16, data.length), data]);
const root = await mkdtemp(join(tmpdir(), 'custody-play-bench-'));
try {
  const repository = createMediaRepository(openDatabaseSync(':memory:'));
  const key = randomBytes(32);
  const newCache = () => new MediaCache({ dir: join(root, 'media'), repository, clock: systemClock, key });
  const cache = newCache();
  const sha256 = sha256Hex(wav);
  const entryStart = performance.now();
  const media = await cache.store('r-1', 'genesys', async (target) => {
    await writeThrough(target, wav);
    return { bytes: wav.length, sha256, contentType: 'audio/wav' };
  });
  const entryMs = performance.now() - entryStart;
  const time = async (play: () => Promise<unknown>) => {
    const times: Array<number> = [];
    for (let i = 0; i < runs; i += 1) {
      const start = performance.now();
      await play();
      times.push(performance.now() - start);
    }
    return times.sort((a, b) => a - b)[Math.floor(runs / 2)]!;
  };
  // Before: the cache held the plain file, and each play read it three times.
  const plainPath = join(root, 'plain.wav');
  await writeFile(plainPath, wav);
  const before = await time(async () => {
    if ((await sha256File(plainPath)) !== sha256) throw new Error('hash');
    await readWavInfo(plainPath);
    await computePeaks(plainPath, 1000);
  });
  const after = await time(async () => {
    if (!(await cache.verify(media))) throw new Error('hash');
    waveformWindow(await cache.analysis(media), 1000);
  });
  // A new cache object reads the sidecar from disk, as the first play after a restart does.
  const afterRestart = await time(async () => {
    const fresh = newCache();
    if (!(await fresh.verify(media))) throw new Error('hash');
    waveformWindow(await fresh.analysis(media), 1000);
  });
  const read = (source: RangeSource, start: number, end: number) => async () => {
    let bytes = 0;
    for await (const part of source.read(start, end)) bytes += part.length;
    if (bytes !== end - start + 1) throw new Error('short read');
  };
  const plain = plainRangeSource(plainPath);
  const middle = Math.floor(wav.length / 2);
  const ranges: Array<[string, number, number]> = [
    ['first 1 MiB (the player\'s opening request)', 0, (1 << 20) - 1],
    ['64 KiB at a seek to the middle', middle, middle + (1 << 16) - 1],
    ['the whole file', 0, wav.length - 1],
  ];
  for (const [label, start, end] of ranges) {
    const plainMs = await time(read(plain, start, end));
    const sealedMs = await time(read(media.content, start, end));
    console.log(`range read, ${label}: sealed ${sealedMs.toFixed(2)} ms, plain ${plainMs.toFixed(2)} ms (ratio ${(sealedMs / plainMs).toFixed(2)})`);
  }
  console.log(`cached ${seconds} s WAV (${(wav.length / 2 ** 20).toFixed(0)} MiB), median of ${runs}: play + 1,000-bucket waveform ` +
    `before ${before.toFixed(0)} ms, now ${after.toFixed(1)} ms (${afterRestart.toFixed(1)} ms reading the sidecar from disk); one-off entry (write + hash + header + 3 peak sets + sidecar) ${entryMs.toFixed(0)} ms`);
} finally {
  await rm(root, { recursive: true, force: true });
}
