import type { Logger } from '../../../shared/logger';
import { AppError, describeCause } from '../errors';

/** Work the audit parts start without waiting (checkpoints, consistency checks); failures are logged, `flush` awaits it all. */
export class BackgroundWork {
  private readonly running = new Set<Promise<unknown>>();

  constructor(private readonly logger: Logger) {}

  start(work: Promise<unknown>, what: string): void {
    const tracked = (async () => {
      try {
        await work;
      } catch (error) {
        this.logger.warn(`${what} failed`, { cause: describeCause(error), code: error instanceof AppError ? error.code : undefined });
      }
    })();
    this.running.add(tracked);
    void (async () => {
      await tracked;
      this.running.delete(tracked);
    })();
  }

  /** Resolves when the work started so far (and any it started meanwhile) is done. */
  async flush(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }
}
