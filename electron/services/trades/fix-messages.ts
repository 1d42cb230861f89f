import { BlotterRows, quoted, type ParsedBlotter } from './blotter-rows';

/**
 * A FIX tag=value drop-copy log read as a blotter: one message per line (a log's timestamp prefix
 * before `8=FIX` is allowed), fields split by SOH or by '|' (how logs are usually printed), each
 * message's BodyLength (9) and CheckSum (10) checked. ExecutionReports (35=8) that are executions
 * become trades; other messages are skipped and counted.
 *
 * Written here rather than taken from npm: the only full JS FIX engine (fixparser) is under a
 * proprietary licence and reports usage to its vendor, and node-quickfix binds native QuickFIX; a
 * drop-copy reader needs only framing, the checksum and one repeating group.
 */

const SOH = '\x01';
/** MsgType 8. */
const EXECUTION_REPORT = '8';
/** ExecType (150) of executions: F Trade (FIX 4.3+), 1 Partial fill and 2 Fill (FIX 4.2). */
const EXECUTIONS = new Set(['F', '1', '2']);
/** Tags a trade is read from: each may appear once outside the Parties group. */
const TRADE_TAGS = ['17', '60', '1', '55', '54', '32', '31', '150'] as const;
/** Tags inside one Parties (453) entry, with the nested PartySubIDs (802: 523, 803). */
const PARTY_TAGS = new Set(['448', '447', '452', '802', '523', '803']);

export type FixField = { tag: string; value: string };
export type FixMessage = { fields: Array<FixField>; delimiter: '\x01' | '|' };

/** One line's message, its framing checked, or why it cannot be read. Null when the line holds no FIX message. */
export function readFixMessage(line: string): FixMessage | { reason: string } | null {
  const start = line.indexOf('8=FIX');
  if (start < 0) return null;
  const text = line.slice(start).replace(/[\r\n]+$/, '');
  const delimiter = text.includes(SOH) ? SOH : '|';
  const parts = text.split(delimiter);
  if (parts.at(-1) === '') parts.pop();
  const fields: Array<FixField> = [];
  for (const part of parts) {
    const equals = part.indexOf('=');
    const tag = part.slice(0, Math.max(equals, 0));
    if (!/^[1-9]\d{0,5}$/.test(tag)) return { reason: `the field ${quoted(part)} is not tag=value` };
    fields.push({ tag, value: part.slice(equals + 1) });
  }
  if (fields[1]?.tag !== '9' || fields[2]?.tag !== '35') return { reason: 'the message does not start 8=, 9= (BodyLength), 35= (MsgType)' };
  const last = fields.at(-1)!;
  if (last.tag !== '10') return { reason: 'the message does not end with its CheckSum (10)' };
  // Lengths and the checksum count each delimiter as the one SOH byte it stands for.
  const bytes = (s: string) => Buffer.byteLength(s, 'utf8');
  const bodyStart = bytes(`${fields[0]!.tag}=${fields[0]!.value}`) + 1 + bytes(`9=${fields[1]!.value}`) + 1;
  const beforeChecksum = fields.slice(0, -1).reduce((sum, f) => sum + bytes(`${f.tag}=${f.value}`) + 1, 0);
  const declared = fields[1]!.value;
  if (!/^\d{1,7}$/.test(declared) || Number(declared) !== beforeChecksum - bodyStart) {
    return { reason: `BodyLength (9) says ${quoted(declared)} but the body has ${beforeChecksum - bodyStart} bytes: the message is cut or altered` };
  }
  const sum = [...fields.slice(0, -1)].reduce((total, f) => total + byteSum(`${f.tag}=${f.value}`) + 1, 0) % 256;
  const expected = String(sum).padStart(3, '0');
  if (last.value !== expected) return { reason: `CheckSum (10) is ${quoted(last.value)} but the message sums to ${expected}: the message is cut or altered` };
  return { fields, delimiter: delimiter as FixMessage['delimiter'] };
}

/**
 * A drop-copy log's trades (see the module's comment). `traderPartyRoles`: the PartyRole (452) values
 * whose PartyID (448) is the trader (profile `trades.fixTraderPartyRoles`; 12 = Executing Trader).
 * Trade cancels (ExecType H) and corrections (G) are refused with a reason rather than applied: the
 * index keeps what was imported and the officer, told which line, decides (a log line does not erase
 * a trade and the officers' decisions on it).
 */
export function parseFixLog(text: string, options: { traderPartyRoles: ReadonlyArray<number> }): ParsedBlotter {
  const rows = new BlotterRows();
  const roles = new Set(options.traderPartyRoles.map(String));
  text.split('\n').forEach((content, index) => {
    const line = index + 1;
    if (content.trim() === '') return;
    const message = readFixMessage(content);
    if (message === null) return rows.reject(line, 'no FIX message on this line (none starts 8=FIX)');
    if ('reason' in message) return rows.reject(line, message.reason);
    const { fields } = message;
    if (fields[2]!.value !== EXECUTION_REPORT) return rows.skip();
    const found = tradeTags(fields);
    if ('reason' in found) return rows.reject(line, found.reason);
    const tags = found.tags;
    const execType = tags.get('150');
    if (execType === 'H' || execType === 'G') {
      const what = execType === 'H' ? 'a trade cancel' : 'a trade correction';
      return rows.reject(line, `ExecType (150) ${execType}: ${what} of ExecID ${quoted(tags.get('19') ?? '?')}, not applied; review that trade and correct the blotter if it must change`);
    }
    if (execType === undefined) return rows.reject(line, 'no ExecType (150): cannot tell an execution from an order status');
    if (!EXECUTIONS.has(execType)) return rows.skip();
    const transactTime = tags.get('60');
    const executedAt = transactTime === undefined ? '' : isoOfFixTime(transactTime);
    if (executedAt === null) return rows.reject(line, `TransactTime (60) ${quoted(transactTime!)} is not UTC YYYYMMDD-HH:MM:SS[.sss]`);
    const trader = traderOf(fields, roles);
    if ('reason' in trader) return rows.reject(line, trader.reason);
    rows.add(
      line,
      {
        trade_id: tags.get('17') ?? '',
        executed_at: executedAt,
        trader: trader.partyId,
        client_account: tags.get('1') ?? '',
        instrument: tags.get('55') ?? '',
        side: tags.get('54') ?? '',
        quantity: tags.get('32') ?? '',
        price: tags.get('31') ?? '',
        channel: 'voice',
      },
      { message: content.slice(content.indexOf('8=FIX')).replace(/\r$/, ''), ...(content.indexOf('8=FIX') > 0 ? { logPrefix: content.slice(0, content.indexOf('8=FIX')).trim() } : {}) },
    );
  });
  return rows.result();
}

/** The trade's tags outside the Parties group (and ExecRefID 19), each at most once. */
function tradeTags(fields: ReadonlyArray<FixField>): { tags: Map<string, string> } | { reason: string } {
  const tags = new Map<string, string>();
  for (const { tag, value } of fields) {
    if (!(TRADE_TAGS as ReadonlyArray<string>).includes(tag) && tag !== '19') continue;
    if (tags.has(tag)) return { reason: `tag ${tag} appears twice: which value holds cannot be told` };
    tags.set(tag, value);
  }
  return { tags };
}

/** The first PartyID (448) whose PartyRole (452) is a trader role, from the Parties group (453). */
function traderOf(fields: ReadonlyArray<FixField>, roles: ReadonlySet<string>): { partyId: string } | { reason: string } {
  const at = fields.findIndex((f) => f.tag === '453');
  const wanted = [...roles].join(' or ');
  if (at < 0) return { reason: `no Parties group (453): the trader is the PartyID (448) with PartyRole (452) ${wanted}` };
  const count = Number(fields[at]!.value);
  const parties: Array<{ id?: string; role?: string }> = [];
  for (let i = at + 1; i < fields.length && PARTY_TAGS.has(fields[i]!.tag); i += 1) {
    const { tag, value } = fields[i]!;
    if (tag === '448') parties.push({ id: value });
    else if (tag === '452' && parties.length > 0) parties.at(-1)!.role = value;
  }
  if (!Number.isInteger(count) || count !== parties.length) {
    return { reason: `the Parties group (453) announces ${quoted(fields[at]!.value)} entries but holds ${parties.length}` };
  }
  const trader = parties.find((p) => p.role !== undefined && roles.has(p.role) && p.id);
  return trader ? { partyId: trader.id! } : { reason: `no party with PartyRole (452) ${wanted} in the Parties group (453): the trader is unknown` };
}

/** FIX UTCTimestamp `YYYYMMDD-HH:MM:SS[.sss…]` as ISO 8601 UTC (the fraction as written), or null when it is not a real time. */
export function isoOfFixTime(value: string): string | null {
  const match = /^(\d{4})(\d{2})(\d{2})-(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?$/.exec(value);
  if (!match) return null;
  const [, year, month, day, hour, minute, second, fraction = ''] = match;
  const iso = `${year}-${month}-${day}T${hour}:${minute}:${second}${fraction}Z`;
  const ms = Date.parse(`${year}-${month}-${day}T${hour}:${minute}:${second}Z`);
  // Date.parse rolls 31 November into December: a real time reads back the same.
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 19) !== iso.slice(0, 19)) return null;
  return iso;
}

function byteSum(text: string): number {
  let sum = 0;
  for (const byte of Buffer.from(text, 'utf8')) sum += byte;
  return sum;
}
