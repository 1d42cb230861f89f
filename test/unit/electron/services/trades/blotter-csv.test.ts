import { describe, expect, it } from 'vitest';
import { checkedMapping, parseBlotterCsv } from '../../../../../electron/services/trades/blotter-csv';
import { blotterText } from '../../../../../electron/services/trades/blotter-rows';

const HEADER = 'trade_id,executed_at,trader,client_account,instrument,side,quantity,price,channel';
const csv = (...rows: Array<string>) => [HEADER, ...rows].join('\r\n');

describe('parseBlotterCsv', () => {
  it('reads every default column, keeps decimals as written and normalizes side and channel', () => {
    const parsed = parseBlotterCsv(
      csv(
        'T-1,2026-11-26T10:15:00+01:00,trader@desk.test,ACC-1,EURUSD,B,5000000,1.084200,Voice',
        'T-2,2026-11-26T09:15:00.250Z,u-123,,,2,0.000000000001,-3,ELECTRONIC',
        'T-3,2026-11-26T09:15:00Z,u-123,ACC-2,GBPUSD,5,1,2,voice',
      ),
    );
    expect(parsed.rejected).toEqual([]);
    expect(parsed.rows.map((r) => [r.line, r.trade])).toEqual([
      [2, { tradeId: 'T-1', executedAt: '2026-11-26T10:15:00+01:00', trader: 'trader@desk.test', clientAccount: 'ACC-1', instrument: 'EURUSD', side: 'buy', quantity: '5000000', price: '1.084200', channel: 'voice' }],
      [3, { tradeId: 'T-2', executedAt: '2026-11-26T09:15:00.250Z', trader: 'u-123', clientAccount: null, instrument: null, side: 'sell', quantity: '0.000000000001', price: '-3', channel: 'electronic' }],
      [4, expect.objectContaining({ tradeId: 'T-3', side: 'sell' })],
    ]);
  });

  it('reports each bad row by its file line with a reason and keeps the rest', () => {
    const parsed = parseBlotterCsv(
      csv(
        'T-1,2026-11-26T10:15:00,a@b.test,ACC,EURUSD,buy,1,1,voice',
        '',
        'T-2,2026-11-26T10:15:00Z,a@b.test,ACC,EURUSD,hold,1,1,voice',
        'T-3,2026-11-26T10:15:00Z,a@b.test,ACC,EURUSD,buy,"5,000,000",1,voice',
        'T-4,2026-11-26T10:15:00Z,a@b.test,ACC,EURUSD,buy,1,1,fax',
        'T-5,2026-11-26T10:15:00Z,,ACC,EURUSD,buy,1,1,voice',
        'T-6,26/11/2026 10:15,a@b.test,ACC,EURUSD,buy,1,1,voice',
        'T-7,2026-11-26T10:15:00Z,a@b.test,ACC,EURUSD,buy,1,1',
        'T-8,2026-11-26T10:15:00Z,a\u202Eb@x.test,ACC,EURUSD,buy,1,1,voice',
        'T-9,2026-11-26T10:15:00Z,a@b.test,ACC,EURUSD,sell,1,1,voice',
      ),
    );
    expect(parsed.rows.map((r) => [r.line, r.trade.tradeId])).toEqual([[11, 'T-9']]);
    expect(parsed.rejected).toEqual([
      { line: 2, reason: expect.stringMatching(/^executed_at "2026-11-26T10:15:00" has no UTC offset: without one \(Z or \+01:00\) the time names no instant/) },
      { line: 4, reason: 'side "hold" is not buy, sell, B, S or FIX 1, 2, 5, 6' },
      { line: 5, reason: 'quantity "5,000,000": not a decimal number' },
      { line: 6, reason: 'channel "fax" is neither voice nor electronic' },
      { line: 7, reason: 'trader is empty' },
      { line: 8, reason: 'executed_at "26/11/2026 10:15": not an ISO 8601 date-time with its offset (e.g. 2026-11-26T10:15:00+01:00)' },
      { line: 9, reason: expect.stringMatching(/^8 cells where the header has 9/) },
      { line: 10, reason: 'trader "a\\u202eb@x.test": must not contain control characters' },
    ]);
  });

  it('refuses a trade id already used on an earlier line (ignoring case), naming that line', () => {
    const parsed = parseBlotterCsv(csv('T-1,2026-11-26T10:15:00Z,a@b.test,,,,,,voice', 't-1,2026-11-26T11:15:00Z,a@b.test,,,,,,voice'));
    expect(parsed.rows.map((r) => r.line)).toEqual([2]);
    expect(parsed.rejected).toEqual([{ line: 3, reason: 'trade "t-1" is already on line 2: one row per trade; correct the blotter and import it again' }]);
  });

  it('numbers rows after quoted line breaks and blank lines by the line they start on, keeps extra columns and formula-looking cells as data', () => {
    const parsed = parseBlotterCsv(`${HEADER},desk note\n\nT-1,2026-11-26T10:15:00Z,a@b.test,,,,,,voice,"two\nlines"\nT-2,2026-11-26T10:15:00Z,a@b.test,=HYPERLINK(1),,,,,voice,x\n`);
    expect(parsed.rejected).toEqual([]);
    expect(parsed.rows.map((r) => [r.line, r.trade.clientAccount, r.raw['desk note']])).toEqual([
      [3, null, 'two\nlines'],
      [5, '=HYPERLINK(1)', 'x'],
    ]);
  });

  it('renames columns with a mapping, and refuses a mapping to an unknown column or two columns onto one', () => {
    const text = 'Deal Ref,Exec Time,Dealer,Acct,Ccy Pair,B/S,Notional,Rate,Venue\nD-1,2026-11-26T10:15:00Z,a@b.test,ACC,EURUSD,S,1,2,voice\n';
    const mapping = { 'Deal Ref': 'trade_id', 'Exec Time': 'executed_at', Dealer: 'trader', acct: 'client_account', 'Ccy Pair': 'instrument', 'B/S': 'side', Notional: 'quantity', Rate: 'price', Venue: 'channel' };
    const parsed = parseBlotterCsv(text, mapping);
    expect(parsed.rows[0]).toMatchObject({ line: 2, trade: { tradeId: 'D-1', clientAccount: 'ACC', side: 'sell', quantity: '1', price: '2' }, raw: { 'Deal Ref': 'D-1', Venue: 'voice' } });
    expect(() => checkedMapping({ 'Deal Ref': 'trade_ref' })).toThrow(/"trade_ref", which is not a Custody column/);
    expect(() => checkedMapping({ a: 'trader', b: 'trader' })).toThrow('The mapping renames both "a" and "b" to trader.');
    expect(() => checkedMapping(['trade_id'])).toThrow(/must be a JSON object/);
    expect(() => parseBlotterCsv(text)).toThrow(/The header row has no trade_id, executed_at, trader, channel column/);
  });

  it('refuses a file that is not UTF-8 and tolerates a byte-order mark', () => {
    expect(() => blotterText(new Uint8Array([0x74, 0xff, 0x0a]))).toThrow(/not UTF-8 text/);
    const text = blotterText(new Uint8Array([0xef, 0xbb, 0xbf, ...Buffer.from(csv('T-1,2026-11-26T10:15:00Z,a@b.test,,,,,,voice'))]));
    expect(parseBlotterCsv(text).rows.map((r) => r.trade.tradeId)).toEqual(['T-1']);
  });

  it('reports an unclosed quote where the unreadable part begins', () => {
    const parsed = parseBlotterCsv(csv('T-1,2026-11-26T10:15:00Z,a@b.test,,,,,,voice', 'T-2,"2026-11-26T10:15:00Z,a@b.test,,,,,,voice'));
    expect(parsed.rows.map((r) => r.line)).toEqual([2]);
    expect(parsed.rejected).toEqual([{ line: 3, reason: expect.stringMatching(/^the CSV cannot be read from here on: Quote Not Closed/) }]);
  });
});
