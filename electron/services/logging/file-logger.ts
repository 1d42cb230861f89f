import { appendFileSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { LogFields, LogLevel, Logger } from '../../../shared/logger';
import type { SecretRedactor } from './redactor';

export type LogSink = (line: string) => void;

/**
 * JSON-lines log in `dir/custody.log`, rotated at `maxBytes` (one previous file kept as
 * custody.log.1). Writes are synchronous appends so that a crash keeps what was logged before it;
 * each line is small and written once.
 */
export function createSyncFileSink(dir: string, maxBytes = 5 * 1024 * 1024): LogSink {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, 'custody.log');
  let size = fileSize(file);
  return (line) => {
    if (size + line.length > maxBytes) {
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
    const record = redactor.redact({ time: new Date(now()).toISOString(), level, scope, message, ...fields });
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
