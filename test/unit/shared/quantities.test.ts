import { describe, expect, it } from 'vitest';
import { parseOffsetMs } from '../../../shared/quantities';

describe('parseOffsetMs', () => {
  it('reads m:ss, h:mm:ss with fractions and whole milliseconds', () => {
    expect(parseOffsetMs('1:23')).toBe(83_000);
    expect(parseOffsetMs('1:02:03.5')).toBe(3_723_500);
    expect(parseOffsetMs(' 0:05.25 ')).toBe(5_250);
    expect(parseOffsetMs('83000')).toBe(83_000);
  });

  it('refuses what is not an offset', () => {
    for (const text of ['1:75', '1:60:00', '-5', '1.5', '', 'abc', '1:2:3:4', '0x10']) expect(parseOffsetMs(text), text).toBeNull();
  });
});
