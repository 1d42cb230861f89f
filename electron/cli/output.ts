import type { AppErrorPayload } from '../../shared/errors';
import { escapeUnsafeText, unsafeTextFreeJson } from '../../shared/unsafe-text';

export type Output = {
  json: boolean;
  /** A result: pretty text for people, one JSON document for programs. */
  result(value: unknown, human: () => string): void;
  /** Progress and notes go to stderr so stdout stays clean for the result. */
  note(text: string): void;
  error(payload: AppErrorPayload): void;
};

/**
 * Every line the CLI prints holds text from outside (Genesys names and attributes, pack metadata,
 * error text), so control and bidi characters are printed as visible escapes: an OSC or erase-line
 * sequence or U+202E shows as `\x1b]…` or `\u202e`, never acts on the terminal.
 */
export function createOutput(json: boolean, streams = { out: process.stdout, err: process.stderr }): Output {
  const text = (value: string) => `${escapeUnsafeText(value, { keepNewlines: true })}\n`;
  return {
    json,
    result(value, human) {
      streams.out.write(json ? `${unsafeTextFreeJson(value)}\n` : text(human()));
    },
    note(note) {
      if (!json) streams.err.write(text(note));
    },
    error(payload) {
      streams.err.write(json ? `${unsafeTextFreeJson({ error: payload })}\n` : text(`custody: ${payload.message}`));
    },
  };
}

/** Fixed-width table for terminal output; cells escaped first so that the columns line up. */
export function table(headers: ReadonlyArray<string>, unsafeRows: ReadonlyArray<ReadonlyArray<string>>): string {
  const rows = unsafeRows.map((r) => r.map((cell) => escapeUnsafeText(cell)));
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: ReadonlyArray<string>) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
