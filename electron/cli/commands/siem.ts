import { ValidationError } from '../../services/errors';
import type { SiemStatus } from '../../services/siem/siem-forwarder';
import { intFlag, parseFlags } from '../args';
import { withEngine, type CommandContext } from '../context';

const usage = 'custody siem status | drain [--budget-seconds N]';

/**
 * `custody siem status|drain`: how far the SIEM has taken this profile's audit log; `drain` sends what
 * is queued now. Exit 2 when events are still queued (the SIEM is down or the budget ran out).
 */
export async function siemCommand(ctx: CommandContext, argv: ReadonlyArray<string>): Promise<number> {
  const flags = parseFlags(argv, { 'budget-seconds': { type: 'string' } }, usage);
  const [action] = flags.positionals;
  if (action !== 'status' && action !== 'drain') throw new ValidationError(`Unknown siem action "${action ?? ''}".\n\nUsage: ${usage}`);
  const budgetSeconds = intFlag(flags.string('budget-seconds'), '--budget-seconds', { min: 1, max: 86_400 }) ?? 60;
  const status = await withEngine(ctx, async (composed) => {
    await composed.audit.drain();
    return action === 'drain' ? composed.siem.deliverPending({ budgetMs: budgetSeconds * 1000 }) : composed.siem.status();
  });
  if (!status) throw new ValidationError(`No SIEM is configured for profile "${ctx.profile}"; run "custody config --siem URL".`);
  ctx.output.result(status, () => describe(status));
  return status.pending > 0 ? 2 : 0;
}

function describe(status: SiemStatus): string {
  return [
    `SIEM ${status.destination}, audit log ${status.logId}`,
    `  ${status.pending} event(s) queued; next to send: seq ${status.nextSeq}; last delivery ${status.deliveredAt ?? 'never'}`,
    ...(status.failingSince ? [`  failing since ${status.failingSince}: ${status.lastError ?? ''}`] : []),
  ].join('\n');
}
