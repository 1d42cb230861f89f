import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { createMediaProtocolHandler } from '../../../electron/main/protocol';
import type { DomainEvent } from '../../../electron/services/events';
import { startHarness, type Harness } from '../../helpers/engine-harness';

// 0.15 h: 540 s of 8 kHz stereo, 17.3 MB, past the size under which a recording lands whole before it plays.
const LONG_CALL_HOURS = 0.15;

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ worm: inject('worm').connection, sandbox: { longCallHours: LONG_CALL_HOURS } });
});
afterAll(async () => h?.close());

describe('a long call played while it streams in from Genesys', () => {
  it('is served before the download finished, then verified and recorded with its hash', async () => {
    const { engine, session, events, repositories } = h.composed;
    const recordingId = h.sandbox.dataset.longCallRecordingId!;
    const recording = h.sandbox.dataset.recordings.find((r) => r.id === recordingId)!;
    await engine.conversationRecordings(recording.conversationId);
    session.setCaseReference('FCA-2026-LONG');
    const seen: Array<DomainEvent> = [];
    const stop = events.subscribe((event) => seen.push(event));
    try {
      const grant = await engine.authorizePlayback(recordingId, session.caseReference);
      expect(grant).toMatchObject({ sha256: null, integrity: 'pending', bytes: recording.sizeBytes, durationMs: recording.durationMs });
      // The player's opening request and a seek far ahead, through media:// as the renderer asks.
      const media = createMediaProtocolHandler({ grants: h.composed.grants });
      const range = async (from: number, to: number) => {
        const response = await media(new Request(grant.mediaUrl, { headers: { range: `bytes=${from}-${to}` } }));
        expect(response.status).toBe(206);
        return Buffer.from(await response.arrayBuffer());
      };
      const opening = await range(0, (1 << 20) - 1);
      const stillLanding = (await repositories.media.get(recordingId)) === null;
      expect(opening.subarray(0, 4).toString('ascii')).toBe('RIFF');
      const far = await range(recording.sizeBytes - 100_000, recording.sizeBytes - 1);
      expect(far).toHaveLength(100_000);
      expect(seen).toContainEqual(expect.objectContaining({ kind: 'playback.mediaStatus', recordingId, state: 'streaming', totalBytes: recording.sizeBytes }));
      await vi.waitFor(() => expect(seen).toContainEqual(expect.objectContaining({ kind: 'playback.mediaStatus', recordingId, state: 'verified' })), { timeout: 30_000 });
      const verified = seen.find((e) => e.kind === 'playback.mediaStatus' && e.state === 'verified') as Extract<DomainEvent, { kind: 'playback.mediaStatus' }>;
      const record = (await repositories.media.get(recordingId))!;
      expect(record).toMatchObject({ sha256: verified.sha256, bytes: recording.sizeBytes, source: 'genesys' });
      // What was served while streaming is the verified file's bytes: the whole, now from the file in place.
      const whole = Buffer.from(await (await media(new Request(grant.mediaUrl))).arrayBuffer());
      expect(createHash('sha256').update(whole).digest('hex')).toBe(record.sha256);
      expect(whole.subarray(0, opening.length).equals(opening)).toBe(true);
      expect(whole.subarray(-far.length).equals(far)).toBe(true);
      expect(stillLanding).toBe(true);
      // The play goes on under the same grant, now naming the verified file.
      expect(h.composed.grants.current(recordingId)?.sha256).toBe(record.sha256);
      expect(await engine.waveform(recordingId, 1000, { fromMs: 60_000, toMs: 65_000 })).toMatchObject({ complete: true, fromMs: 60_000, toMs: 65_000 });
    } finally {
      stop();
    }
  });
});
