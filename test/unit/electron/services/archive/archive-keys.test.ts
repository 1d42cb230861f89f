import { describe, expect, it } from 'vitest';
import { archiveKeys, parseArchiveKey, requiredRetainUntil, tradePrefix } from '../../../../../electron/services/archive/archive-keys';

const conversationId = 'abdadae9-f4b4-4787-99dd-42fa554fb8dd';
const recordingId = '72585a1e-ef3d-4d30-a84f-f6007650eef0';
const startMs = Date.parse('2026-11-02T23:59:59Z');

describe('archive keys', () => {
  it('lays recordings out by trading id, UTC date of the start and conversation, with a sidecar beside each', () => {
    expect(archiveKeys({ tradingId: 'T-20261102-0036', startMs, conversationId, recordingId }, 'wav')).toEqual({
      media: `archive/v1/trades/T-20261102-0036/2026-11-02/${conversationId}/${recordingId}.wav`,
      sidecar: `archive/v1/trades/T-20261102-0036/2026-11-02/${conversationId}/${recordingId}.json`,
    });
  });

  it('keeps recordings without a trading id under an explicit untagged prefix', () => {
    expect(archiveKeys({ tradingId: null, startMs, conversationId, recordingId }, 'wav').media).toBe(`archive/v1/untagged/2026-11-02/${conversationId}/${recordingId}.wav`);
  });

  it('keeps any trading id to one key segment and reads it back', () => {
    for (const tradingId of ['FX/2026/0042', '..', 'Ünïcode trade', 'a%2Fb', '.hidden']) {
      const { media } = archiveKeys({ tradingId, startMs, conversationId, recordingId }, 'wav');
      expect(media.split('/')).toHaveLength(7);
      expect(media.startsWith(tradePrefix(tradingId))).toBe(true);
      expect(parseArchiveKey(media)).toEqual({ tradingId, date: '2026-11-02', conversationId, recordingId, kind: 'media' });
    }
  });

  it('refuses ids that could escape their segment and ignores keys that are not recordings', () => {
    expect(() => archiveKeys({ tradingId: 'T', startMs, conversationId: '../x', recordingId }, 'wav')).toThrow(/not a conversation id/);
    expect(() => archiveKeys({ tradingId: ' ', startMs, conversationId, recordingId }, 'wav')).toThrow(/must not be empty/);
    expect(() => archiveKeys({ tradingId: 'T', startMs: NaN, conversationId, recordingId }, 'wav')).toThrow(/start time/);
    expect(parseArchiveKey('archive/v1/sweeps/run/plan.json')).toBeNull();
    expect(parseArchiveKey(`archive/v1/untagged/2026-11-02/${conversationId}/${recordingId}.json`)).toMatchObject({ tradingId: null, kind: 'sidecar' });
  });

  it('retains from the recording start for whole calendar years (leap days included)', () => {
    expect(requiredRetainUntil(Date.parse('2026-11-02T10:06:29Z'), 5).toISOString()).toBe('2031-11-02T10:06:29.000Z');
    expect(requiredRetainUntil(Date.parse('2028-02-29T12:00:00Z'), 5).toISOString()).toBe('2033-03-01T12:00:00.000Z');
    expect(requiredRetainUntil(Date.parse('2026-11-02T10:06:29Z'), 7).toISOString()).toBe('2033-11-02T10:06:29.000Z');
    expect(() => requiredRetainUntil(0, 0)).toThrow(/positive whole number/);
  });
});
