import type { ArchiveItemResult } from '../../../shared/archive';
import { isoFlag, parseFlags } from '../args';
import { withEngine, type CommandContext } from '../context';
import { table } from '../output';

const usage = 'custody archive [--since ISO] [--until ISO] [--json]';

/**
 * `custody archive`: the nightly copy of recordings into the WORM archive bucket. Without --since it
 * continues a day before where the last completed run ended (30 days back on the first run).
 * Exit 0 when everything in the window is archived, 2 when something is left for the next run.
 */
export async function archiveCommand(ctx: CommandContext, argv: ReadonlyArray<string>): Promise<number> {
  const flags = parseFlags(argv, { since: { type: 'string' }, until: { type: 'string' } }, usage);
  const since = isoFlag(flags.string('since'), '--since');
  const until = isoFlag(flags.string('until'), '--until');
  const summary = await withEngine(ctx, async (composed) => {
    const job = await composed.archive.job({ onItem: (item, done, total) => ctx.output.note(progressLine(item, done, total)) });
    return job.run({ ...(since ? { sinceMs: Date.parse(since) } : {}), ...(until ? { untilMs: Date.parse(until) } : {}) });
  });
  ctx.output.result(summary, () => {
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
  return summary.state === 'done' ? 0 : 2;
}

function progressLine(item: ArchiveItemResult, done: number, total: number): string {
  const size = item.bytes === null ? '' : ` ${(item.bytes / 1e6).toFixed(1)} MB${item.multipart ? ' (multipart)' : ''}`;
  return `[${done}/${total}] ${item.outcome.padEnd(16)} ${item.tradingId ?? 'untagged'} ${item.recordingId}${size}${item.reason ? ` - ${item.reason}` : ''}`;
}
