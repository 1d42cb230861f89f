/**
 * The one writer of cells for every CSV and DAT file Custody produces (the bulk manifest.csv, a
 * pack's data/index.csv and data/loadfile.dat). Values come from Genesys and officers, so a cell a
 * spreadsheet would run as a formula gets a leading apostrophe (OWASP "CSV injection"): any cell
 * starting with =, +, -, @, tab or CR, with no exemption for numbers ("-2+3+cmd|..." starts with
 * "-2" too).
 */

const FORMULA_START = /^[=+\-@\t\r]/;

/** The cell's text with a leading apostrophe when a spreadsheet would read it as a formula. */
export function defuseFormula(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  return FORMULA_START.test(text) ? `'${text}` : text;
}

/** One RFC 4180 CSV cell: defused, then quoted when it holds a quote, comma or line break. */
export function csvCell(value: unknown): string {
  const text = defuseFormula(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One CSV record, CRLF-terminated. */
export function csvLine(cells: ReadonlyArray<unknown>): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}
