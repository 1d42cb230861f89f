import { unmetRequests, type InputProblem, type JobDetail, type JobProgress, type JobSummary } from '../../shared/jobs';
import { formatBytes, formatClock } from '../../shared/quantities';
import { escapeUnsafeText, unsafeTextFreeJson } from '../../shared/unsafe-text';
import type { ComposedEngine } from '../services/composition/compose-engine';
import type { CommandContext } from './context';

type Streams = { out: NodeJS.WritableStream; err: NodeJS.WritableStream & { isTTY?: boolean } };

const BAR_WIDTH = 24;

/** `1:05:09` / `4:07` for an ETA in seconds. */
export const formatEta = (seconds: number | null): string => (seconds === null ? '--:--' : formatClock(seconds));

/** One line: bar, settled/total with the retrieved among them, percent of settled, rate, ETA, bytes, failures. */
export function progressLine(p: JobSummary, withBar: boolean): string {
  const finished = p.counts.done + p.counts.failed + p.counts.archived;
  const ratio = p.counts.total > 0 ? finished / p.counts.total : 0;
  const filled = Math.round(ratio * BAR_WIDTH);
  const bar = withBar ? `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ` : '';
  const failures = p.counts.failed + p.counts.archived;
  return [
    // The count and the percentage both cover every settled recording (retrieved, failed or archived).
    `${bar}${finished}/${p.counts.total} recordings (${p.counts.done} retrieved)`,
    `${(ratio * 100).toFixed(1)}%`,
    `${p.ratePerMinute === null ? '-' : Math.round(p.ratePerMinute)}/min`,
    `ETA ${formatEta(p.etaSeconds)}`,
    formatBytes(p.bytes),
    `failures ${failures}`,
  ].join('  ');
}

/**
 * Shows a job's progress: a redrawn bar on a terminal, JSON lines on stdout with --json, and a plain
 * line every few seconds otherwise (logs, pipes).
 */
export function createProgressDisplay(json: boolean, streams: Streams = { out: process.stdout, err: process.stderr }) {
  const tty = !json && streams.err.isTTY === true;
  let lastPlain = 0;
  let drawn = false;
  return {
    update(progress: JobProgress): void {
      if (json) {
        streams.out.write(`${unsafeTextFreeJson({ event: 'progress', ...progress })}\n`);
      } else if (tty) {
        streams.err.write(`\r\x1b[2K${escapeUnsafeText(progressLine(progress, true))}`);
        drawn = true;
      } else if (Date.now() - lastPlain >= 5_000) {
        lastPlain = Date.now();
        streams.err.write(`${escapeUnsafeText(progressLine(progress, false))}\n`);
      }
    },
    end(): void {
      if (drawn) streams.err.write('\n');
      drawn = false;
    },
  };
}

export function inputReportText(problems: ReadonlyArray<InputProblem>): string {
  return [`${problems.length} input row(s) not used:`, ...problems.map((p) => `  line ${p.line}: ${JSON.stringify(p.value)}: ${p.problem}`)].join('\n');
}

/** The end of a run in words, with every failed recording and why. */
export function resultText(detail: JobDetail): string {
  const { counts } = detail;
  const head = `Job ${detail.id}: ${detail.state} - ${counts.done} of ${counts.total} recordings retrieved (${formatBytes(detail.bytes)}) into ${detail.outDir}`;
  const lines = [head];
  if (detail.message) lines.push(detail.message);
  if (detail.failures.length > 0) {
    lines.push(`Not retrieved (${counts.failed} failed, ${counts.archived} archived):`);
    for (const f of detail.failures) lines.push(`  ${f.state.padEnd(8)} ${f.tradingId ?? '(no trading id)'}  ${f.conversationId}/${f.recordingId ?? '*'}  ${f.reason}`);
  }
  const unmet = unmetRequests(detail.inputReport);
  if (unmet.length > 0) {
    lines.push(`Requested but not retrievable (${unmet.length} input row(s)):`);
    for (const p of unmet) lines.push(`  line ${p.line}: ${JSON.stringify(p.value)}: ${p.problem}`);
  }
  if (counts.done > 0) lines.push(`Manifest: ${detail.outDir}/manifest.csv (SHA-256 of every file)`);
  return lines.join('\n');
}

/**
 * 0 everything asked for was retrieved; 2 finished, but some recordings failed or some requested
 * trading IDs could not be used (both listed); 1 the job could not run to its end.
 */
export function exitCodeFor(detail: Pick<JobDetail, 'state' | 'inputReport'>): number {
  if (detail.state === 'done') return unmetRequests(detail.inputReport).length > 0 ? 2 : 0;
  if (detail.state === 'done-with-failures') return 2;
  return 1;
}

/**
 * Runs a claimed job in this process with a progress display; Ctrl-C pauses it cleanly (a second
 * Ctrl-C quits at once, which is as safe as a kill: the job resumes).
 */
export async function runWithProgress(ctx: CommandContext, composed: Pick<ComposedEngine, 'jobs' | 'events'>, jobId: string): Promise<number> {
  const display = createProgressDisplay(ctx.output.json);
  const unsubscribe = composed.events.subscribe((event) => {
    if (event.kind === 'job.progress' && event.progress.id === jobId) display.update(event.progress);
  });
  // Ctrl-C or a stop signal pauses the job after the recordings under way; the command then ends
  // normally, and closing the engine drains the audit log and closes the database.
  let interrupts = 0;
  const onInterrupt = (signal: NodeJS.Signals) => {
    interrupts += 1;
    if (interrupts > 1) process.exit(1);
    ctx.output.note(`\nPausing the job after the recordings under way (${signal === 'SIGINT' ? 'Ctrl-C' : signal} again to quit at once)...`);
    const message = signal === 'SIGINT' ? 'Paused by the officer.' : `Custody was stopped (${signal}) while the job ran; resume it to continue.`;
    void composed.jobs.stopAll(message, { atItemBoundary: true });
  };
  process.on('SIGINT', onInterrupt);
  process.on('SIGTERM', onInterrupt);
  try {
    await composed.jobs.run(jobId);
  } finally {
    process.off('SIGINT', onInterrupt);
    process.off('SIGTERM', onInterrupt);
    unsubscribe();
    display.end();
  }
  const detail = await composed.jobs.detail(jobId);
  ctx.output.result({ event: 'result', ...detail }, () => resultText(detail));
  if (detail.state === 'paused' || detail.state === 'blocked') ctx.output.note(`Resume with: custody jobs resume ${detail.id}`);
  return exitCodeFor(detail);
}
