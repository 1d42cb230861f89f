import { tradingIdSchema } from '../../../shared/domain';
import type { InputProblem } from '../../../shared/jobs';
import { escapeUnsafeText } from '../../../shared/unsafe-text';

export type TradingIdRow = { line: number; tradingId: string };

export type ParsedTradingIds = { rows: Array<TradingIdRow>; problems: Array<InputProblem> };

const HEADER = /^trading[ _-]?id$/i;

/**
 * Reads trading IDs from CSV text: one per line in the first column, or in a column headed
 * "trading_id" (any other columns are ignored). Blank lines and lines starting with # are skipped.
 * Every row that cannot be used is reported with its line number and why; the rest proceed.
 */
export function parseTradingIdsCsv(text: string): ParsedTradingIds {
  const rows: Array<TradingIdRow> = [];
  const problems: Array<InputProblem> = [];
  const firstLine = new Map<string, number>();
  let column = 0;
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/);
  const headerLine = firstDataLine(lines);
  for (let index = 0; index < lines.length; index += 1) {
    const line = index + 1;
    const raw = lines[index]!;
    if (raw.trim() === '' || raw.trimStart().startsWith('#')) continue;
    const fields = splitCsvLine(raw);
    if (fields === null) {
      problems.push({ line, value: shorten(raw), problem: 'malformed CSV: a quoted field is not closed' });
      continue;
    }
    if (line === headerLine) {
      const header = fields.findIndex((f) => HEADER.test(f.trim()));
      if (header >= 0) {
        column = header;
        continue;
      }
    }
    const value = fields[column];
    if (value === undefined) {
      problems.push({ line, value: shorten(raw), problem: `no column ${column + 1} on this line` });
      continue;
    }
    const parsed = tradingIdSchema.safeParse(value);
    if (!parsed.success) {
      const problem = value.trim() === '' ? 'empty trading ID' : `not a trading ID: ${parsed.error.issues[0]?.message ?? 'invalid'}`;
      problems.push({ line, value: shorten(value), problem });
      continue;
    }
    const key = parsed.data.toUpperCase();
    const earlier = firstLine.get(key);
    if (earlier !== undefined) {
      problems.push({ line, value: parsed.data, problem: `duplicate of line ${earlier}; retrieved once`, duplicateOf: earlier });
      continue;
    }
    firstLine.set(key, line);
    rows.push({ line, tradingId: parsed.data });
  }
  return { rows, problems };
}

/** RFC 4180 fields of one line; null when a quoted field does not close on the line. */
export function splitCsvLine(line: string): Array<string> | null {
  const fields: Array<string> = [];
  let field = '';
  let quoted = false;
  let fieldStart = true;
  for (let i = 0; i < line.length; i += 1) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        field += '"';
        i += 1;
      } else if (ch === '"') {
        quoted = false;
      } else {
        field += ch;
      }
    } else if (ch === '"' && fieldStart) {
      quoted = true;
      fieldStart = false;
    } else if (ch === ',') {
      fields.push(field);
      field = '';
      fieldStart = true;
    } else {
      field += ch;
      if (ch !== ' ' && ch !== '\t') fieldStart = false;
    }
  }
  if (quoted) return null;
  fields.push(field);
  return fields;
}

function firstDataLine(lines: ReadonlyArray<string>): number {
  const index = lines.findIndex((l) => l.trim() !== '' && !l.trimStart().startsWith('#'));
  return index + 1;
}

function shorten(value: string): string {
  const printable = escapeUnsafeText(value);
  return printable.length > 80 ? `${printable.slice(0, 77)}...` : printable;
}
