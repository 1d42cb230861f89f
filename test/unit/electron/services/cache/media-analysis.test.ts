import { readFile, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { sha256Hex } from '../../../../../electron/crypto/sha256';
import { openDatabaseSync } from '../../../../../electron/db/connection';
import type { IndexRepository } from '../../../../../electron/db/repositories/index-repository';
import { createMediaRepository, type MediaRepository } from '../../../../../electron/db/repositories/media-repository';
import { readWavInfo } from '../../../../../electron/services/audio/wav';
import type { AuditWriter } from '../../../../../electron/services/audit/audit-writer';
import { readMediaFile, waveformWindow, type MediaReader } from '../../../../../electron/services/cache/media-analysis';
import { MediaCache } from '../../../../../electron/services/cache/media-cache';
import { CustodyEngine } from '../../../../../electron/services/custody-engine';
import { EventHub } from '../../../../../electron/services/events';
import { PlaybackGrants } from '../../../../../electron/services/playback/playback-grants';
import type { GenesysServices } from '../../../../../electron/services/retrieval/genesys-services';
import { NO_APPROVALS_NEEDED } from '../../../../fakes/approval-store';
import { recordingLogger } from '../../../../helpers/fakes';
import type { Logger } from '../../../../../shared/logger';
import { FakeClock } from '../../../../helpers/fake-clock';
import { testTempDir } from '../../../../helpers/temp-dir';
import { testAtRestKey, writeThrough } from '../../../../helpers/sealed-files';
import { sealedSize } from '../../../../../electron/crypto/segment-cipher';
import type { FileSink } from '../../../../../electron/services/storage/durable-file';
import { makeWav } from '../../../../helpers/wav';
import { testActors } from '../../../../helpers/audit-actors';

/** Reads media as the cache does (the sealed bytes on disk), in odd-sized chunks, counting every byte it hands over. */
function countingReader(chunkBytes = 4093): MediaReader & { bytes: number } {
  const reader = Object.assign(
    async function* (path: string) {
      for await (const chunk of readMediaFile(path)) {
        for (let offset = 0; offset < chunk.length; offset += chunkBytes) {
          const part = chunk.subarray(offset, offset + chunkBytes);
          reader.bytes += part.length;
          yield part;
        }
      }
    },
    { bytes: 0 },
  );
  return reader;
}

const tone = (i: number) => Math.sin((2 * Math.PI * 440 * i) / 8000);
// An odd frame count, so buckets do not divide evenly, with different speakers on each side.
const wavBytes = makeWav({ frames: 96_001, left: (i) => (i < 40_000 ? 0.8 * tone(i) : 0.1 * tone(i)), right: (i) => (i % 7_000) / 7_000 * tone(i) });

async function setUp() {
  const root = await testTempDir('custody-media-analysis-');
  const source = join(root, 'source.wav');
  await writeFile(source, wavBytes);
  const reader = countingReader();
  const clock = new FakeClock();
  const repository = createMediaRepository(openDatabaseSync(':memory:'));
  const cache = new MediaCache({ dir: join(root, 'media'), repository, clock, key: testAtRestKey(), readMedia: reader });
  const writeWav = async (target: FileSink) => {
    await writeThrough(target, wavBytes);
    return { bytes: wavBytes.length, sha256: sha256Hex(wavBytes), contentType: 'audio/wav' };
  };
  return { source, reader, cache, writeWav, engineFor: (fetch: (recordingId: string) => Promise<unknown>, logger = recordingLogger()) => engineFor({ cache, repository, clock, logger }, fetch) };
}

describe('media entering the cache is read once', () => {
  it('hashes the file and computes its header and its peak pyramid in the pass that writes it: no read back, any window drawn from it', async () => {
    const { source, reader, cache, writeWav } = await setUp();
    const media = await cache.store('r-1', 'genesys', writeWav);
    const analysis = await cache.analysis(media);
    expect(reader.bytes).toBe(0);
    expect(analysis.sha256).toBe(sha256Hex(wavBytes));
    expect(analysis.wav).toEqual(await readWavInfo(source));
    // 96,001 frames: 4 frames a bucket at the finest level, then 32, 256, 2,048; windows aligned on a level's buckets are exact.
    expect(analysis.peaks!.framesPerBucket).toBe(4);
    expect(waveformWindow(analysis, 40, { fromMs: 0, toMs: 10_240 }).peaks).toEqual(exactPeaks(0, 81_920, 40));
    expect(waveformWindow(analysis, 25, { fromMs: 1_000, toMs: 1_100 }).peaks).toEqual(exactPeaks(8_000, 8_800, 25));
    expect(waveformWindow(analysis, 100, { fromMs: 4_000, toMs: 4_100 }).peaks).toEqual(exactPeaks(32_000, 32_800, 100));
  });

  it('a second play reads no media bytes: the hash, duration and peaks come from the entry', async () => {
    const { reader, cache, writeWav, engineFor } = await setUp();
    let fetches = 0;
    const engine = engineFor(async (recordingId) => {
      fetches += 1;
      return cache.store(recordingId, 'genesys', writeWav);
    });
    await engine.authorizePlayback('r-1', 'CASE-1');
    await vi.waitFor(async () => expect(await cache.get('r-1')).not.toBeNull());
    const second = await engine.authorizePlayback('r-1', 'CASE-1');
    const waveform = await engine.waveform('r-1', 1000);
    const otherSize = await engine.waveform('r-1', 200);
    expect(reader.bytes).toBe(0);
    expect(fetches).toBe(1);
    expect(second).toMatchObject({ sha256: sha256Hex(wavBytes), integrity: 'verified', durationMs: 12_000 });
    expect(waveform).toMatchObject({ complete: true, fromMs: 0, toMs: 12_000 });
    expect(waveform.peaks.map((row) => row.length)).toEqual([1000, 1000]);
    expect(otherSize.peaks.map((row) => row.length)).toEqual([200, 200]);
    expect(Math.max(...otherSize.peaks[0]!)).toBe(Math.max(...waveform.peaks[0]!));
  });

  it('a cached file altered after entry (same size, modification time put back) is hashed again and not played', async () => {
    const { reader, cache, writeWav, engineFor } = await setUp();
    const engine = engineFor((recordingId) => cache.store(recordingId, 'genesys', writeWav));
    await engine.authorizePlayback('r-1', 'CASE-1');
    await vi.waitFor(async () => expect(await cache.get('r-1')).not.toBeNull());
    const media = (await cache.get('r-1'))!;
    const before = await stat(media.path);
    const altered = Buffer.from(await readFile(media.path));
    altered[altered.length - 1] = altered.at(-1)! ^ 0xff;
    await writeFile(media.path, altered);
    await utimes(media.path, before.atime, before.mtime);
    reader.bytes = 0;
    expect(await cache.verify(media)).toBe(false);
    expect(reader.bytes).toBe(sealedSize(wavBytes.length));
    await expect(cache.analysis(media)).rejects.toThrow(/no longer matches its recorded SHA-256/);
    // The engine refuses the altered copy: it fetches the recording again and plays the fetched bytes.
    const logger = recordingLogger();
    const replay = engineFor((recordingId) => cache.store(recordingId, 'genesys', writeWav), logger);
    await replay.authorizePlayback('r-1', 'CASE-1');
    await vi.waitFor(async () => expect((await cache.get('r-1'))?.sha256).toBe(sha256Hex(wavBytes)));
    expect((await readAll(cache.plaintext(media))).equals(wavBytes)).toBe(true);
    expect(logger.records.map((r) => r.message)).toContain('cached recording does not match its recorded SHA-256; fetching it again');
  });
});

type EngineParts = { cache: MediaCache; repository: MediaRepository; clock: FakeClock; logger: Logger };

/** The engine with fakes at its ports: an index that knows every recording, an audit log that acknowledges, a fetcher. */
function engineFor({ cache, repository, clock, logger }: EngineParts, fetch: (recordingId: string) => Promise<unknown>): CustodyEngine {
  let events = 0;
  const index = {
    findRecording: async (recordingId: string) => ({ recordingId, conversationId: 'c-1', tradingId: 'T-1', fileState: 'AVAILABLE', startMs: clock.now() }),
  } as unknown as IndexRepository;
  const audit: AuditWriter = {
    append: async (input) => ({ ...input, eventId: `e-${(events += 1)}`, caseReference: input.caseReference ?? null }) as never,
  };
  return new CustodyEngine({
    index,
    media: repository,
    cache,
    grants: new PlaybackGrants(clock),
    audit: async () => audit,
    actors: testActors(),
    genesys: async () => ({ fetcher: { fetch: (_conversationId: string, recordingId: string) => fetch(recordingId) } }) as unknown as GenesysServices,
    clock,
    logger,
    events: new EventHub(),
    mediaUrlBase: 'media://recording/',
    approvals: NO_APPROVALS_NEEDED,
  });
}

/** Peaks straight from the samples: the loudest of each slice of [fromFrame, toFrame), per channel, in thousandths. */
function exactPeaks(fromFrame: number, toFrame: number, buckets: number): Array<Array<number>> {
  const slice = (toFrame - fromFrame) / buckets;
  return [0, 1].map((channel) =>
    Array.from({ length: buckets }, (_, j) => {
      let peak = 0;
      for (let frame = fromFrame + j * slice; frame < fromFrame + (j + 1) * slice; frame += 1) {
        peak = Math.max(peak, Math.min(1000, Math.round((Math.abs(wavBytes.readInt16LE(44 + frame * 4 + channel * 2)) / 32768) * 1000)));
      }
      return peak / 1000;
    }),
  );
}

async function readAll(parts: AsyncIterable<Buffer>): Promise<Buffer> {
  const all: Array<Buffer> = [];
  for await (const part of parts) all.push(part);
  return Buffer.concat(all);
}
