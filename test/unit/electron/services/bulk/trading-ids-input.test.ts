import { describe, expect, it } from 'vitest';
import { parseTradingIdsCsv, splitCsvLine } from '../../../../../electron/services/bulk/trading-ids-input';

describe('trading IDs from a CSV', () => {
  it('takes the first column, or the one headed trading_id, and skips blanks and comments', () => {
    expect(parseTradingIdsCsv('T-1\r\nT-2,extra\n\n# note\nT-3').rows).toEqual([
      { line: 1, tradingId: 'T-1' },
      { line: 2, tradingId: 'T-2' },
      { line: 5, tradingId: 'T-3' },
    ]);
    expect(parseTradingIdsCsv('\uFEFFdesk,Trading ID\nFX, T-9 \nRates,"T-10"').rows).toEqual([
      { line: 2, tradingId: 'T-9' },
      { line: 3, tradingId: 'T-10' },
    ]);
  });

  it('reports each unusable row with its line and the reason, and keeps the rest', () => {
    const { rows, problems } = parseTradingIdsCsv(['trading_id', 'T-1', '"T-2', ',x', 't-1', `T-${'9'.repeat(70)}`, 'ok\u0007bell', 'desk'].join('\n'));
    expect(rows).toEqual([
      { line: 2, tradingId: 'T-1' },
      { line: 8, tradingId: 'desk' },
    ]);
    expect(problems.map((p) => [p.line, p.problem])).toEqual([
      [3, 'malformed CSV: a quoted field is not closed'],
      [4, 'empty trading ID'],
      [5, 'duplicate of line 2; retrieved once'],
      [6, expect.stringMatching(/^not a trading ID: /)],
      [7, 'not a trading ID: must not contain control characters'],
    ]);
    expect(problems[4]!.value).toBe('ok\\x07bell');
  });

  it('splits RFC 4180 fields, with quotes, doubled quotes and commas inside quotes', () => {
    expect(splitCsvLine('a,"b, c","say ""hi""",')).toEqual(['a', 'b, c', 'say "hi"', '']);
    expect(splitCsvLine('"open')).toBeNull();
  });
});
