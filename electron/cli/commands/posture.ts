import { parseFlags } from '../args';
import { withEngine, type CommandContext } from '../context';

const usage = 'custody posture [--json]';

/**
 * `custody posture`: checks the archive bucket, the audit bucket and Genesys against MiFID II
 * expectations; each check passes, fails or cannot tell, with the evidence. Exit 2 when any fails.
 */
export async function postureCommand(ctx: CommandContext, argv: ReadonlyArray<string>): Promise<number> {
  parseFlags(argv, {}, usage);
  const report = await withEngine(ctx, ({ archive }) => archive.posture.run());
  ctx.output.result(report, () =>
    [
      `MiFID II posture of profile "${report.profile}" (${report.provider} store${report.jurisdiction ? `, ${report.jurisdiction}` : ', no jurisdiction configured'}) at ${report.checkedAt}`,
      `  ${report.counts.pass} pass, ${report.counts.fail} fail, ${report.counts.unknown} unknown; audited as ${report.auditEventId}`,
      '',
      ...report.checks.map((c) => `${c.status.toUpperCase().padEnd(7)} ${c.target.padEnd(14)} ${c.subject}: ${c.title}\n          ${c.summary}`),
      '',
      'Evidence for every check: custody posture --json',
    ].join('\n'),
  );
  return report.counts.fail > 0 ? 2 : 0;
}
