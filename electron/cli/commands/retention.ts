import { ValidationError } from '../../services/errors';
import { parseFlags } from '../args';
import { withEngine, type CommandContext } from '../context';
import { table } from '../output';
import { describeOperator } from '../../../shared/operator-label';

const usage = 'custody retention sweep [--dry-run] [--json]';

/**
 * `custody retention sweep`: lists the archive's object versions past their retention and deletes
 * those not under hold (with --dry-run, only lists). Exit 2 when a deletion failed or a version was
 * found without any retention.
 */
export async function retentionCommand(ctx: CommandContext, argv: ReadonlyArray<string>): Promise<number> {
  const flags = parseFlags(argv, { 'dry-run': { type: 'boolean' } }, usage);
  const [action] = flags.positionals;
  if (action !== 'sweep') throw new ValidationError(`Unknown retention action "${action ?? ''}".\n\nUsage: ${usage}`);
  const dryRun = flags.bool('dry-run');
  const report = await withEngine(ctx, async (composed) => (await composed.archive.retention()).run({ dryRun }));
  ctx.output.result(report, () => {
    const c = report.counts;
    const exported = report.byLayout['genesys-export'];
    return [
      `Retention sweep ${report.runId}${dryRun ? ' (dry run: nothing deleted)' : ''} over "${report.bucket}": ${report.scanned} object version(s), ${report.retained} still retained`,
      `  run by ${describeOperator(report.sweptBy)} (${report.sweptBy.osAccount})`,
      dryRun
        ? `  ${c['would-delete']} past retention would be deleted, ${c['kept-held']} kept under hold`
        : `  ${c.deleted} deleted, ${c['kept-held']} kept under hold, ${c['kept-retained']} kept (the store still retains them), ${c.failed} failed`,
      ...(exported.scanned > 0
        ? [
            `  of them in Genesys's export layout: ${exported.scanned} version(s), ${exported.retained} still retained, ` +
              (dryRun
                ? `${exported.counts['would-delete']} would be deleted, ${exported.counts['kept-held']} kept under hold`
                : `${exported.counts.deleted} deleted, ${exported.counts['kept-held']} kept under hold, ${exported.counts['kept-retained']} kept, ${exported.counts.failed} failed`),
          ]
        : []),
      ...(c.unlocked ? [`  ${c.unlocked} version(s) have no retention at all: run "custody archive" again to lock them`] : []),
      ...(report.reportKeys.length ? [`  plan and result locked in the bucket: ${report.reportKeys.join(', ')}`] : []),
      ...(report.entries.length
        ? [
            '',
            table(
              ['outcome', 'retained until', 'trading id', 'key', 'reason'],
              report.entries.map((e) => [e.outcome, e.retainUntil ?? 'none', e.tradingIds.join(',') || 'untagged', e.key, e.reason ?? '']),
            ),
          ]
        : []),
    ].join('\n');
  });
  return report.counts.failed > 0 || report.counts.unlocked > 0 ? 2 : 0;
}
