import type { CosignatureReport } from '../../../shared/audit-views';
import { alertVerdicts, type WitnessReport } from '../../services/audit/witness';
import { parseFlags } from '../args';
import { withEngine, type CommandContext } from '../context';
import { table } from '../output';

/** Exit code when a witnessed log rolled back, forked or changed key (as `audit verify` uses for a log not intact). */
const LOG_INCONSISTENT = 2;

/**
 * `custody audit witness`: this installation witnesses every other log in the audit bucket now (as it
 * does after each sync): cosigns each newest checkpoint that extends what it cosigned before, and
 * names (and alerts on) each log that rolled back, forked or changed key.
 */
export async function auditWitness(ctx: CommandContext, argv: ReadonlyArray<string>, usage: string): Promise<number> {
  parseFlags(argv, {}, usage);
  const report = await withEngine(ctx, async ({ witness }) => witness.run());
  ctx.output.result(report, () => describeWitnessReport(report));
  return report.outcomes.some((o) => isAlert(o.verdict)) ? LOG_INCONSISTENT : 0;
}

const isAlert = (verdict: string) => (alertVerdicts as ReadonlyArray<string>).includes(verdict);

function describeWitnessReport(report: WitnessReport): string {
  if (report.outcomes.length === 0) return `witness ${report.witnessLogId}: no other log in the audit bucket to witness.`;
  const alerts = report.outcomes.filter((o) => isAlert(o.verdict));
  return [
    table(
      ['log', 'verdict', 'tree size', 'cosigned before', 'detail'],
      report.outcomes.map((o) => [
        o.logId,
        isAlert(o.verdict) ? o.verdict.toUpperCase() : o.verdict,
        o.checkpoint ? String(o.checkpoint.treeSize) : '',
        o.cosignedBefore ? String(o.cosignedBefore.treeSize) : '',
        o.message,
      ]),
    ),
    '',
    alerts.length > 0
      ? `ALERT: ${alerts.length} log(s) inconsistent with what this witness cosigned before; not cosigned, alert recorded in log ${report.witnessLogId}`
      : `witness ${report.witnessLogId}: ${report.outcomes.filter((o) => o.verdict === 'cosigned').length} checkpoint(s) cosigned`,
  ].join('\n');
}

/** The cosignature line of `audit verify`'s text report (its problems are listed with the others). */
export function describeCosignatures(report: CosignatureReport): string {
  const newest = report.checkpoints.at(-1);
  const policy = report.minCosignatures > 0 ? `policy: at least ${report.minCosignatures} per checkpoint` : 'policy: report only';
  return `cosignatures ${newest ? `newest checkpoint (tree size ${newest.treeSize}) cosigned by ${newest.cosigners.map((c) => c.witnessLogId).join(', ') || 'no witness'}` : 'no checkpoint to cosign'} (${policy})`;
}
