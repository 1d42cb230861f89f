import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { sha256Hex } from '../../../../../electron/crypto/sha256';
import { SEGMENT_BYTES } from '../../../../../electron/crypto/segment-cipher';
import { openDatabaseSync } from '../../../../../electron/db/connection';
import type { IndexRepository } from '../../../../../electron/db/repositories/index-repository';
import { createMediaRepository } from '../../../../../electron/db/repositories/media-repository';
import type { AuditWriter } from '../../../../../electron/services/audit/audit-writer';
import type { LandingMedia } from '../../../../../electron/services/cache/landing-media';
import { MediaCache, type WrittenFile } from '../../../../../electron/services/cache/media-cache';
import { CustodyEngine } from '../../../../../electron/services/custody-engine';
import { EventHub, type DomainEvent } from '../../../../../electron/services/events';
import { PlaybackGrants } from '../../../../../electron/services/playback/playback-grants';
import type { GenesysServices } from '../../../../../electron/services/retrieval/genesys-services';
import type { FileSink, StreamedFile } from '../../../../../electron/services/storage/durable-file';
import { NO_APPROVALS_NEEDED } from '../../../../fakes/approval-store';
import { testActors } from '../../../../helpers/audit-actors';
import { FakeClock } from '../../../../helpers/fake-clock';
import { recordingLogger } from '../../../../helpers/fakes';
import { testAtRestKey } from '../../../../helpers/sealed-files';
import { testTempDir } from '../../../../helpers/temp-dir';
import { makeWav } from '../../../../helpers/wav';

// 20 s of 8 kHz stereo: 640,044 bytes, ten sealed segments.
const wav = makeWav({ frames: 160_000, left: (i) => Math.sin(i / 9) * ((i >> 12) % 2), right: (i) => Math.sin(i / 5) * 0.3 });
const sha256 = sha256Hex(wav);

/** A download the test paces: `send(n)` lands the next n bytes; `end()` finishes (with `reportedSha256`), `breakOff()` fails it. */
function pacedDownload(reportedSha256 = sha256) {
  let file: StreamedFile | null = null;
  let sent = 0;
  let finish!: (outcome: Error | null) => void;
  const finished = new Promise<Error | null>((resolve) => (finish = resolve));
  let opened!: () => void;
  const isOpen = new Promise<void>((resolve) => (opened = resolve));
  return {
    write: async (target: FileSink): Promise<WrittenFile> => {
      file = await target.open(wav.length);
      opened();
      try {
        const outcome = await finished;
        if (outcome) throw outcome;
        await file.complete();
      } finally {
        await file.close();
      }
      return { bytes: sent, sha256: reportedSha256, contentType: 'audio/wav' };
    },
    send: async (bytes: number) => {
      await isOpen;
      await file!.append(wav.subarray(sent, sent + bytes));
      sent += bytes;
    },
    end: () => finish(null),
    breakOff: () => finish(new Error('connection reset')),
  };
}

async function setUp(options: { landingWaitMs?: number } = {}) {
  const root = await testTempDir('custody-landing-');
  const dir = join(root, 'media');
  const clock = new FakeClock();
  const repository = createMediaRepository(openDatabaseSync(':memory:'));
  const cache = new MediaCache({ dir, repository, clock, key: testAtRestKey(), ...options });
  return { dir, clock, repository, cache };
}

async function readRange(landing: LandingMedia, start: number, end: number): Promise<Buffer> {
  const parts: Array<Buffer> = [];
  for await (const part of landing.content.read(start, end)) parts.push(part);
  return Buffer.concat(parts);
}

describe('a recording streaming into the cache', () => {
  it('serves ranges of the growing sealed file as they land, makes a range further on wait, and is verified and in place at the end', async () => {
    const { cache, dir } = await setUp();
    const download = pacedDownload();
    const stored = cache.store('r-1', 'genesys', download.write);
    const landing = await cache.nextLanding('r-1').landing;
    await download.send(3 * SEGMENT_BYTES + 100);
    await landing.ready;
    expect(landing.analysis.wav).toMatchObject({ channels: 2, sampleRate: 8000, durationMs: 20_000 });
    expect(await landing.content.size()).toBe(wav.length);
    expect(landing.progress).toEqual({ bytesLanded: 3 * SEGMENT_BYTES + 100, totalBytes: wav.length });
    // Three whole segments are on disk (the fourth waits for a byte after it): they read back exactly.
    expect((await readRange(landing, 1000, 3 * SEGMENT_BYTES - 1)).equals(wav.subarray(1000, 3 * SEGMENT_BYTES))).toBe(true);
    // The peaks of what has landed: the first second is drawn, the end is not yet.
    const partial = landing.waveformSoFar(20, {});
    expect(partial.peaks[0]!.slice(0, 2).every((peak) => peak > 0)).toBe(true);
    expect(partial.peaks[0]!.at(-1)).toBe(0);

    let waited: Buffer | null = null;
    const later = (async () => (waited = await readRange(landing, 400_000, 400_099)))();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(waited).toBeNull();
    await download.send(wav.length - (3 * SEGMENT_BYTES + 100));
    await later;
    expect(waited!.equals(wav.subarray(400_000, 400_100))).toBe(true);

    // The last segment lands only at the end; a reader of it is answered from the file in place.
    const tail = readRange(landing, wav.length - 10, wav.length - 1);
    download.end();
    const media = await stored;
    expect((await tail).equals(wav.subarray(-10))).toBe(true);
    expect(await landing.settled).toBe(media);
    expect(media).toMatchObject({ sha256, bytes: wav.length });
    expect(cache.landing('r-1')).toBeNull();
    expect((await cache.analysis(media)).sha256).toBe(sha256);
    expect(await readdir(join(dir, '.partial'))).toEqual([]);
    expect((await readRange(landing, 0, wav.length - 1)).equals(wav)).toBe(true);
  });

  it('a transfer that breaks fails its readers and leaves nothing in the cache', async () => {
    const { cache, dir } = await setUp();
    const download = pacedDownload();
    const stored = cache.store('r-1', 'genesys', download.write);
    const landing = await cache.nextLanding('r-1').landing;
    await download.send(2 * SEGMENT_BYTES);
    // The reader's rejection is expected from the moment it starts: it may fail before `stored` does.
    const readerFails = expect(readRange(landing, 0, wav.length - 1)).rejects.toThrow('connection reset');
    download.breakOff();
    await expect(stored).rejects.toThrow('connection reset');
    await expect(landing.settled).rejects.toThrow('connection reset');
    await readerFails;
    expect(await cache.get('r-1')).toBeNull();
    expect(await readdir(join(dir, '.partial'))).toEqual([]);
  });

  it('bytes that do not match what the writer reports are not kept', async () => {
    const { cache } = await setUp();
    const download = pacedDownload('0'.repeat(64));
    const stored = cache.store('r-1', 'genesys', download.write);
    await download.send(wav.length);
    download.end();
    await expect(stored).rejects.toThrow(/differs from the bytes written/);
    expect(await cache.get('r-1')).toBeNull();
  });

  it('a range past what has landed waits a bounded time', async () => {
    const { cache } = await setUp({ landingWaitMs: 100 });
    const download = pacedDownload();
    void cache.store('r-1', 'genesys', download.write).catch(() => undefined);
    const landing = await cache.nextLanding('r-1').landing;
    await download.send(2 * SEGMENT_BYTES);
    await expect(readRange(landing, 500_000, 500_100)).rejects.toThrow(/No more of recording r-1 arrived within/);
    download.breakOff();
  });
});

describe('playing a recording as it streams in', () => {
  async function engineSetUp(reportedSha256 = sha256) {
    const { cache, clock, repository } = await setUp();
    const download = pacedDownload(reportedSha256);
    const events: Array<DomainEvent> = [];
    const hub = new EventHub();
    hub.subscribe((event) => events.push(event));
    const grants = new PlaybackGrants(clock);
    let appended = 0;
    const audit: AuditWriter = { append: async (input) => ({ ...input, eventId: `e-${(appended += 1)}`, caseReference: input.caseReference ?? null }) as never };
    const index = { findRecording: async (recordingId: string) => ({ recordingId, conversationId: 'c-1', tradingId: 'T-1', fileState: 'AVAILABLE', startMs: clock.now() }) } as unknown as IndexRepository;
    const engine = new CustodyEngine({
      index,
      media: repository,
      cache,
      grants,
      audit: async () => audit,
      actors: testActors(),
      genesys: async () => ({ fetcher: { fetch: (_c: string, recordingId: string) => cache.store(recordingId, 'genesys', download.write) } }) as unknown as GenesysServices,
      clock,
      logger: recordingLogger(),
      events: hub,
      mediaUrlBase: 'media://recording/',
      approvals: NO_APPROVALS_NEEDED,
      streamPlayAboveBytes: 0,
    });
    return { engine, download, events, grants, cache };
  }

  it('grants the play once the header and first bytes landed (hash pending), reports progress, then verified with the hash', async () => {
    const { engine, download, events, grants } = await engineSetUp();
    const play = engine.authorizePlayback('r-1', 'CASE-1');
    await download.send(2 * SEGMENT_BYTES);
    const grant = await play;
    expect(grant).toMatchObject({ sha256: null, integrity: 'pending', bytes: wav.length, durationMs: 20_000 });
    const waveform = await engine.waveform('r-1', 100, { fromMs: 0, toMs: 10_000 });
    expect(waveform).toMatchObject({ complete: false, fromMs: 0, toMs: 10_000 });
    expect(events).toContainEqual(expect.objectContaining({ kind: 'playback.mediaStatus', state: 'streaming', totalBytes: wav.length }));
    await download.send(wav.length - 2 * SEGMENT_BYTES);
    download.end();
    await vi.waitFor(() => expect(events).toContainEqual({ kind: 'playback.mediaStatus', recordingId: 'r-1', state: 'verified', bytesLanded: wav.length, totalBytes: wav.length, sha256, message: null }));
    expect(grants.current('r-1')?.sha256).toBe(sha256);
    expect(await engine.waveform('r-1', 100)).toMatchObject({ complete: true });
  });

  it('a hash that does not verify at the end stops the play and says so', async () => {
    const { engine, download, events, grants, cache } = await engineSetUp('f'.repeat(64));
    const play = engine.authorizePlayback('r-1', 'CASE-1');
    await download.send(2 * SEGMENT_BYTES);
    await play;
    await download.send(wav.length - 2 * SEGMENT_BYTES);
    download.end();
    await vi.waitFor(() => expect(events).toContainEqual({ kind: 'playback.ended', recordingId: 'r-1', reason: 'integrity-failed' }));
    expect(events).toContainEqual(expect.objectContaining({ kind: 'playback.mediaStatus', state: 'failed', message: expect.stringMatching(/could not be verified, so playback stopped/) }));
    expect(grants.current('r-1')).toBeNull();
    expect(await cache.get('r-1')).toBeNull();
  });
});
