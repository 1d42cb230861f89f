import type { AppErrorPayload } from '../../shared/errors';

export type Output = {
  json: boolean;
  /** A result: pretty text for people, one JSON document for programs. */
  result(value: unknown, human: () => string): void;
  /** Progress and notes go to stderr so stdout stays clean for the result. */
  note(text: string): void;
  error(payload: AppErrorPayload): void;
};

export function createOutput(json: boolean, streams = { out: process.stdout, err: process.stderr }): Output {
  return {
    json,
    result(value, human) {
      streams.out.write(json ? `${JSON.stringify(value)}\n` : `${human()}\n`);
    },
    note(text) {
      if (!json) streams.err.write(`${text}\n`);
    },
    error(payload) {
      streams.err.write(json ? `${JSON.stringify({ error: payload })}\n` : `custody: ${payload.message}\n`);
    },
  };
}

/** Fixed-width table for terminal output. */
export function table(headers: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: ReadonlyArray<string>) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
