import { readFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { caseReferenceSchema } from '../../../shared/domain';
import { jobApis, type JobApi } from '../../../shared/jobs';
import { unsafeTextFreeJson } from '../../../shared/unsafe-text';
import { parseTradingIdsCsv } from '../../services/bulk/trading-ids-input';
import type { JobSelectionRequest } from '../../services/bulk/bulk-jobs';
import { AppError, describeCause, ValidationError } from '../../services/errors';
import { intFlag, isoFlag, parseFlags, requireFlag } from '../args';
import { withEngine, type CommandContext } from '../context';
import { inputReportText, runWithProgress } from '../job-progress';

const usage =
  'custody retrieve (--trading-ids FILE | --queue Q --from ISO --to ISO) --case REF --out DIR [--concurrency N] [--api auto|batch|per-conversation] [--unattended] [--json]\n' +
  '  FILE: CSV, trading IDs in the first column or under a "trading_id" header. With --trading-ids, --from/--to bound the\n' +
  '  index sync (default: the last 90 days). The job runs with the signed-in officer\'s Genesys token and waits for that\n' +
  '  officer if the sign-in is lost; --unattended runs it under the service account instead, naming the officer as who scheduled it.';

/**
 * `custody retrieve`: creates a bulk job and runs it here with a progress display. Every recording is
 * audited before its file is written. Exit 0: all retrieved; 2: finished with failed recordings or
 * unusable trading IDs (listed); 1: the job could not run (it can be resumed with `custody jobs resume ID`).
 */
export async function retrieveCommand(ctx: CommandContext, argv: ReadonlyArray<string>): Promise<number> {
  const flags = parseFlags(
    argv,
    {
      'trading-ids': { type: 'string' },
      queue: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      case: { type: 'string' },
      out: { type: 'string' },
      concurrency: { type: 'string' },
      api: { type: 'string' },
      unattended: { type: 'boolean' },
    },
    usage,
  );
  const file = flags.string('trading-ids');
  const queue = flags.string('queue');
  if ((file === undefined) === (queue === undefined)) throw new ValidationError(`Give either --trading-ids FILE or --queue Q.\n\nUsage: ${usage}`);
  const caseRef = caseReferenceSchema.safeParse(requireFlag(flags.string('case'), '--case', usage));
  if (!caseRef.success) throw new ValidationError(`--case: ${caseRef.error.issues[0]?.message}`);
  const outDir = resolve(requireFlag(flags.string('out'), '--out', usage));
  const concurrency = intFlag(flags.string('concurrency'), '--concurrency', { min: 1, max: 64 });
  const api = flags.string('api');
  if (api !== undefined && !(jobApis as ReadonlyArray<string>).includes(api)) throw new ValidationError(`--api must be one of ${jobApis.join(', ')}, not "${api}".`);
  const from = isoFlag(flags.string('from'), '--from');
  const to = isoFlag(flags.string('to'), '--to');

  let selection: JobSelectionRequest;
  if (file !== undefined) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      throw new ValidationError(`Cannot read ${file}: ${describeCause(error)}`);
    }
    const parsed = parseTradingIdsCsv(text);
    if (parsed.rows.length === 0) {
      if (parsed.problems.length > 0) ctx.output.note(inputReportText(parsed.problems));
      throw new ValidationError(`${file} holds no usable trading ID.`, { problems: parsed.problems });
    }
    selection = { kind: 'trading-ids', source: basename(file), rows: parsed.rows, problems: parsed.problems, ...(from ? { from } : {}), ...(to ? { to } : {}) };
  } else {
    selection = { kind: 'queue', queue: queue!, from: requireFlag(from, '--from', usage), to: requireFlag(to, '--to', usage) };
  }

  return withEngine(ctx, async (composed) => {
    let created;
    try {
      created = await composed.jobs.create({
        selection,
        caseReference: caseRef.data,
        outDir,
        ...(concurrency !== undefined ? { concurrency } : {}),
        ...(api !== undefined ? { api: api as JobApi } : {}),
        unattended: flags.bool('unattended'),
      });
    } catch (error) {
      const problems = error instanceof AppError ? error.details?.problems : undefined;
      if (Array.isArray(problems) && problems.length > 0) ctx.output.note(inputReportText(problems));
      throw error;
    }
    const { job, problems } = created;
    if (problems.length > 0) {
      if (ctx.output.json) process.stdout.write(`${unsafeTextFreeJson({ event: 'input-report', jobId: job.id, problems })}\n`);
      else ctx.output.note(inputReportText(problems));
    }
    ctx.output.note(`Job ${job.id}: ${job.counts.total} recording(s) to retrieve into ${job.outDir}`);
    return runWithProgress(ctx, composed, job.id);
  });
}
