import { describe, expect, it } from 'vitest';
import type { RecordingMatch } from '../../../shared/domain';
import { nextSort, recordingParts, sortMatches, visibleRows } from '../../../renderer/src/results-order';

const match = (conversationId: string, recordingId: string, startTime: string, extra: Partial<RecordingMatch> = {}): RecordingMatch => ({
  conversationId,
  recordingId,
  tradingId: null,
  clientAccount: null,
  startTime,
  endTime: null,
  durationMs: 60_000,
  queue: null,
  agent: null,
  direction: null,
  fileState: 'AVAILABLE',
  ...extra,
});

const a1 = match('c-a', 'r-a1', '2026-03-02T10:00:00Z', { agent: 'Zoë', tradingId: 'T-2' });
const a2 = match('c-a', 'r-a2', '2026-03-02T10:05:00Z', { agent: 'Zoë', tradingId: 'T-2', durationMs: 10_000 });
const b = match('c-b', 'r-b', '2026-03-03T09:00:00Z', { agent: 'anna', tradingId: 'T-10' });
const c = match('c-c', 'r-c', '2026-03-01T09:00:00Z', { agent: null, tradingId: null, durationMs: 120_000 });

describe('results order', () => {
  it('sorts by any column, blanks last either way, and keeps a call\'s parts together in recording order', () => {
    const ids = (rows: Array<RecordingMatch>) => rows.map((m) => m.recordingId);
    expect(ids(sortMatches([c, a2, b, a1], { column: 'agent', descending: false }))).toEqual(['r-b', 'r-a1', 'r-a2', 'r-c']);
    expect(ids(sortMatches([c, a2, b, a1], { column: 'agent', descending: true }))).toEqual(['r-a1', 'r-a2', 'r-b', 'r-c']);
    // Trading IDs compare as people read them: T-2 before T-10.
    expect(ids(sortMatches([c, a2, b, a1], { column: 'tradingId', descending: false }))).toEqual(['r-a1', 'r-a2', 'r-b', 'r-c']);
    expect(ids(sortMatches([c, a2, b, a1], { column: 'duration', descending: true }))).toEqual(['r-c', 'r-b', 'r-a1', 'r-a2']);
    expect(ids(sortMatches([a1, c, a2, b], { column: 'start', descending: false }))).toEqual(['r-c', 'r-a1', 'r-a2', 'r-b']);
  });

  it('turns the order round on a second click; a new column starts in its natural order', () => {
    expect(nextSort(null, 'agent')).toEqual({ column: 'agent', descending: false });
    expect(nextSort({ column: 'agent', descending: false }, 'agent')).toEqual({ column: 'agent', descending: true });
    expect(nextSort({ column: 'agent', descending: true }, 'start')).toEqual({ column: 'start', descending: true });
  });

  it('numbers the recordings of a conversation with several, by their start', () => {
    const parts = recordingParts([a2, b, a1]);
    expect(parts.get(a1)).toEqual({ part: 1, of: 2 });
    expect(parts.get(a2)).toEqual({ part: 2, of: 2 });
    expect(parts.has(b)).toBe(false);
  });

  it('renders only the rows in view and a few around them', () => {
    expect(visibleRows(10_000, 0, 400, 40)).toEqual({ first: 0, last: 18 });
    expect(visibleRows(10_000, 200_000, 400, 40)).toEqual({ first: 4992, last: 5018 });
    expect(visibleRows(10_000, 400_000, 400, 40)).toEqual({ first: 9992, last: 10_000 });
    expect(visibleRows(3, 0, 400, 40)).toEqual({ first: 0, last: 3 });
  });
});
