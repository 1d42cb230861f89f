import { appendFileSync, existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { LogFields, LogLevel, Logger } from '../../../shared/logger';
import type { SecretRedactor } from './redactor';

export type LogSink = (line: string) => void;

/**
 * JSON-lines log in `dir/custody.log`, rotated at `maxBytes` with `keep` previous files
 * (custody.log.1 the newest, 50 MB in all by default). Writes are synchronous appends so that a
 * crash keeps what was logged before it; each line is small and written once.
 */
export function createSyncFileSink(dir: string, maxBytes = 5 * 1024 * 1024, keep = 10): LogSink {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, 'custody.log');
  let size = fileSize(file);
  return (line) => {
    if (size + line.length > maxBytes) {
      for (let n = keep - 1; n >= 1; n -= 1) if (existsSync(`${file}.${n}`)) renameSync(`${file}.${n}`, `${file}.${n + 1}`);
      renameSync(file, `${file}.1`);
      size = 0;
    }
    appendFileSync(file, line, { mode: 0o600 });
    size += Buffer.byteLength(line);
  };
}

function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

const levelOrder: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export function createLogger(options: {
  sink: LogSink;
  redactor: SecretRedactor;
  scope?: string;
  minLevel?: LogLevel;
  now?: () => number;
}): Logger {
  const { sink, redactor, scope = 'custody', minLevel = 'info', now = Date.now } = options;
  const write = (level: LogLevel, message: string, fields?: LogFields): void => {
    if (levelOrder[level] < levelOrder[minLevel]) return;
    // The record's own keys are written last so that no field can stand in for them.
    const own = { time: new Date(now()).toISOString(), level, scope, message };
    const record = redactor.redact({ ...own, ...fields, ...own });
    sink(`${JSON.stringify(record)}\n`);
  };
  return {
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
    child: (child) => createLogger({ ...options, scope: `${scope}/${child}` }),
  };
}

/** For tests and for hosts that have nowhere to write yet. */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
};
