import { describe, expect, it } from 'vitest';
import { shutdown, withinBudget, type ShutdownPorts } from '../../../../electron/services/shutdown';
import { MemoryLogger } from '../../../helpers/memory-logger';

/** Ports that record when each step starts and ends; `hang` names steps that never finish. */
function recordingPorts(options: { hang?: ReadonlyArray<string>; fail?: ReadonlyArray<string> } = {}) {
  const calls: Array<string> = [];
  const step = (name: string) => async () => {
    calls.push(`${name}:start`);
    if (options.hang?.includes(name)) await new Promise(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 2));
    if (options.fail?.includes(name)) throw new Error(`${name} broke`);
    calls.push(`${name}:end`);
  };
  const ports: ShutdownPorts = {
    stopAccepting: () => {
      calls.push('stopAccepting');
    },
    pauseJobs: step('pauseJobs'),
    stopJobs: step('stopJobs'),
    drainAudit: step('drainAudit'),
    finishCheckpoints: step('finishCheckpoints'),
    closeDatabase: () => {
      calls.push('closeDatabase');
    },
    closeLog: step('closeLog'),
  };
  return { ports, calls };
}

describe('shutdown', () => {
  it('stops accepting work, pauses jobs, drains the audit queue, finishes checkpoints, closes the database, then the log, each after the last', async () => {
    const { ports, calls } = recordingPorts();
    const report = await shutdown(ports, { logger: new MemoryLogger() });
    expect(calls).toEqual([
      'stopAccepting',
      'pauseJobs:start',
      'pauseJobs:end',
      'drainAudit:start',
      'drainAudit:end',
      'finishCheckpoints:start',
      'finishCheckpoints:end',
      'closeDatabase',
      'closeLog:start',
      'closeLog:end',
    ]);
    expect(report.every((r) => r.outcome === 'done')).toBe(true);
  });

  it('stops jobs hard when pausing them overruns its budget, and a hung step never keeps the database open', async () => {
    const { ports, calls } = recordingPorts({ hang: ['pauseJobs', 'finishCheckpoints'] });
    const logger = new MemoryLogger();
    const started = performance.now();
    const report = await shutdown(ports, { logger, budgets: { pauseJobsMs: 30, stopJobsMs: 30, finishCheckpointsMs: 30 } });
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(calls).toEqual([
      'stopAccepting',
      'pauseJobs:start',
      'stopJobs:start',
      'stopJobs:end',
      'drainAudit:start',
      'drainAudit:end',
      'finishCheckpoints:start',
      'closeDatabase',
      'closeLog:start',
      'closeLog:end',
    ]);
    expect(report.map((r) => [r.step, r.outcome])).toEqual([
      ['stop accepting work', 'done'],
      ['pause jobs at an item boundary', 'over budget'],
      ['stop jobs', 'done'],
      ['drain the audit queue', 'done'],
      ['finish checkpoints', 'over budget'],
      ['close the database', 'done'],
      ['close the log', 'done'],
    ]);
    expect(logger.entries.filter((e) => e.level === 'warn').map((e) => e.fields?.step)).toEqual(['pause jobs at an item boundary', 'finish checkpoints']);
  });

  it('logs a failed step and goes on to close the database', async () => {
    const { ports, calls } = recordingPorts({ fail: ['drainAudit'] });
    const logger = new MemoryLogger();
    const report = await shutdown(ports, { logger });
    expect(calls).toContain('closeDatabase');
    expect(report.find((r) => r.step === 'drain the audit queue')?.outcome).toBe('failed');
    expect(logger.text()).toMatch(/shutdown step failed; continuing.*drainAudit broke/);
  });
});

describe('withinBudget', () => {
  it('is false when the budget runs out first, and work failing later is not an unhandled rejection', async () => {
    const late = new Promise((_resolve, reject) => setTimeout(() => reject(new Error('too late')), 30));
    expect(await withinBudget(late, 5)).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await expect(withinBudget(Promise.reject(new Error('at once')), 1_000)).rejects.toThrow('at once');
  });
});
