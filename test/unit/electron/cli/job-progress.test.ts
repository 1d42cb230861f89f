import { describe, expect, it } from 'vitest';
import { createProgressDisplay, exitCodeFor, formatEta, progressLine } from '../../../../electron/cli/job-progress';
import type { JobProgress } from '../../../../shared/jobs';

const progress: JobProgress = {
  id: 'job-1',
  state: 'running',
  message: null,
  caseReference: 'FCA-1',
  selection: { kind: 'queue', queue: 'FX', from: '2026-01-01T00:00:00.000Z', to: '2026-02-01T00:00:00.000Z' },
  outDir: '/out',
  api: 'auto',
  concurrency: 8,
  createdAt: '2026-11-01T00:00:00.000Z',
  updatedAt: '2026-11-01T00:00:00.000Z',
  finishedAt: null,
  counts: { total: 200, pending: 140, fetching: 4, done: 50, failed: 4, archived: 2 },
  bytes: 6_291_456,
  ratePerMinute: 2950.4,
  etaSeconds: 3725,
  inputProblems: 0,
  failures: [],
};

describe('job progress display', () => {
  it('draws done/total, rate, ETA, size and failures', () => {
    expect(progressLine(progress, true)).toBe('[#######.................] 56/200 recordings (50 retrieved)  28.0%  2950/min  ETA 1:02:05  6.0 MB  failures 6');
    expect(formatEta(65)).toBe('1:05');
    expect(formatEta(null)).toBe('--:--');
  });

  it('prints JSON lines with --json and redraws one line on a terminal', () => {
    const out: Array<string> = [];
    const err: Array<string> = [];
    const streams = (isTTY: boolean) => ({
      out: { write: (s: string) => out.push(s) } as unknown as NodeJS.WritableStream,
      err: Object.assign({ write: (s: string) => err.push(s) }, { isTTY }) as unknown as NodeJS.WritableStream & { isTTY: boolean },
    });
    const json = createProgressDisplay(true, streams(true));
    json.update(progress);
    expect(JSON.parse(out[0]!)).toMatchObject({ event: 'progress', id: 'job-1', counts: { done: 50 } });
    const tty = createProgressDisplay(false, streams(true));
    tty.update(progress);
    tty.update(progress);
    tty.end();
    expect(err).toEqual([`\r\x1b[2K${progressLine(progress, true)}`, `\r\x1b[2K${progressLine(progress, true)}`, '\n']);
  });

  it('exits 0 when all is retrieved, 2 with failures, 1 when the job could not finish', () => {
    expect(exitCodeFor({ state: 'done', inputReport: [] })).toBe(0);
    expect(exitCodeFor({ state: 'done-with-failures', inputReport: [] })).toBe(2);
    for (const state of ['paused', 'blocked', 'cancelled', 'interrupted', 'running'] as const) expect(exitCodeFor({ state, inputReport: [] })).toBe(1);
  });

  it('exits 2 when a requested trading ID could not be used, but not for a repeated row (retrieved once)', () => {
    const duplicate = { line: 3, value: 'T-1', problem: 'duplicate of line 2; retrieved once', duplicateOf: 2 };
    const unknown = { line: 4, value: 'T-9', problem: 'unknown trading ID: no call carries it' };
    expect(exitCodeFor({ state: 'done', inputReport: [duplicate] })).toBe(0);
    expect(exitCodeFor({ state: 'done', inputReport: [duplicate, unknown] })).toBe(2);
  });
});
