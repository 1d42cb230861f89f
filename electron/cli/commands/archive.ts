import type { ArchiveItemResult, ArchiveRunSummary } from '../../../shared/archive';
import type { ExportItemResult, ExportRunSummary } from '../../services/archive/export-ingest';
import type { ComposedEngine } from '../../services/composition/compose-engine';
import { describeCause, ValidationError } from '../../services/errors';
import { isoFlag, parseFlags, requireFlag } from '../args';
import { withEngine, type CommandContext } from '../context';
import { table } from '../output';
import { publishLines } from './catalog';

const usage = 'custody archive [--since ISO] [--until ISO] [--json] | custody archive --via export --from ISO --to ISO [--integration-id ID] [--json]';

/**
 * `custody archive`: the nightly copy of recordings into the WORM archive bucket. Without --since it
 * continues a day before where the last completed run ended (30 days back on the first run).
 * `--via export` has Genesys's recording export write the window into the bucket instead, and archives
 * through the API only what it did not deliver.
 * Either way, then publishes the catalog. Exit 0 when everything in the window is archived and the catalog
 * published, 2 when something is left for the next run.
 */
export async function archiveCommand(ctx: CommandContext, argv: ReadonlyArray<string>): Promise<number> {
  const flags = parseFlags(
    argv,
    { since: { type: 'string' }, until: { type: 'string' }, via: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, 'integration-id': { type: 'string' } },
    usage,
  );
  const via = flags.string('via') ?? 'api';
  if (via !== 'api' && via !== 'export') throw new ValidationError(`--via must be "api" or "export", not "${via}".\n\nUsage: ${usage}`);
  if (via === 'export') return archiveByExport(ctx, flags);
  const since = isoFlag(flags.string('since') ?? flags.string('from'), '--since');
  const until = isoFlag(flags.string('until') ?? flags.string('to'), '--until');
  const { summary, catalog } = await withEngine(ctx, async (composed) => {
    const job = await composed.archive.job({ onItem: (item, done, total) => ctx.output.note(progressLine(item, done, total)) });
    const run = await job.run({ ...(since ? { sinceMs: Date.parse(since) } : {}), ...(until ? { untilMs: Date.parse(until) } : {}) });
    return { summary: run, catalog: await publishCatalog(composed) };
  });
  reportCatalog(ctx, catalog);
  ctx.output.result({ ...summary, catalog: catalog.ok ? catalog.result : { error: catalog.error } }, () => apiLines(summary).join('\n'));
  return summary.state === 'done' && catalog.ok ? 0 : 2;
}

async function archiveByExport(ctx: CommandContext, flags: ReturnType<typeof parseFlags>): Promise<number> {
  const from = isoFlag(requireFlag(flags.string('from') ?? flags.string('since'), '--from', usage), '--from')!;
  const to = isoFlag(requireFlag(flags.string('to') ?? flags.string('until'), '--to', usage), '--to')!;
  const integrationId = flags.string('integration-id');
  const { summary, catalog } = await withEngine(ctx, async (composed) => {
    const ingest = await composed.archive.exportIngest({
      ...(integrationId ? { integrationId } : {}),
      onItem: (item, done, total) => ctx.output.note(exportProgressLine(item, done, total)),
    });
    const run = await ingest.run({ sinceMs: Date.parse(from), untilMs: Date.parse(to) });
    return { summary: run, catalog: await publishCatalog(composed) };
  });
  reportCatalog(ctx, catalog);
  ctx.output.result({ ...summary, catalog: catalog.ok ? catalog.result : { error: catalog.error } }, () => exportLines(summary).join('\n'));
  return summary.state === 'done' && catalog.ok ? 0 : 2;
}

type CatalogOutcome = { ok: true; result: Awaited<ReturnType<Awaited<ReturnType<ComposedEngine['catalog']['publisher']>>['publish']>> } | { ok: false; error: string };

/** The firm's workstations search what a run indexed and archived through the catalog; a failed publication is retried by the next run. */
async function publishCatalog(composed: ComposedEngine): Promise<CatalogOutcome> {
  try {
    return { ok: true, result: await (await composed.catalog.publisher()).publish() };
  } catch (error) {
    return { ok: false, error: describeCause(error) };
  }
}

function reportCatalog(ctx: CommandContext, catalog: CatalogOutcome): void {
  if (catalog.ok) ctx.output.note(publishLines(catalog.result));
  else ctx.output.note(`The catalog was not published (the next run publishes it): ${catalog.error}`);
}

function exportLines(summary: ExportRunSummary): Array<string> {
  const { counts } = summary;
  const problems = summary.items.filter((i) => i.outcome !== 'archived');
  return [
    `Archive by Genesys export, run ${summary.runId} into "${summary.bucket}", ${summary.since} .. ${summary.until}: ${summary.state}`,
    `  export job ${summary.jobId ?? '(none)'}: ${summary.jobState}${summary.jobError ? ` (${summary.jobError})` : ''}`,
    `  ${counts.archived} of ${counts.requested} verified and locked where Genesys wrote them (${(summary.bytesVerified / 1e6).toFixed(1)} MB read to verify); ` +
      `${counts.notDelivered} not delivered, ${counts.refused} refused, ${counts.skipped} skipped`,
    `  audited as ${summary.auditEventIds.join(', ') || '(nothing asked)'}`,
    ...(problems.length > 0 ? ['', table(['recording', 'conversation', 'outcome', 'reason'], problems.map((p) => [p.recordingId, p.conversationId, p.outcome, p.reason ?? '']))] : []),
    ...(summary.api ? ['', 'What the export did not deliver, through the API:', ...apiLines(summary.api)] : []),
  ];
}

function apiLines(summary: ArchiveRunSummary): Array<string> {
  const problems = summary.items.filter((i) => i.outcome === 'failed' || i.outcome === 'skipped');
  return [
    `Archive run ${summary.runId} into "${summary.bucket}", ${summary.since} .. ${summary.until}: ${summary.state}`,
    `  ${summary.counts.archived} archived (${(summary.bytes / 1e6).toFixed(1)} MB), ${summary.counts.alreadyArchived} already there, ` +
      `${summary.counts.failed} failed, ${summary.counts.skipped} skipped, of ${summary.counts.considered}; ${summary.counts.untagged} without a trading id (archived under untagged/)`,
    `  audited as ${summary.auditEventIds.join(', ') || '(nothing read)'}`,
    ...(summary.stopped ? [`  stopped early: ${summary.stopped}`] : []),
    ...(problems.length > 0 ? ['', table(['recording', 'conversation', 'outcome', 'reason'], problems.map((p) => [p.recordingId, p.conversationId, p.outcome, p.reason ?? '']))] : []),
  ];
}

function progressLine(item: ArchiveItemResult, done: number, total: number): string {
  const size = item.bytes === null ? '' : ` ${(item.bytes / 1e6).toFixed(1)} MB${item.multipart ? ' (multipart)' : ''}`;
  return `[${done}/${total}] ${item.outcome.padEnd(16)} ${item.tradingId ?? 'untagged'} ${item.recordingId}${size}${item.reason ? ` - ${item.reason}` : ''}`;
}

function exportProgressLine(item: ExportItemResult, done: number, total: number): string {
  return `[${done}/${total}] ${item.outcome.padEnd(13)} ${item.tradingId ?? 'untagged'} ${item.recordingId}${item.reason ? ` - ${item.reason}` : ''}`;
}
