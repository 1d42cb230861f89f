import type { LogFields, Logger, LogLevel } from '../../shared/logger';

export type LogEntry = { level: LogLevel; scope: string; message: string; fields: LogFields | undefined };

/** A logger that keeps what it was told, so tests can assert on it (and on what it must never contain). */
export class MemoryLogger implements Logger {
  constructor(
    readonly entries: Array<LogEntry> = [],
    private readonly scope = 'test',
  ) {}
  debug(message: string, fields?: LogFields): void {
    this.entries.push({ level: 'debug', scope: this.scope, message, fields });
  }
  info(message: string, fields?: LogFields): void {
    this.entries.push({ level: 'info', scope: this.scope, message, fields });
  }
  warn(message: string, fields?: LogFields): void {
    this.entries.push({ level: 'warn', scope: this.scope, message, fields });
  }
  error(message: string, fields?: LogFields): void {
    this.entries.push({ level: 'error', scope: this.scope, message, fields });
  }
  child(scope: string): Logger {
    return new MemoryLogger(this.entries, `${this.scope}/${scope}`);
  }
  text(): string {
    return this.entries.map((e) => `${e.level} ${e.scope} ${e.message} ${JSON.stringify(e.fields ?? {})}`).join('\n');
  }
}
