import { parse } from 'csv-parse/sync';
import { ValidationError } from '../errors';
import { BLOTTER_COLUMNS, BlotterRows, quoted, type BlotterColumn, type BlotterFields, type ParsedBlotter } from './blotter-rows';

/**
 * A CSV blotter (RFC 4180, read by csv-parse): a header row, then one trade per row. Columns are
 * matched by name, ignoring case and surrounding spaces; a mapping renames the firm's columns to
 * ours. Columns Custody does not know are kept in the row's `raw` with the rest. A formula-looking
 * cell is data like any other (escaping is for output, by csv-cells.ts).
 */

/** Without these the file cannot make a trade: refused whole, before any row. */
const REQUIRED_COLUMNS: ReadonlyArray<BlotterColumn> = ['trade_id', 'executed_at', 'trader', 'channel'];

/** A mapping file's content, checked: `{ "<their column>": "<our column>" }`, every target one of ours, each once. */
export function checkedMapping(mapping: unknown): Map<string, BlotterColumn> {
  if (typeof mapping !== 'object' || mapping === null || Array.isArray(mapping)) {
    throw new ValidationError('The mapping must be a JSON object: { "<blotter column>": "<Custody column>" }.');
  }
  const checked = new Map<string, BlotterColumn>();
  const sourceOf = new Map<BlotterColumn, string>();
  for (const [theirs, ours] of Object.entries(mapping)) {
    if (typeof ours !== 'string' || !(BLOTTER_COLUMNS as ReadonlyArray<string>).includes(ours.trim())) {
      throw new ValidationError(`The mapping renames ${quoted(theirs)} to ${quoted(String(ours))}, which is not a Custody column (${BLOTTER_COLUMNS.join(', ')}).`);
    }
    const target = ours.trim() as BlotterColumn;
    const other = sourceOf.get(target);
    if (other !== undefined) throw new ValidationError(`The mapping renames both ${quoted(other)} and ${quoted(theirs)} to ${target}.`);
    sourceOf.set(target, theirs);
    checked.set(headerKey(theirs), target);
  }
  return checked;
}

/** Reads a CSV blotter's text (decoded, see blotterText): its trades, and each bad row with its line and why. */
export function parseBlotterCsv(text: string, mapping: unknown = {}): ParsedBlotter {
  const renames = checkedMapping(mapping);
  const rows = new BlotterRows();
  let lastLine = 0;
  const firstLines: Array<number> = [];
  const records = parse(text.replace(/\r\n?/g, '\n'), {
    relax_quotes: true,
    relax_column_count: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    on_record: (cells, context) => {
      lastLine = context.lines;
      // context.lines is the record's last line; a quoted field's line breaks put its first line earlier.
      firstLines.push(context.lines - cells.reduce((breaks, cell) => breaks + (cell.match(/\n/g)?.length ?? 0), 0));
      return cells;
    },
    on_skip: (error) => {
      if (error) rows.reject(lastLine + 1, `the CSV cannot be read from here on: ${error.message}`);
      return undefined;
    },
  });
  const [header, ...body] = records.map((cells, index) => ({ cells, line: firstLines[index]! }));
  if (!header) throw new ValidationError('The blotter is empty: a header row naming the columns is required.');
  const columns = columnsOf(header.cells, renames);
  for (const { cells, line } of body) {
    if (cells.length !== header.cells.length) {
      rows.reject(line, `${cells.length} cells where the header has ${header.cells.length}: a cell is missing, extra, or holds an unquoted comma`);
      continue;
    }
    const fields: BlotterFields = {};
    const raw: Record<string, string> = {};
    cells.forEach((cell, index) => {
      raw[header.cells[index]!] = cell;
      const column = columns[index];
      if (column) fields[column] = cell;
    });
    rows.add(line, fields, raw);
  }
  return rows.result();
}

/** Which Custody column each header cell is (renamed by the mapping first), or null for columns kept only in `raw`. */
function columnsOf(headerCells: ReadonlyArray<string>, renames: ReadonlyMap<string, BlotterColumn>): Array<BlotterColumn | null> {
  const seen = new Set<string>();
  const columns = headerCells.map((cell) => {
    const key = headerKey(cell);
    if (key === '') throw new ValidationError('The header row has an empty column name.');
    if (seen.has(key)) throw new ValidationError(`The header row names the column ${quoted(cell)} twice.`);
    seen.add(key);
    const column = renames.get(key) ?? (BLOTTER_COLUMNS as ReadonlyArray<string>).find((c) => c === key) ?? null;
    return column as BlotterColumn | null;
  });
  const twice = columns.find((column, index) => column !== null && columns.indexOf(column) !== index);
  if (twice) throw new ValidationError(`Two columns of the header become ${twice} (after the mapping): keep one.`);
  const missing = REQUIRED_COLUMNS.filter((column) => !columns.includes(column));
  if (missing.length > 0) {
    throw new ValidationError(
      `The header row has no ${missing.join(', ')} column (it has ${headerCells.map((c) => quoted(c)).join(', ')}): name them so, or rename the firm's columns with a mapping file.`,
    );
  }
  return columns;
}

const headerKey = (cell: string) => cell.trim().toLowerCase();
