import type { Dataset, SeedConversation } from './dataset';
import { createRng } from './prng';

/**
 * A trade blotter consistent with the sandbox's seeded calls (`custody sandbox --blotter FILE`), with
 * what each trade was planted as, so that tests and benchmarks know the right answers:
 * - voice trades whose calls carry the trade id (a follow-up call shares its trade's id);
 * - voice trades whose calls lack it: the blotter knows trader, account and time, the call does not
 *   carry the id (some lack the account too);
 * - electronic trades (never gaps);
 * - voice trades with no call at all (planted gaps): neither the trader nor the client spoke within
 *   two hours of the execution;
 * - a few tagged trading calls whose trade the blotter leaves out (calls without a trade).
 * Pure and deterministic, like the dataset.
 */

export type BlotterTrade = {
  tradeId: string;
  executedAt: string;
  trader: string;
  clientAccount: string;
  instrument: string;
  side: 'buy' | 'sell';
  quantity: string;
  price: string;
  channel: 'voice' | 'electronic';
};

export type SandboxBlotter = {
  trades: Array<BlotterTrade>;
  planted: {
    /** Trade id → the calls that carry it. */
    tagged: Map<string, Array<string>>;
    /** Trade id → the one call it was agreed on, which does not carry the id. */
    untagged: Map<string, Array<string>>;
    electronic: Array<string>;
    /** Voice trades with no call of the trader or the client anywhere near them. */
    gaps: Array<string>;
    /** Tagged trading calls whose trading id is on no trade of the blotter. */
    callsWithoutTrade: Array<string>;
  };
};

const MINUTE_MS = 60_000;
const GAP_CLEARANCE_MS = 120 * MINUTE_MS;
const CSV_COLUMNS = ['trade_id', 'executed_at', 'trader', 'client_account', 'instrument', 'side', 'quantity', 'price', 'channel'] as const;

export function sandboxBlotter(dataset: Dataset, options: { callsWithoutTrade?: number; electronic?: number; gaps?: number } = {}): SandboxBlotter {
  const rng = createRng(dataset.seed ^ 0x0b107e2);
  const agents = new Map(dataset.agents.map((a) => [a.id, a]));
  const trades: Array<BlotterTrade> = [];
  const planted: SandboxBlotter['planted'] = { tagged: new Map(), untagged: new Map(), electronic: [], gaps: [], callsWithoutTrade: [] };
  // The blotter names a trader by email or by Genesys user id, as firms' systems do.
  const traderOf = (conversation: SeedConversation) => {
    const agent = agents.get(conversation.agentId)!;
    return rng.chance(0.5) ? agent.email : agent.id;
  };
  // Executions are stamped in UTC or with the desk's offset, the same instant either way.
  const stamp = (ms: number) => {
    const second = Math.floor(ms / 1000) * 1000;
    return rng.chance(0.5) ? new Date(second).toISOString() : withOffset(second, 60);
  };
  const dealFields = (conversation: SeedConversation) => {
    const deal = conversation.deal!;
    const [, amount] = deal.amountText.split(' ');
    return { instrument: deal.instrument, side: deal.side, quantity: amount!.replace(/,/g, ''), price: deal.price.replace('%', '') };
  };

  const trading = dataset.conversations.filter((c) => c.trading && c.deal && c.recordings.length > 0);
  const byTradingId = new Map<string, Array<SeedConversation>>();
  for (const c of trading) if (c.tradingId) byTradingId.set(c.tradingId, [...(byTradingId.get(c.tradingId) ?? []), c]);
  const leftOut = new Set<string>();
  const tradingIds = [...byTradingId.keys()];
  while (leftOut.size < Math.min(options.callsWithoutTrade ?? 3, tradingIds.length)) leftOut.add(rng.pick(tradingIds));

  for (const [tradingId, calls] of byTradingId) {
    const first = calls[0]!;
    if (leftOut.has(tradingId)) {
      planted.callsWithoutTrade.push(...calls.map((c) => c.id));
      continue;
    }
    trades.push({
      tradeId: tradingId,
      executedAt: stamp(Date.parse(first.endTime) - rng.int(5, 40) * 1000),
      trader: traderOf(first),
      clientAccount: first.client.account,
      ...dealFields(first),
      channel: 'voice',
    });
    planted.tagged.set(tradingId, calls.map((c) => c.id));
  }

  const perDay = new Map<string, number>();
  const freshId = (ms: number) => {
    const day = new Date(ms).toISOString().slice(0, 10).replace(/-/g, '');
    const next = (perDay.get(day) ?? 9000) + 1;
    perDay.set(day, next);
    return `T-${day}-${next}`;
  };
  for (const c of trading) {
    if (c.tradingId) continue;
    const executedMs = Date.parse(c.endTime) - rng.int(5, 40) * 1000;
    const tradeId = freshId(executedMs);
    trades.push({ tradeId, executedAt: stamp(executedMs), trader: traderOf(c), clientAccount: c.client.account, ...dealFields(c), channel: 'voice' });
    planted.untagged.set(tradeId, [c.id]);
  }

  const startMs = Date.parse(dataset.conversations[0]!.startTime);
  const endMs = Date.parse(dataset.conversations.at(-1)!.endTime);
  const tradingAgents = [...new Set(trading.map((c) => c.agentId))];
  const clients = dataset.clients;
  for (let i = 0; i < (options.electronic ?? 12); i += 1) {
    const executedMs = rng.int(startMs, endMs);
    const tradeId = freshId(executedMs);
    const agent = agents.get(rng.pick(tradingAgents))!;
    trades.push({
      tradeId,
      executedAt: stamp(executedMs),
      trader: agent.email,
      clientAccount: rng.pick(clients).account,
      instrument: 'EURUSD',
      side: rng.chance(0.5) ? 'buy' : 'sell',
      quantity: String(rng.int(1, 50) * 1_000_000),
      price: (1.08 + rng.uniform(-0.01, 0.01)).toFixed(4),
      channel: 'electronic',
    });
    planted.electronic.push(tradeId);
  }

  // A planted gap: a trader and a client with no call within two hours of the execution.
  for (let attempts = 0; planted.gaps.length < (options.gaps ?? 4) && attempts < 10_000; attempts += 1) {
    const executedMs = rng.int(startMs, endMs);
    const agent = agents.get(rng.pick(tradingAgents))!;
    const client = rng.pick(clients);
    const near = dataset.conversations.some(
      (c) =>
        (c.agentId === agent.id || c.client.account === client.account) &&
        Date.parse(c.startTime) < executedMs + GAP_CLEARANCE_MS &&
        Date.parse(c.endTime) > executedMs - GAP_CLEARANCE_MS,
    );
    if (near) continue;
    const tradeId = freshId(executedMs);
    trades.push({
      tradeId,
      executedAt: stamp(executedMs),
      trader: agent.email,
      clientAccount: client.account,
      instrument: 'GBPUSD',
      side: 'buy',
      quantity: '5000000',
      price: '1.2650',
      channel: 'voice',
    });
    planted.gaps.push(tradeId);
  }

  trades.sort((a, b) => Date.parse(a.executedAt) - Date.parse(b.executedAt) || a.tradeId.localeCompare(b.tradeId));
  return { trades, planted };
}

/** The blotter in the default CSV layout (header row, RFC 4180 quoting). */
export function blotterCsv(trades: ReadonlyArray<BlotterTrade>): string {
  const cell = (value: string) => (/[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);
  const rows = trades.map((t) => CSV_COLUMNS.map((column) => cell(t[columnField[column]])).join(','));
  return `${[CSV_COLUMNS.join(','), ...rows].join('\r\n')}\r\n`;
}

const columnField: Record<(typeof CSV_COLUMNS)[number], keyof BlotterTrade> = {
  trade_id: 'tradeId',
  executed_at: 'executedAt',
  trader: 'trader',
  client_account: 'clientAccount',
  instrument: 'instrument',
  side: 'side',
  quantity: 'quantity',
  price: 'price',
  channel: 'channel',
};

function withOffset(ms: number, offsetMinutes: number): string {
  const local = new Date(ms + offsetMinutes * MINUTE_MS).toISOString().slice(0, 19);
  const sign = offsetMinutes >= 0 ? '+' : '-';
  const abs = Math.abs(offsetMinutes);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/**
 * The blotter's trades as a FIX 4.4 drop-copy log: one ExecutionReport (35=8, ExecType F) per trade,
 * each line prefixed by its log time, with a Heartbeat (35=0) first; the trader is the PartyID with
 * PartyRole 12 (Executing Trader), the client account also a party (role 3, Client ID).
 */
export function blotterFix(trades: ReadonlyArray<BlotterTrade>, options: { delimiter?: '\x01' | '|' } = {}): string {
  const delimiter = options.delimiter ?? '|';
  const lines = [`${fixTime(Date.now())} ${fixMessage([['35', '0'], ['49', 'BROKER'], ['56', 'CUSTODY'], ['34', '1']], delimiter)}`];
  trades.forEach((t, index) => {
    const fields: Array<[string, string]> = [
      ['35', '8'], ['49', 'BROKER'], ['56', 'CUSTODY'], ['34', String(index + 2)], ['37', `O-${t.tradeId}`], ['17', t.tradeId], ['150', 'F'], ['39', '2'],
      ['1', t.clientAccount], ['55', t.instrument], ['54', t.side === 'buy' ? '1' : '2'], ['32', t.quantity], ['31', t.price], ['60', fixTime(Date.parse(t.executedAt))],
      ['453', '2'], ['448', t.trader], ['447', 'D'], ['452', '12'], ['448', t.clientAccount], ['447', 'D'], ['452', '3'],
    ];
    lines.push(`${fixTime(Date.parse(t.executedAt) + 40)} ${fixMessage(fields, delimiter)}`);
  });
  return `${lines.join('\n')}\n`;
}

/** One FIX 4.4 message from its fields after BodyLength, with BodyLength (9) and CheckSum (10) computed (SOH counted as one byte). */
export function fixMessage(body: ReadonlyArray<readonly [string, string]>, delimiter: '\x01' | '|' = '\x01'): string {
  const soh = '\x01';
  const bodyText = body.map(([tag, value]) => `${tag}=${value}${soh}`).join('');
  const head = `8=FIX.4.4${soh}9=${Buffer.byteLength(bodyText)}${soh}`;
  const sum = [...Buffer.from(head + bodyText)].reduce((total, byte) => total + byte, 0) % 256;
  return `${head}${bodyText}10=${String(sum).padStart(3, '0')}${soh}`.replaceAll(soh, delimiter);
}

/** FIX UTCTimestamp with milliseconds. */
function fixTime(ms: number): string {
  return new Date(ms).toISOString().replace(/-/g, '').replace('T', '-').replace('Z', '');
}
