import type { PublishSummary } from '../../services/catalog/catalog-publisher';
import { ValidationError } from '../../services/errors';
import { parseFlags } from '../args';
import { withEngine, type CommandContext } from '../context';
import { table } from '../output';

const usage = 'custody catalog publish | sync | stats [--json]';

/**
 * `custody catalog`: the firm's shared catalog in the archive bucket. `publish` (the archiver, under the service
 * account; also run after `custody archive`) writes the index as Parquet with a locked manifest; `sync` applies
 * what is new to this workstation's index; `stats` gives volumes per desk and days without calls (DuckDB).
 */
export async function catalogCommand(ctx: CommandContext, argv: ReadonlyArray<string>): Promise<number> {
  const flags = parseFlags(argv, {}, usage);
  const [action, ...extra] = flags.positionals;
  if (extra.length > 0 || !action || !['publish', 'sync', 'stats'].includes(action)) throw new ValidationError(`Unknown catalog action "${action ?? ''}".\n\nUsage: ${usage}`);
  if (action === 'publish') {
    const summary = await withEngine(ctx, async (composed) => (await composed.catalog.publisher()).publish());
    ctx.output.result(summary, () => publishLines(summary));
    return 0;
  }
  if (action === 'sync') {
    const summary = await withEngine(ctx, async (composed) => (await composed.catalog.sync()).sync());
    ctx.output.result(summary, () =>
      summary.upToDate
        ? `The catalog in "${summary.bucket}" is up to date (manifest ${summary.seq ?? 'none'}).`
        : `Applied catalog manifest ${summary.seq} from "${summary.bucket}" (was ${summary.fromSeq ?? 'none'}): ${summary.partsRead} new part(s), ${summary.rowsApplied} row(s).`,
    );
    return 0;
  }
  const stats = await withEngine(ctx, async (composed) => (await composed.catalog.sync()).stats());
  ctx.output.result(stats, () =>
    [
      `Catalog manifest ${stats.seq ?? 'none'}: ${stats.calls} calls over ${stats.days} day(s), ${stats.recordings} recordings, ${stats.archived} archived`,
      `  days without any call: ${stats.gaps.length ? stats.gaps.join(', ') : 'none'}`,
      ...(stats.perQueue.length
        ? ['', table(['desk (queue)', 'calls', 'recordings', 'archived'], stats.perQueue.map((q) => [q.queue, String(q.calls), String(q.recordings), String(q.archived)]))]
        : []),
    ].join('\n'),
  );
  return 0;
}

export function publishLines(summary: PublishSummary): string {
  if (!summary.published) {
    return summary.seq === null ? `Nothing to publish: the index is empty.` : `The catalog in "${summary.bucket}" is current (manifest ${summary.seq}); nothing published.`;
  }
  return [
    `Published catalog manifest ${summary.seq} (${summary.manifestKey}) into "${summary.bucket}": ${summary.rows} row(s) over ${summary.days} day(s), ${summary.newParts.length} new part(s)`,
    `  audited as ${summary.auditEventId}`,
  ].join('\n');
}
