import type { JobSummary } from '../../../shared/jobs';
import { describeRunAs, describeSelection } from '../../services/bulk/bulk-jobs';
import { ValidationError } from '../../services/errors';
import { parseFlags } from '../args';
import { withEngine, type CommandContext } from '../context';
import { formatBytes } from '../../../shared/quantities';
import { inputReportText, resultText, runWithProgress } from '../job-progress';
import { table } from '../output';

const usage = 'custody jobs list | show ID | resume ID | pause ID | cancel ID [--json]   (ID: the job id or a unique prefix of 6+ characters)';

/** `custody jobs`: lists and inspects bulk jobs, and resumes, pauses or cancels one (also one running in another process). */
export async function jobsCommand(ctx: CommandContext, argv: ReadonlyArray<string>): Promise<number> {
  const flags = parseFlags(argv, {}, usage);
  const [action, id, ...extra] = flags.positionals;
  if (extra.length > 0) throw new ValidationError(`Unexpected arguments: ${extra.join(' ')}\n\nUsage: ${usage}`);
  if (action === 'list') {
    if (id !== undefined) throw new ValidationError(`"jobs list" takes no id.\n\nUsage: ${usage}`);
    return withEngine(ctx, async ({ jobs }) => {
      const list = await jobs.list();
      ctx.output.result({ jobs: list }, () => listText(list));
      return 0;
    });
  }
  if (action !== 'show' && action !== 'resume' && action !== 'pause' && action !== 'cancel') {
    throw new ValidationError(`Unknown or missing action${action ? ` "${action}"` : ''}.\n\nUsage: ${usage}`);
  }
  if (!id) throw new ValidationError(`"jobs ${action}" needs a job id.\n\nUsage: ${usage}`);
  return withEngine(ctx, async (composed) => {
    const jobId = await composed.jobs.resolveId(id);
    if (action === 'resume') return runWithProgress(ctx, composed, jobId);
    if (action === 'show') {
      const detail = await composed.jobs.detail(jobId);
      ctx.output.result(detail, () =>
        [
          resultText(detail),
          `selection: ${describeSelection(detail.selection)}; case ${detail.caseReference}; api ${detail.api}; concurrency ${detail.concurrency}`,
          `runs as: ${describeRunAs(detail.runAs ?? null)}`,
          `created ${detail.createdAt}; updated ${detail.updatedAt}${detail.finishedAt ? `; finished ${detail.finishedAt}` : ''}`,
          ...(detail.inputReport.length > 0 ? [inputReportText(detail.inputReport)] : []),
        ].join('\n'),
      );
      return 0;
    }
    const summary = action === 'pause' ? await composed.jobs.pause(jobId) : await composed.jobs.cancel(jobId);
    ctx.output.result(summary, () => `Job ${summary.id}: ${summary.state}${summary.message ? ` - ${summary.message}` : ''}`);
    return 0;
  });
}

function listText(jobs: ReadonlyArray<JobSummary>): string {
  if (jobs.length === 0) return 'No bulk jobs yet. Start one with "custody retrieve".';
  return table(
    ['job', 'state', 'retrieved', 'failed', 'archived', 'size', 'created (UTC)', 'case', 'output folder'],
    jobs.map((j) => [
      j.id.slice(0, 8),
      j.state,
      `${j.counts.done}/${j.counts.total}`,
      String(j.counts.failed),
      String(j.counts.archived),
      formatBytes(j.bytes),
      j.createdAt.replace('T', ' ').slice(0, 19),
      j.caseReference,
      j.outDir,
    ]),
  );
}
