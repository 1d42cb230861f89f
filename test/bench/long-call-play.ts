// Playing long calls (8 kHz stereo 16-bit WAV) through the engine's media path: the sandbox in its own
// process serves the call (`--long-call HOURS`), the engine downloads it into the sealed media cache and
// serves media:// ranges. The audit log is a fake that acknowledges at once, so what is timed starts at
// the acknowledgement: ack -> audio (the player's first 1 MiB range answered), ack -> waveform (1,000
// buckets), for the first play (streamed) against the old path measured in the same run (download all,
// then play), for a cached play, and for a seek (recordSeek, then a 64 KiB range in the middle).
//   npx tsx test/bench/long-call-play.ts [--hours 1,10] [--runs 3]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openDatabaseSync } from '../../electron/db/connection';
import type { IndexRepository } from '../../electron/db/repositories/index-repository';
import { createMediaRepository, type MediaRepository } from '../../electron/db/repositories/media-repository';
import { createMediaProtocolHandler } from '../../electron/main/protocol';
import { systemClock } from '../../electron/services/adapters/system-clock';
import type { AuditWriter } from '../../electron/services/audit/audit-writer';
import { MediaCache } from '../../electron/services/cache/media-cache';
import { CustodyEngine } from '../../electron/services/custody-engine';
import { EventHub, type DomainEvent } from '../../electron/services/events';
import { PlaybackGrants } from '../../electron/services/playback/playback-grants';
import type { GenesysServices } from '../../electron/services/retrieval/genesys-services';
import { downloadToFile } from '../../electron/services/retrieval/media-download';
import { NO_APPROVALS_NEEDED } from '../fakes/approval-store';
import { testActors } from '../helpers/audit-actors';
import { recordingLogger } from '../helpers/fakes';
import { SANDBOX_CLIENT } from '../sandbox/server';
import { load, startSandboxProcess } from './bench-env';

const { values } = parseArgs({ options: { hours: { type: 'string', default: '1,10' }, runs: { type: 'string', default: '3' } } });
const hoursList = values.hours.split(',').map(Number);
const runs = Number(values.runs);
const median = (xs: Array<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (x: number) => `${x < 10 ? x.toFixed(1) : Math.round(x)} ms`;

/** A signed media URL for the recording, as Genesys hands one out (client credentials, then the recording with WAV media). */
async function mediaUrlOf(sandboxUrl: string, conversationId: string, recordingId: string): Promise<string> {
  const basic = Buffer.from(`${SANDBOX_CLIENT.clientId}:${SANDBOX_CLIENT.clientSecret}`).toString('base64');
  const token = (await (await fetch(`${sandboxUrl}/oauth/token`, { method: 'POST', headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' })).json()) as { access_token: string };
  const recording = (await (await fetch(`${sandboxUrl}/api/v2/conversations/${conversationId}/recordings/${recordingId}?formatId=WAV`, { headers: { authorization: `Bearer ${token.access_token}` } })).json()) as { mediaUris: Record<string, { mediaUri: string }> };
  return Object.values(recording.mediaUris)[0]!.mediaUri;
}

type Setup = { engine: CustodyEngine; grants: PlaybackGrants; events: Array<DomainEvent>; acks: Array<number>; root: string; repository: MediaRepository };

/** `restartOf`: a new engine and cache over the same cache folder and index, as after an app restart. */
async function engineFor(mediaUrl: string, streamPlayAboveBytes: number, restartOf?: Setup): Promise<Setup> {
  const root = restartOf?.root ?? (await mkdtemp(join(tmpdir(), 'custody-long-call-bench-')));
  const repository = restartOf?.repository ?? createMediaRepository(openDatabaseSync(':memory:'));
  const cache = new MediaCache({ dir: join(root, 'media'), repository, clock: systemClock, key: Buffer.alloc(32, 7) });
  const acks: Array<number> = [];
  let appended = 0;
  const audit: AuditWriter = {
    append: async (input) => {
      acks.push(performance.now());
      return { ...input, eventId: `e-${(appended += 1)}`, caseReference: input.caseReference ?? null } as never;
    },
  };
  const index = { findRecording: async (recordingId: string) => ({ recordingId, conversationId: 'c', tradingId: null, fileState: 'AVAILABLE', startMs: Date.now() }) } as unknown as IndexRepository;
  const hub = new EventHub();
  const events: Array<DomainEvent> = [];
  hub.subscribe((event) => events.push(event));
  const grants = new PlaybackGrants(systemClock);
  const fetcher = {
    fetch: async (_c: string, recordingId: string) =>
      (await cache.get(recordingId)) ?? cache.store(recordingId, 'genesys', (target) => downloadToFile(fetch, mediaUrl, target)),
  };
  const engine = new CustodyEngine({
    index,
    media: repository,
    cache,
    grants,
    audit: async () => audit,
    actors: testActors(),
    genesys: async () => ({ fetcher }) as unknown as GenesysServices,
    clock: systemClock,
    logger: recordingLogger(),
    events: hub,
    mediaUrlBase: 'media://recording/',
    approvals: NO_APPROVALS_NEEDED,
    streamPlayAboveBytes,
  });
  return { engine, grants, events, acks, root, repository };
}

/** Time from `since` to the first bytes of the range's answer, and to its last. */
async function timeRange(grants: PlaybackGrants, mediaUrl: string, start: number, end: number, since: number) {
  const response = await createMediaProtocolHandler({ grants })(new Request(mediaUrl, { headers: { range: `bytes=${start}-${end}` } }));
  if (response.status !== 206) throw new Error(`media:// answered ${response.status}`);
  let first = 0;
  let bytes = 0;
  const reader = response.body!.getReader();
  for (let part = await reader.read(); !part.done; part = await reader.read()) {
    if (!first) first = performance.now() - since;
    bytes += part.value.length;
  }
  if (bytes !== end - start + 1) throw new Error(`short range: ${bytes}`);
  return { first, last: performance.now() - since };
}

async function play(setup: Setup, recordingId: string) {
  const grant = await setup.engine.authorizePlayback(recordingId, 'BENCH-1');
  const ack = setup.acks.at(-1)!;
  const granted = performance.now() - ack;
  const audio = await timeRange(setup.grants, grant.mediaUrl, 0, (1 << 20) - 1, ack);
  await setup.engine.waveform(recordingId, 1000);
  const waveform = performance.now() - ack;
  return { grant, granted, audio: audio.last, waveform };
}

async function whenVerified(setup: Setup, recordingId: string): Promise<number> {
  const started = performance.now();
  while (!setup.events.some((e) => e.kind === 'playback.mediaStatus' && e.recordingId === recordingId && (e.state === 'verified' || e.state === 'failed'))) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const outcome = setup.events.find((e) => e.kind === 'playback.mediaStatus' && e.recordingId === recordingId && e.state !== 'streaming');
  if (outcome?.kind === 'playback.mediaStatus' && outcome.state === 'failed') throw new Error(outcome.message ?? 'failed');
  return performance.now() - started;
}

console.log(`long-call play bench: hours ${hoursList.join(', ')}; ${runs} runs each; load average ${load()}`);
const rows: Array<string> = [];
for (const hours of hoursList) {
  const sandbox = await startSandboxProcess(['--long-call', String(hours), '--conversations', '4']);
  try {
    const dataset = await sandbox.dataset();
    const recordingId = dataset.longCallRecordingId!;
    const recording = dataset.recordings.find((r) => r.id === recordingId)!;
    const mediaUrl = await mediaUrlOf(sandbox.url, recording.conversationId, recordingId);
    const mib = (recording.sizeBytes / 2 ** 20).toFixed(0);
    // The sandbox synthesises the call's audio at its first request: not part of what is timed.
    await (await fetch(mediaUrl, { headers: { range: 'bytes=0-0' } })).arrayBuffer();
    const first = { audio: [] as Array<number>, waveform: [] as Array<number>, verified: [] as Array<number> };
    const before = { audio: [] as Array<number>, waveform: [] as Array<number> };
    const cached = { audio: [] as Array<number>, waveform: [] as Array<number>, granted: [] as Array<number> };
    const restarted = { audio: [] as Array<number>, waveform: [] as Array<number>, zoom: [] as Array<number> };
    const seek = { audio: [] as Array<number> };
    for (let run = 0; run < runs; run += 1) {
      // The old path: the whole file downloaded, hashed and analysed before the grant.
      const old = await engineFor(mediaUrl, Number.MAX_SAFE_INTEGER);
      try {
        const played = await play(old, recordingId);
        before.audio.push(played.audio);
        before.waveform.push(played.waveform);
      } finally {
        await rm(old.root, { recursive: true, force: true });
      }
      const setup = await engineFor(mediaUrl, 16 * 2 ** 20);
      try {
        const played = await play(setup, recordingId);
        if (played.grant.integrity !== 'pending') throw new Error('the first play did not stream');
        first.audio.push(played.audio);
        first.waveform.push(played.waveform);
        first.verified.push(played.waveform + (await whenVerified(setup, recordingId)));
        const again = await play(setup, recordingId);
        if (again.grant.integrity !== 'verified') throw new Error('the second play was not from the cache');
        cached.audio.push(again.audio);
        cached.waveform.push(again.waveform);
        cached.granted.push(again.granted);
        // A seek to the middle: the audit of the position, then the range there.
        const requested = performance.now();
        await setup.engine.recordSeek(recordingId, Math.floor(recording.durationMs / 2), 'BENCH-1');
        const middle = Math.floor(recording.sizeBytes / 2 / 4) * 4;
        const range = await timeRange(setup.grants, again.grant.mediaUrl, middle, middle + 65_535, requested);
        seek.audio.push(range.last);
        // The first play after a restart: the sealed sidecar (peak pyramid) read from disk.
        const fresh = await engineFor(mediaUrl, 16 * 2 ** 20, setup);
        const afterRestart = await play(fresh, recordingId);
        if (afterRestart.grant.integrity !== 'verified') throw new Error('the play after a restart was not from the cache');
        restarted.audio.push(afterRestart.audio);
        restarted.waveform.push(afterRestart.waveform);
        // Then a zoom to 5 s in the middle at 1,000 buckets: the finest level (a long call's lies apart, read now).
        const zoomStart = performance.now();
        const middleMs = Math.floor(recording.durationMs / 2);
        await fresh.engine.waveform(recordingId, 1000, { fromMs: middleMs, toMs: middleMs + 5_000 });
        restarted.zoom.push(performance.now() - zoomStart);
      } finally {
        await rm(setup.root, { recursive: true, force: true });
      }
      console.log(`  ${hours} h run ${run + 1}: first ${ms(first.audio.at(-1)!)} (old path ${ms(before.audio.at(-1)!)}), cached ${ms(cached.audio.at(-1)!)}, seek ${ms(seek.audio.at(-1)!)}; load ${load()}`);
    }
    rows.push(
      `${hours} h (${mib} MiB): first play ack -> audio ${ms(median(first.audio))} vs ${ms(median(before.audio))} downloading all first (ratio ${(median(first.audio) / median(before.audio)).toFixed(3)}); ` +
        `ack -> waveform ${ms(median(first.waveform))} (partial) vs ${ms(median(before.waveform))}; verified ${ms(median(first.verified))} after the ack; ` +
        `cached play ack -> audio ${ms(median(cached.audio))}, ack -> waveform ${ms(median(cached.waveform))} (grant ${ms(median(cached.granted))}); ` +
        `after a restart ${ms(median(restarted.audio))} / ${ms(median(restarted.waveform))}, then a 5 s zoom ${ms(median(restarted.zoom))}; seek -> audio ${ms(median(seek.audio))}`,
    );
  } finally {
    await sandbox.stop();
  }
}
console.log(`\nmedians of ${runs} (load average ${load()}):`);
for (const row of rows) console.log(`  ${row}`);
