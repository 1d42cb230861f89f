import { mkdir, open, rename, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { LogFields, LogLevel, Logger } from '../../../shared/logger';
import type { SecretRedactor } from './redactor';

export type LogSink = (line: string) => void;

/** A log file written off the caller's turn: `write` only queues; `flush` and `close` wait for the disk. */
export type LogWriter = { write: LogSink; flush(): Promise<void>; close(): Promise<void> };

export type LogFileOptions = {
  /** Size at which custody.log is rotated to custody.log.1. */
  maxBytes?: number;
  /** Rotated files kept (custody.log.1 the newest): 10 of 5 MB, 50 MB in all, by default. */
  keep?: number;
  /** Queued bytes past which lines are dropped (and counted in the next line written) rather than held in memory. */
  maxQueuedBytes?: number;
};

/**
 * JSON-lines log in `dir/custody.log`. A log call never touches the disk on the caller's turn (it
 * would block Electron's main thread): lines are queued and one drain loop appends them in order,
 * as soon as the previous append is done, so a crash loses at most the lines still queued.
 */
export function createFileLogWriter(dir: string, options: LogFileOptions = {}): LogWriter {
  const { maxBytes = 5 * 1024 * 1024, keep = 10, maxQueuedBytes = 16 * 1024 * 1024 } = options;
  const file = join(dir, 'custody.log');
  let queue: Array<string> = [];
  let queuedBytes = 0;
  let dropped = 0;
  let handle: FileHandle | null = null;
  let size = 0;
  let draining: Promise<void> | null = null;
  let reportedFailure = false;

  const openFile = async (): Promise<FileHandle> => {
    if (handle) return handle;
    await mkdir(dir, { recursive: true, mode: 0o700 });
    handle = await open(file, 'a', 0o600);
    size = (await handle.stat()).size;
    return handle;
  };

  const rotate = async (): Promise<void> => {
    await closeFile();
    for (let n = keep - 1; n >= 1; n -= 1) await rename(`${file}.${n}`, `${file}.${n + 1}`).catch(ignoreMissing);
    await rename(file, `${file}.1`).catch(ignoreMissing);
  };

  const closeFile = async (): Promise<void> => {
    const open = handle;
    handle = null;
    await open?.close();
  };

  /** Appends the queue in batches, each cut where the file reaches maxBytes, until it is empty. */
  const drain = async (): Promise<void> => {
    while (queue.length > 0) {
      const lines = queue;
      queue = [];
      queuedBytes = 0;
      if (dropped > 0) {
        lines.unshift(`${JSON.stringify({ time: new Date().toISOString(), level: 'warn', scope: 'custody/log', message: `dropped ${dropped} log lines: the disk could not keep up`, dropped })}\n`);
        dropped = 0;
      }
      try {
        let batch = '';
        let batchBytes = 0;
        for (const line of lines) {
          const bytes = Buffer.byteLength(line);
          await openFile();
          if (size + batchBytes + bytes > maxBytes && size + batchBytes > 0) {
            if (batch !== '') await append(batch);
            batch = '';
            batchBytes = 0;
            await rotate();
            await openFile();
          }
          batch += line;
          batchBytes += bytes;
        }
        if (batch !== '') await append(batch);
      } catch (error) {
        // The log must not take the app down; say so once where an operator can still see it.
        await closeFile().catch(() => undefined);
        if (!reportedFailure) process.stderr.write(`custody: writing the log in ${dir} failed: ${error instanceof Error ? error.message : String(error)}\n`);
        reportedFailure = true;
      }
    }
  };

  const append = async (text: string): Promise<void> => {
    const target = await openFile();
    await target.appendFile(text);
    size += Buffer.byteLength(text);
  };

  const flush = async (): Promise<void> => {
    while (draining) await draining;
  };

  return {
    write: (line) => {
      if (queuedBytes + line.length > maxQueuedBytes) {
        dropped += 1;
        return;
      }
      queue.push(line);
      queuedBytes += line.length;
      draining ??= drain().finally(() => {
        draining = null;
      });
    },
    flush,
    close: async () => {
      await flush();
      await closeFile();
    },
  };
}

function ignoreMissing(error: unknown): void {
  if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
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
