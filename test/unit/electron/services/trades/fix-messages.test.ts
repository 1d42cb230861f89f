import { describe, expect, it } from 'vitest';
import { isoOfFixTime, parseFixLog, readFixMessage } from '../../../../../electron/services/trades/fix-messages';
import { blotterFix, fixMessage, type BlotterTrade } from '../../../../sandbox/blotter';

const roles = { traderPartyRoles: [12] };
const execution = (overrides: Record<string, string> = {}, parties: Array<[string, string]> = [['u-7', '12'], ['ACC-9', '3']]): Array<[string, string]> => {
  const tags = { '17': 'E-1', '150': 'F', '1': 'ACC-9', '55': 'EURUSD', '54': '1', '32': '5000000', '31': '1.0842', '60': '20261126-09:15:00.250', ...overrides };
  return [
    ['35', '8'],
    ...Object.entries(tags).filter(([, v]) => v !== ''),
    ['453', String(parties.length)],
    ...parties.flatMap(([id, role]): Array<[string, string]> => [['448', id], ['447', 'D'], ['452', role]]),
  ];
};

describe('readFixMessage', () => {
  it('checks BodyLength and CheckSum with SOH or | as the delimiter, after a log prefix', () => {
    for (const delimiter of ['\x01', '|'] as const) {
      const message = fixMessage(execution(), delimiter);
      expect(readFixMessage(`2026-11-26 09:15:00.300 INFO ${message}`)).toMatchObject({ delimiter, fields: expect.arrayContaining([{ tag: '17', value: 'E-1' }]) });
      const longer = message.replace('5000000', '50000000');
      expect(readFixMessage(longer)).toEqual({ reason: expect.stringMatching(/^BodyLength \(9\) says "\d+" but the body has \d+ bytes/) });
      const altered = message.replace('5000000', '6000000');
      expect(readFixMessage(altered)).toEqual({ reason: expect.stringMatching(/^CheckSum \(10\) is "\d{3}" but the message sums to \d{3}/) });
    }
    expect(readFixMessage('no fix here')).toBeNull();
    expect(readFixMessage('8=FIX.4.4|9=5|35=8|garbage|10=000|')).toEqual({ reason: 'the field "garbage" is not tag=value' });
    expect(readFixMessage('8=FIX.4.4|9=5|35=8|')).toEqual({ reason: 'the message does not end with its CheckSum (10)' });
  });

  it('reads TransactTime as UTC and refuses impossible times', () => {
    expect(isoOfFixTime('20261126-09:15:00')).toBe('2026-11-26T09:15:00Z');
    expect(isoOfFixTime('20261126-09:15:00.123456')).toBe('2026-11-26T09:15:00.123456Z');
    expect(isoOfFixTime('20261131-09:15:00')).toBeNull();
    expect(isoOfFixTime('2026-11-26T09:15:00Z')).toBeNull();
  });
});

describe('parseFixLog', () => {
  it('makes a trade of each execution, the trader from the Parties group role, and skips other messages', () => {
    const log = [
      fixMessage([['35', '0']], '|'),
      fixMessage(execution(), '|'),
      fixMessage(execution({ '17': 'E-2', '150': '0', '32': '0' }), '|'),
      '',
      fixMessage(execution({ '17': 'E-3', '54': '6', '1': '' }, [['ACC-9', '3'], ['desk@firm.test', '11'], ['u-8', '12']]), '\x01'),
    ].join('\r\n');
    const parsed = parseFixLog(log, roles);
    expect(parsed.rejected).toEqual([]);
    expect(parsed.skipped).toBe(2);
    expect(parsed.rows.map((r) => [r.line, r.trade])).toEqual([
      [2, { tradeId: 'E-1', executedAt: '2026-11-26T09:15:00.250Z', trader: 'u-7', clientAccount: 'ACC-9', instrument: 'EURUSD', side: 'buy', quantity: '5000000', price: '1.0842', channel: 'voice' }],
      [5, expect.objectContaining({ tradeId: 'E-3', trader: 'u-8', clientAccount: null, side: 'sell' })],
    ]);
    expect(parsed.rows[0]!.raw.message).toBe(fixMessage(execution(), '|'));
    // Another configured role names another trader.
    expect(parseFixLog(log, { traderPartyRoles: [11] }).rows.map((r) => r.trade.trader)).toEqual(['desk@firm.test']);
  });

  it('refuses bad executions with their line and reason: cancels, no trader, wrong party count, bad time, duplicate ExecID, broken framing', () => {
    const log = [
      fixMessage(execution({ '150': 'H', '19': 'E-0' }), '|'),
      fixMessage(execution({ '17': 'E-2' }, [['ACC-9', '3']]), '|'),
      fixMessage([...execution({ '17': 'E-3' }).slice(0, -7), ['453', '3'], ['448', 'u-7'], ['452', '12']], '|'),
      fixMessage(execution({ '17': 'E-4', '60': '20261126-25:00:00' }), '|'),
      fixMessage(execution({ '17': 'E-5' }), '|'),
      fixMessage(execution({ '17': 'e-5' }), '|'),
      fixMessage(execution({ '17': 'E-6' }), '|').replace('E-6', 'E-7'),
      'a line of the log that is not FIX',
      fixMessage(execution({ '17': 'E-8', '60': '' }), '|'),
    ].join('\n');
    const parsed = parseFixLog(log, roles);
    expect(parsed.rows.map((r) => [r.line, r.trade.tradeId])).toEqual([[5, 'E-5']]);
    expect(parsed.rejected).toEqual([
      { line: 1, reason: 'ExecType (150) H: a trade cancel of ExecID "E-0", not applied; review that trade and correct the blotter if it must change' },
      { line: 2, reason: 'no party with PartyRole (452) 12 in the Parties group (453): the trader is unknown' },
      { line: 3, reason: 'the Parties group (453) announces "3" entries but holds 1' },
      { line: 4, reason: 'TransactTime (60) "20261126-25:00:00" is not UTC YYYYMMDD-HH:MM:SS[.sss]' },
      { line: 6, reason: 'trade "e-5" is already on line 5: one row per trade; correct the blotter and import it again' },
      { line: 7, reason: expect.stringMatching(/^CheckSum \(10\)/) },
      { line: 8, reason: 'no FIX message on this line (none starts 8=FIX)' },
      { line: 9, reason: 'executed_at is empty' },
    ]);
  });

  it('reads the sandbox blotter as a drop-copy log', () => {
    const trades: Array<BlotterTrade> = [
      { tradeId: 'T-20261126-0001', executedAt: '2026-11-26T10:15:00+01:00', trader: 'a@desk.test', clientAccount: 'ACC-1', instrument: 'EURUSD', side: 'sell', quantity: '1000000', price: '1.0842', channel: 'voice' },
    ];
    const parsed = parseFixLog(blotterFix(trades), roles);
    expect(parsed).toMatchObject({ rejected: [], skipped: 1 });
    expect(parsed.rows.map((r) => r.trade)).toEqual([{ ...trades[0], executedAt: '2026-11-26T09:15:00.000Z' }]);
  });
});
