import type { HoldView } from '../../../shared/holds';
import type { HoldService } from '../../services/holds/hold-service';
import { AppError, ValidationError } from '../../services/errors';
import { parseFlags, requireFlag } from '../args';
import { withEngine, type CommandContext } from '../context';
import { table } from '../output';

const usage = [
  'custody hold place --trading-id T --case REF --reason TEXT',
  '       custody hold release (--hold ID | --trading-id T [--case REF]) --reason TEXT   (request, as the signed-in officer)',
  '       custody hold release (--hold ID | --trading-id T [--case REF]) --approve       (approve: another signed-in officer; runs the release)',
  '       custody hold release (--hold ID | --trading-id T [--case REF]) --complete      (run a release approved elsewhere, or retry one)',
  '       custody hold list [--all]',
].join('\n');

/**
 * `custody hold`: legal holds on a trade (S3 legal hold on its archived objects, Genesys deletion
 * protection on its conversations), acted on as the officer signed in on the profile. A release takes
 * two different signed-in officers: one requests it (--reason), another approves the request (--approve
 * here, or `custody approvals approve REQUEST_ID` on her own workstation, after which the requester runs
 * --complete). Exit 2 when a lock could not be applied or lifted.
 */
export async function holdCommand(ctx: CommandContext, argv: ReadonlyArray<string>): Promise<number> {
  const flags = parseFlags(
    argv,
    {
      'trading-id': { type: 'string' },
      case: { type: 'string' },
      reason: { type: 'string' },
      hold: { type: 'string' },
      approve: { type: 'boolean' },
      complete: { type: 'boolean' },
      all: { type: 'boolean' },
    },
    usage,
  );
  const [action] = flags.positionals;
  switch (action) {
    case 'place': {
      const hold = await withEngine(ctx, ({ archive: { holds } }) =>
        holds.place({
          tradingId: requireFlag(flags.string('trading-id'), '--trading-id', usage),
          caseReference: requireFlag(flags.string('case'), '--case', usage),
          reason: requireFlag(flags.string('reason'), '--reason', usage),
        }),
      );
      ctx.output.result(hold, () => describe(hold));
      return hold.complete ? 0 : 2;
    }
    case 'release': {
      const reason = flags.string('reason');
      const step = reason !== undefined ? 'request' : flags.bool('approve') ? 'approve' : 'complete';
      if ([reason !== undefined, flags.bool('approve'), flags.bool('complete')].filter(Boolean).length !== 1) {
        throw new ValidationError(`Give one of --reason (to request the release), --approve (to approve it) or --complete (to run it once approved).\n\nUsage: ${usage}`);
      }
      const hold = await withEngine(ctx, async ({ archive: { holds } }) => {
        const id = await holdIdFrom(holds, flags.string('hold'), flags.string('trading-id'), flags.string('case'));
        return step === 'request' ? holds.requestRelease(id, reason!) : step === 'approve' ? holds.approveRelease(id) : holds.completeRelease(id);
      });
      ctx.output.result(hold, () => describe(hold));
      return (step === 'request' ? hold.state === 'release-requested' : hold.state === 'released') ? 0 : 2;
    }
    case 'list': {
      const holds = await withEngine(ctx, ({ archive: { holds } }) => holds.list(flags.bool('all')));
      ctx.output.result({ holds }, () =>
        holds.length === 0
          ? `No ${flags.bool('all') ? '' : 'open '}holds.`
          : table(
              ['hold', 'trading id', 'case', 'state', 'placed by', 'placed at', 'objects held', 'Genesys protected'],
              holds.map((h) => [
                h.id,
                h.tradingId,
                h.caseReference,
                h.complete ? h.state : `${h.state} (incomplete)`,
                h.placedBy.name,
                h.placedAt.replace('T', ' ').slice(0, 19),
                String(h.objects.held),
                `${h.conversations.protected}/${h.conversations.total}`,
              ]),
            ),
      );
      return 0;
    }
    default:
      throw new ValidationError(`Unknown hold action "${action ?? ''}".\n\nUsage: ${usage}`);
  }
}

async function holdIdFrom(holds: Pick<HoldService, 'list'>, holdId: string | undefined, tradingId: string | undefined, caseReference: string | undefined): Promise<string> {
  if ((holdId === undefined) === (tradingId === undefined)) throw new ValidationError(`Give --hold ID or --trading-id T.\n\nUsage: ${usage}`);
  if (holdId !== undefined) return holdId;
  const open = (await holds.list(false)).filter(
    (h) => h.tradingId.toLowerCase() === tradingId!.toLowerCase() && (caseReference === undefined || h.caseReference === caseReference),
  );
  if (open.length === 1) return open[0]!.id;
  if (open.length === 0) throw new AppError('NOT_FOUND', `No open hold on trade ${tradingId}${caseReference ? ` for case ${caseReference}` : ''}.`);
  throw new ValidationError(`Trade ${tradingId} has ${open.length} open holds (${open.map((h) => `${h.id} for ${h.caseReference}`).join(', ')}); give --case or --hold.`);
}

function describe(hold: HoldView): string {
  return [
    `Hold ${hold.id} on trade ${hold.tradingId}, case ${hold.caseReference}: ${hold.state}${hold.complete ? '' : ' (incomplete)'}`,
    `  reason: ${hold.reason}`,
    `  placed by ${hold.placedBy.name} (${hold.placedBy.osAccount}) at ${hold.placedAt}`,
    `  archive: ${hold.objects.held} object version(s) under S3 legal hold` +
      (hold.objects.failed ? `, ${hold.objects.failed} failed` : '') +
      (hold.objects.released ? `, ${hold.objects.released} released` : '') +
      (hold.objects.kept ? `, ${hold.objects.kept} kept by another hold` : ''),
    `  Genesys: ${hold.conversations.protected} of ${hold.conversations.total} conversation(s) deletion-protected` +
      (hold.conversations.capReached ? `, ${hold.conversations.capReached} over the cap` : '') +
      (hold.conversations.failed ? `, ${hold.conversations.failed} failed` : '') +
      (hold.conversations.released ? `, ${hold.conversations.released} released` : ''),
    ...(hold.releaseRequest
      ? [`  release requested by ${hold.releaseRequest.by.name} at ${hold.releaseRequest.at}${hold.releaseRequest.requestId ? ` (request ${hold.releaseRequest.requestId})` : ''}: ${hold.releaseRequest.reason}`]
      : []),
    ...(hold.released ? [`  released, approved by ${hold.released.by.name} at ${hold.released.at}`] : []),
    ...hold.notes.map((n) => `  note: ${n}`),
    `  audit events: ${hold.auditEventIds.join(', ')}`,
  ].join('\n');
}
