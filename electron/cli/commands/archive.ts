import type { ArchiveItemResult } from '../../../shared/archive';
import { describeCause } from '../../services/errors';
import { isoFlag, parseFlags } from '../args';
import { withEngine, type CommandContext } from '../context';
import { table } from '../output';
import { publishLines } from './catalog';

const usage = 'custody archive [--since ISO] [--until ISO] [--json]';

/**
 * `custody archive`: the nightly copy of recordings into the WORM archive bucket. Without --since it
 * continues a day before where the last completed run ended (30 days back on the first run).
 * Then publishes the catalog. Exit 0 when everything in the window is archived and the catalog published, 2 when
 * something is left for the next run.
 */
export async function archiveCommand(ctx: CommandContext, argv: ReadonlyArray<string>): Promise<number> {
  const flags = parseFlags(argv, { since: { type: 'string' }, until: { type: 'string' } }, usage);
  const since = isoFlag(flags.string('since'), '--since');
  const until = isoFlag(flags.string('until'), '--until');
  const { summary, catalog } = await withEngine(ctx, async (composed) => {
    const job = await composed.archive.job({ onItem: (item, done, total) => ctx.output.note(progressLine(item, done, total)) });
    const run = await job.run({ ...(since ? { sinceMs: Date.parse(since) } : {}), ...(until ? { untilMs: Date.parse(until) } : {}) });
    // The firm's workstations search what this run indexed and archived through the catalog.
    try {
      return { summary: run, catalog: { ok: true as const, result: await (await composed.catalog.publisher()).publish() } };
    } catch (error) {
      return { summary: run, catalog: { ok: false as const, error: describeCause(error) } };
    }
  });
  if (catalog.ok) ctx.output.note(publishLines(catalog.result));
  else ctx.output.note(`The catalog was not published (the next run publishes it): ${catalog.error}`);
  ctx.output.result({ ...summary, catalog: catalog.ok ? catalog.result : { error: catalog.error } }, () => {
    const problems = summary.items.filter((i) => i.outcome === 'failed' || i.outcome === 'skipped');
    return [
      `Archive run ${summary.runId} into "${summary.bucket}", ${summary.since} .. ${summary.until}: ${summary.state}`,
      `  ${summary.counts.archived} archived (${(summary.bytes / 1e6).toFixed(1)} MB), ${summary.counts.alreadyArchived} already there, ` +
        `${summary.counts.failed} failed, ${summary.counts.skipped} skipped, of ${summary.counts.considered}; ${summary.counts.untagged} without a trading id (archived under untagged/)`,
      `  audited as ${summary.auditEventIds.join(', ') || '(nothing read)'}`,
      ...(summary.stopped ? [`  stopped early: ${summary.stopped}`] : []),
      ...(problems.length > 0 ? ['', table(['recording', 'conversation', 'outcome', 'reason'], problems.map((p) => [p.recordingId, p.conversationId, p.outcome, p.reason ?? '']))] : []),
    ].join('\n');
  });
  return summary.state === 'done' && catalog.ok ? 0 : 2;
}

function progressLine(item: ArchiveItemResult, done: number, total: number): string {
  const size = item.bytes === null ? '' : ` ${(item.bytes / 1e6).toFixed(1)} MB${item.multipart ? ' (multipart)' : ''}`;
  return `[${done}/${total}] ${item.outcome.padEnd(16)} ${item.tradingId ?? 'untagged'} ${item.recordingId}${size}${item.reason ? ` - ${item.reason}` : ''}`;
}
