import type { Logger } from '../../shared/logger';
import { describeCause } from './errors';

/** What a host's engine offers for closing; the order in which they are used is `shutdown`'s. */
export type ShutdownPorts = {
  /** No new job, play or background check starts from now on. */
  stopAccepting(): void;
  /** Asks every running bulk job to pause after the recording it is on, and waits for them. */
  pauseJobs(): Promise<void>;
  /** When jobs overrun their budget: aborts what they are doing (items go back to pending). */
  stopJobs(): Promise<void>;
  /** Waits for audit appends already under way to reach the WORM log and the local tree. */
  drainAudit(): Promise<void>;
  /** Waits for a checkpoint (and any consistency check) already under way. */
  finishCheckpoints(): Promise<void>;
  /** Hands the SIEM the audit events still queued, within its own budget (what is left stays queued). */
  forwardAudit?(): Promise<void>;
  closeDatabase(): void | Promise<void>;
  closeLog?(): void | Promise<void>;
};

export type ShutdownBudgets = { pauseJobsMs: number; stopJobsMs: number; drainAuditMs: number; finishCheckpointsMs: number; closeLogMs: number };

export const defaultShutdownBudgets: ShutdownBudgets = { pauseJobsMs: 10_000, stopJobsMs: 5_000, drainAuditMs: 10_000, finishCheckpointsMs: 10_000, closeLogMs: 2_000 };

export type ShutdownStepReport = { step: string; outcome: 'done' | 'failed' | 'over budget'; ms: number };

/**
 * Closes an engine in order: stop accepting work, pause jobs at an item boundary, drain the audit
 * queue, finish checkpoints, close the database, close the log. A step that fails or overruns its
 * budget is logged and the next one runs: quitting never hangs on one stuck part.
 */
export async function shutdown(
  ports: ShutdownPorts,
  options: { logger: Logger; budgets?: Partial<ShutdownBudgets> },
): Promise<Array<ShutdownStepReport>> {
  const budgets = { ...defaultShutdownBudgets, ...options.budgets };
  const report: Array<ShutdownStepReport> = [];
  const step = async (name: string, budgetMs: number, run: () => void | Promise<void>): Promise<ShutdownStepReport> => {
    const started = performance.now();
    let outcome: ShutdownStepReport['outcome'];
    try {
      outcome = (await withinBudget((async () => run())(), budgetMs)) ? 'done' : 'over budget';
    } catch (error) {
      outcome = 'failed';
      options.logger.error('shutdown step failed; continuing', { step: name, error: describeCause(error) });
    }
    const entry = { step: name, outcome, ms: Math.round(performance.now() - started) };
    if (outcome === 'over budget') options.logger.warn('shutdown step overran its budget; continuing', { step: name, budgetMs });
    report.push(entry);
    return entry;
  };

  await step('stop accepting work', budgets.closeLogMs, ports.stopAccepting);
  const paused = await step('pause jobs at an item boundary', budgets.pauseJobsMs, ports.pauseJobs);
  if (paused.outcome !== 'done') await step('stop jobs', budgets.stopJobsMs, ports.stopJobs);
  await step('drain the audit queue', budgets.drainAuditMs, ports.drainAudit);
  await step('finish checkpoints', budgets.finishCheckpointsMs, ports.finishCheckpoints);
  if (ports.forwardAudit) await step('forward audit events to the SIEM', budgets.finishCheckpointsMs, ports.forwardAudit);
  await step('close the database', budgets.closeLogMs, ports.closeDatabase);
  options.logger.info('shutdown complete', { steps: report.map((r) => `${r.step}: ${r.outcome} (${r.ms} ms)`) });
  if (ports.closeLog) await step('close the log', budgets.closeLogMs, ports.closeLog);
  return report;
}

/** Resolves true when `work` settles within `budgetMs` (rethrowing its error), false when the budget ran out first. */
export async function withinBudget(work: Promise<unknown>, budgetMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), budgetMs);
  });
  try {
    const settled = (async () => {
      await work;
      return true as const;
    })();
    // Work that fails after its budget ran out is no longer anyone's to report.
    settled.catch(() => undefined);
    return await Promise.race([settled, expired]);
  } finally {
    clearTimeout(timer);
  }
}
