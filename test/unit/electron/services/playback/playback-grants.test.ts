import { describe, expect, it } from 'vitest';
import { defaultGrantLifetime, PlaybackGrants } from '../../../../../electron/services/playback/playback-grants';
import { plainRangeSource } from '../../../../../electron/services/storage/durable-file';
import { FakeClock } from '../../../../helpers/fake-clock';

const minute = 60_000;
const play = (recordingId: string, caseReference: string | null, auditEventId = `play-${recordingId}`, durationMs = minute) => ({
  recordingId,
  caseReference,
  path: `/cache/${recordingId}.wav`,
  content: plainRangeSource(`/cache/${recordingId}.wav`),
  contentType: 'audio/wav',
  sha256: 'ab'.repeat(32),
  auditEventId,
  durationMs,
});

describe('playback grants', () => {
  it('serve one recording only, and keep serving the range requests of their play', () => {
    const grants = new PlaybackGrants(new FakeClock());
    const grant = grants.issue(play('r1', 'CASE-A'));
    expect(grants.use(grant.id, 'r2')).toBeNull();
    expect(grants.use('guessed', 'r1')).toBeNull();
    for (let i = 0; i < 20; i += 1) expect(grants.use(grant.id, 'r1')?.auditEventId).toBe('play-r1');
    expect(grants.current('r1')?.id).toBe(grant.id);
    expect(grants.current('r2')).toBeNull();
  });

  it('serve one play: a new audited play of the recording ends the earlier one', () => {
    const grants = new PlaybackGrants(new FakeClock());
    const first = grants.issue(play('r1', 'CASE-A', 'play-1'));
    const other = grants.issue(play('r2', 'CASE-A'));
    const second = grants.issue(play('r1', 'CASE-A', 'play-2'));
    expect(grants.use(first.id, 'r1')).toBeNull();
    expect(grants.use(second.id, 'r1')?.auditEventId).toBe('play-2');
    expect(grants.current('r1')?.auditEventId).toBe('play-2');
    expect(grants.use(other.id, 'r2')).not.toBeNull();
  });

  it('serve one case: a change of case revokes every grant audited under another', () => {
    const grants = new PlaybackGrants(new FakeClock());
    const a = grants.issue(play('r1', 'CASE-A'));
    const b = grants.issue(play('r2', 'CASE-B'));
    expect(grants.revokeOtherCases('CASE-B').map((g) => g.id)).toEqual([a.id]);
    expect(grants.use(a.id, 'r1')).toBeNull();
    expect(grants.current('r1')).toBeNull();
    expect(grants.use(b.id, 'r2')).not.toBeNull();
  });

  it('are revoked when the view closes, for that recording only', () => {
    const grants = new PlaybackGrants(new FakeClock());
    const a = grants.issue(play('r1', 'CASE-A'));
    const b = grants.issue(play('r2', 'CASE-A'));
    expect(grants.revokeRecording('r1')).toHaveLength(1);
    expect(grants.use(a.id, 'r1')).toBeNull();
    expect(grants.use(b.id, 'r2')).not.toBeNull();
    grants.revokeAll();
    expect(grants.use(b.id, 'r2')).toBeNull();
  });

  it('expire minutes after the recording could have played to its end without a fetch or seek', async () => {
    const clock = new FakeClock();
    const grants = new PlaybackGrants(clock);
    const { idleMs } = defaultGrantLifetime;
    expect(idleMs).toBeLessThanOrEqual(10 * minute);
    const grant = grants.issue(play('r1', 'CASE-A'));
    // A player that fetched the whole recording at once plays it through without asking again.
    await clock.advance(minute + idleMs - 1);
    expect(grants.current('r1')?.id).toBe(grant.id);
    expect(grants.use(grant.id, 'r1')).not.toBeNull();
    await clock.advance(idleMs - 1);
    expect(grants.use(grant.id, 'r1')).not.toBeNull();
    await clock.advance(idleMs);
    expect(grants.use(grant.id, 'r1')).toBeNull();
    expect(grants.current('r1')).toBeNull();
  });

  it('expire at the hard cap however often they are used, or at the end of a longer recording', async () => {
    const clock = new FakeClock();
    const grants = new PlaybackGrants(clock);
    const { idleMs, maxMs } = defaultGrantLifetime;
    expect(maxMs).toBeLessThanOrEqual(60 * minute);
    const busy = grants.issue(play('r1', 'CASE-A'));
    const long = grants.issue(play('r2', 'CASE-A', 'play-long', 2 * maxMs));
    for (let elapsed = minute; elapsed < maxMs; elapsed += minute) {
      await clock.advance(minute);
      expect(grants.use(busy.id, 'r1')).not.toBeNull();
    }
    await clock.advance(minute);
    expect(grants.use(busy.id, 'r1')).toBeNull();
    expect(grants.current('r2')?.id).toBe(long.id);
    await clock.advance(maxMs + idleMs - 1);
    expect(grants.use(long.id, 'r2')).not.toBeNull();
    await clock.advance(1);
    expect(grants.use(long.id, 'r2')).toBeNull();
  });
});
