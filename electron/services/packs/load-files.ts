import { csvLine, defuseFormula } from '../csv-cells';

/**
 * E-discovery load files for a pack: a CSV index (RFC 4180) and a Concordance DAT, every cell through
 * the one CSV cell writer (csv-cells.ts), so neither holds a formula a spreadsheet would run. The DAT uses
 * the Concordance defaults: field separator DC4 (U+0014), text qualifier þ (U+00FE), newline inside
 * a field ® (U+00AE), a header row, UTF-8 with a byte order mark so review tools detect the encoding.
 */

export type LoadFileRow = Readonly<Record<string, string>>;

export const DAT_SEPARATOR = '\u0014';
export const DAT_QUALIFIER = '\u00fe';
export const DAT_NEWLINE = '\u00ae';

export function formatCsv(columns: ReadonlyArray<string>, rows: ReadonlyArray<LoadFileRow>): string {
  return csvLine(columns) + rows.map((row) => csvRow(columns, row)).join('');
}

/** One CSV line (a pack's load files are written row by row, however many recordings it holds). */
export function csvRow(columns: ReadonlyArray<string>, row: LoadFileRow): string {
  return csvLine(columns.map((c) => row[c] ?? ''));
}

function datCell(value: string): string {
  // The qualifier and separator cannot be escaped in Concordance: they are removed from values.
  const clean = defuseFormula(value).replace(/\r\n|\r|\n/g, DAT_NEWLINE).replaceAll(DAT_QUALIFIER, '').replaceAll(DAT_SEPARATOR, ' ');
  return `${DAT_QUALIFIER}${clean}${DAT_QUALIFIER}`;
}

const datLine = (cells: ReadonlyArray<string>) => `${cells.map(datCell).join(DAT_SEPARATOR)}\r\n`;

export function formatDat(columns: ReadonlyArray<string>, rows: ReadonlyArray<LoadFileRow>): string {
  return `${datHeader(columns)}${rows.map((row) => datRow(columns, row)).join('')}`;
}

/** The DAT's start: byte order mark and header row. */
export function datHeader(columns: ReadonlyArray<string>): string {
  return `\ufeff${datLine(columns)}`;
}

export function datRow(columns: ReadonlyArray<string>, row: LoadFileRow): string {
  return datLine(columns.map((c) => row[c] ?? ''));
}

/** Parses a DAT written by formatDat (for the verifier and tests). */
export function parseDat(text: string): Array<Array<string>> {
  return text
    .replace(/^\ufeff/, '')
    .split('\r\n')
    .filter((line) => line !== '')
    .map((line) => line.split(DAT_SEPARATOR).map((cell) => cell.slice(1, -1).replaceAll(DAT_NEWLINE, '\n')));
}
