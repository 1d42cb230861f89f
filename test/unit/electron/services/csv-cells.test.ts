import { describe, expect, it } from 'vitest';
import { csvCell, csvLine, defuseFormula } from '../../../../electron/services/csv-cells';

describe('the CSV cell writer', () => {
  it('quotes RFC 4180 cells', () => {
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "x"')).toBe('"say ""x"""');
    expect(csvCell(null)).toBe('');
    expect(csvCell(42)).toBe('42');
    expect(csvLine(['a', 'b,c', undefined])).toBe('a,"b,c",\r\n');
  });

  it.each([
    ['=HYPERLINK("http://evil.example","x")', `"'=HYPERLINK(""http://evil.example"",""x"")"`],
    ['@SUM(A1:A9)', "'@SUM(A1:A9)"],
    ['-2+3+cmd|\' /C calc\'!A0', "'-2+3+cmd|' /C calc'!A0"],
    ['+1', "'+1"],
    ['-12', "'-12"],
    ['\tTAB', "'\tTAB"],
    ['\rCR', `"'\rCR"`],
  ])('defuses %j with no digit exemption', (value, cell) => {
    expect(csvCell(value)).toBe(cell);
    expect(defuseFormula(value).startsWith("'")).toBe(true);
  });

  it('leaves ordinary values alone', () => {
    expect(csvCell('T-20261125-0044')).toBe('T-20261125-0044');
    expect(csvCell('2026-11-25T10:00:00.000Z')).toBe('2026-11-25T10:00:00.000Z');
  });
});
