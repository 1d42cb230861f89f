import type { LogFields, Logger } from '../../shared/logger';

/** A logger that keeps what it was told, for assertions. */
export function recordingLogger(): Logger & { records: Array<{ level: string; message: string; fields?: LogFields }> } {
  const records: Array<{ level: string; message: string; fields?: LogFields }> = [];
  const make = (): Logger => ({
    debug: (message, fields) => records.push({ level: 'debug', message, ...(fields ? { fields } : {}) }),
    info: (message, fields) => records.push({ level: 'info', message, ...(fields ? { fields } : {}) }),
    warn: (message, fields) => records.push({ level: 'warn', message, ...(fields ? { fields } : {}) }),
    error: (message, fields) => records.push({ level: 'error', message, ...(fields ? { fields } : {}) }),
    child: () => make(),
  });
  return Object.assign(make(), { records });
}

/** Deterministic randomness for jitter: cycles through the given values. */
export function sequenceRandom(values: ReadonlyArray<number>): () => number {
  let i = 0;
  return () => values[i++ % values.length]!;
}
