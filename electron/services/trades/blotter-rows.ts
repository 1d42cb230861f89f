import { tradeSchema, type Trade } from '../../../shared/trades';
import { escapeUnsafeText } from '../../../shared/unsafe-text';
import { ValidationError } from '../errors';

/**
 * What both blotter parsers (CSV, FIX) share: the trade a row's fields make, each field checked with
 * tradeSchema and refused with a reason the officer can act on, and the file's rows collected with
 * duplicated trade ids refused. Pure: no file, no database.
 */

/** A blotter's columns in the default CSV layout, each a field of Trade. */
export const BLOTTER_COLUMNS = ['trade_id', 'executed_at', 'trader', 'client_account', 'instrument', 'side', 'quantity', 'price', 'channel'] as const;
export type BlotterColumn = (typeof BLOTTER_COLUMNS)[number];

/** A row's fields by column, as read (missing optional columns are absent). */
export type BlotterFields = Partial<Record<BlotterColumn, string>>;

/** A trade read from the file: its line (1-based) and every field exactly as read. */
export type BlotterRow = { line: number; trade: Trade; raw: Record<string, string> };
export type RejectedRow = { line: number; reason: string };
/** `skipped`: FIX messages that are not executions (other MsgTypes, order acknowledgements), counted, not rejected. */
export type ParsedBlotter = { rows: Array<BlotterRow>; rejected: Array<RejectedRow>; skipped: number };

/** FIX Side (54) values too: 1 buy, 2 sell, 5 sell short, 6 sell short exempt. */
const SIDES: Readonly<Record<string, 'buy' | 'sell'>> = { buy: 'buy', b: 'buy', '1': 'buy', sell: 'sell', s: 'sell', '2': 'sell', '5': 'sell', '6': 'sell' };
const NAIVE_TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/;

/** The trade a row's fields make, or why not (the first problem, naming the column and the value). */
export function tradeOfFields(fields: BlotterFields): { trade: Trade } | { reason: string } {
  const text = (column: BlotterColumn) => fields[column]?.trim() ?? '';
  const optional = (column: BlotterColumn) => (text(column) === '' ? null : text(column));
  for (const column of ['trade_id', 'executed_at', 'trader', 'channel'] as const) {
    if (text(column) === '') return { reason: `${column} is empty` };
  }
  const executedAt = text('executed_at');
  if (NAIVE_TIME.test(executedAt)) {
    return { reason: `executed_at ${quoted(executedAt)} has no UTC offset: without one (Z or +01:00) the time names no instant, so it cannot be set against the calls' times` };
  }
  const side = optional('side');
  const normalizedSide = side === null ? null : SIDES[side.toLowerCase()];
  if (normalizedSide === undefined) return { reason: `side ${quoted(side!)} is not buy, sell, B, S or FIX 1, 2, 5, 6` };
  const channel = text('channel').toLowerCase();
  if (channel !== 'voice' && channel !== 'electronic') return { reason: `channel ${quoted(text('channel'))} is neither voice nor electronic` };
  const parsed = tradeSchema.safeParse({
    tradeId: text('trade_id'),
    executedAt,
    trader: text('trader'),
    clientAccount: optional('client_account'),
    instrument: optional('instrument'),
    side: normalizedSide,
    quantity: optional('quantity'),
    price: optional('price'),
    channel,
  });
  if (parsed.success) return { trade: parsed.data };
  const issue = parsed.error.issues[0]!;
  const field = String(issue.path[0] ?? '');
  const column = COLUMN_OF_FIELD[field] ?? field;
  const value = fields[column as BlotterColumn];
  const what = field === 'executedAt' ? 'not an ISO 8601 date-time with its offset (e.g. 2026-11-26T10:15:00+01:00)' : issue.message;
  return { reason: `${column}${value === undefined ? '' : ` ${quoted(value)}`}: ${what}` };
}

/**
 * Collects a file's rows in order. A trade id seen earlier in the same file (compared as the index
 * does, ignoring case) is refused naming the first line: two rows for one trade is an error the
 * officer must see, not one silently overwriting the other.
 */
export class BlotterRows {
  private readonly rows: Array<BlotterRow> = [];
  private readonly rejected: Array<RejectedRow> = [];
  private readonly firstLine = new Map<string, number>();
  private skipped = 0;

  add(line: number, fields: BlotterFields, raw: Record<string, string>): void {
    const made = tradeOfFields(fields);
    if ('reason' in made) return this.reject(line, made.reason);
    const key = made.trade.tradeId.toUpperCase();
    const earlier = this.firstLine.get(key);
    if (earlier !== undefined) return this.reject(line, `trade ${quoted(made.trade.tradeId)} is already on line ${earlier}: one row per trade; correct the blotter and import it again`);
    this.firstLine.set(key, line);
    this.rows.push({ line, trade: made.trade, raw });
  }

  reject(line: number, reason: string): void {
    this.rejected.push({ line, reason });
  }

  skip(): void {
    this.skipped += 1;
  }

  result(): ParsedBlotter {
    return { rows: this.rows, rejected: this.rejected.sort((a, b) => a.line - b.line), skipped: this.skipped };
  }
}

/** A blotter's bytes as text: UTF-8 only (a byte-order mark tolerated), anything else refused whole. */
export function blotterText(content: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(content);
  } catch {
    throw new ValidationError('The blotter is not UTF-8 text: export it as UTF-8 (CSV UTF-8 in a spreadsheet) and import it again.');
  }
}

/** A value from the file, quoted and with control characters escaped, for a reason text. */
export function quoted(value: string): string {
  const shown = value.length > 80 ? `${value.slice(0, 80)}…` : value;
  return `"${escapeUnsafeText(shown)}"`;
}

const COLUMN_OF_FIELD: Readonly<Record<string, BlotterColumn>> = {
  tradeId: 'trade_id',
  executedAt: 'executed_at',
  trader: 'trader',
  clientAccount: 'client_account',
  instrument: 'instrument',
  side: 'side',
  quantity: 'quantity',
  price: 'price',
  channel: 'channel',
};
