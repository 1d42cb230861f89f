import { describe, expect, it } from 'vitest';
import { formatClock } from '../../../shared/quantities';
import { describeQuery, formatDurationMs, formatRelative, formatUtcTime, localInputToIso } from '../../../renderer/src/format';

describe('format', () => {
  it('formats clocks and durations', () => {
    expect(formatClock(0)).toBe('0:00');
    expect(formatClock(61.9)).toBe('1:01');
    expect(formatClock(3723)).toBe('1:02:03');
    expect(formatDurationMs(282_000)).toBe('4:42');
    expect(formatDurationMs(null)).toBe('—');
  });

  it('formats UTC and relative times', () => {
    expect(formatUtcTime('2025-03-14T10:12:05+01:00')).toBe('2025-03-14 09:12:05 UTC');
    const now = Date.parse('2025-03-14T12:00:00Z');
    expect(formatRelative('2025-03-14T11:59:30Z', now)).toBe('just now');
    expect(formatRelative('2025-03-14T11:57:00Z', now)).toBe('3 min ago');
    expect(formatRelative('2025-03-14T09:00:00Z', now)).toBe('3 h ago');
    expect(formatRelative('2025-03-10T12:00:00Z', now)).toBe('4 days ago');
  });

  it('turns a datetime-local value into a UTC instant and leaves blanks out', () => {
    expect(localInputToIso('')).toBeUndefined();
    expect(localInputToIso('2025-03-14T09:00')).toBe(new Date(2025, 2, 14, 9, 0, 0).toISOString());
  });

  it('describes a query in words', () => {
    expect(describeQuery({ tradingId: 'T-1', agent: 'Ann', queue: 'FX' })).toBe('trading ID T-1, agent Ann, queue FX');
  });
});
