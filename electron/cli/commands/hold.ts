import type { HoldView } from '../../../shared/holds';
import { printableTextSchema } from '../../../shared/unsafe-text';
import type { HoldService } from '../../services/holds/hold-service';
import { AppError, ValidationError } from '../../services/errors';
import { parseFlags, requireFlag } from '../args';
import { withEngine, type CommandContext } from '../context';
import { table } from '../output';

const usage = [
  'custody hold place --trading-id T --case REF --reason TEXT [--operator NAME]',
  '       custody hold release (--hold ID | --trading-id T [--case REF]) --reason TEXT [--operator NAME]   (request)',
  '       custody hold release (--hold ID | --trading-id T [--case REF]) --approve [--operator NAME]       (approve: another operator)',
  '       custody hold list [--all]',
].join('\n');

const operatorSchema = printableTextSchema(120).min(2, 'give the operator name');

/**
 * `custody hold`: legal holds on a trade (S3 legal hold on its archived objects, Genesys deletion
 * protection on its conversations). A release takes two different operators: one requests it
 * (--reason), another approves it (--approve). --operator acts under another operator name than the
 * profile's; the OS account is recorded with it either way. Exit 2 when a lock could not be applied.
 */
export async function holdCommand(ctx: CommandContext, argv: ReadonlyArray<string>): Promise<number> {
  const flags = parseFlags(
    argv,
    {
      'trading-id': { type: 'string' },
      case: { type: 'string' },
      reason: { type: 'string' },
      hold: { type: 'string' },
      operator: { type: 'string' },
      approve: { type: 'boolean' },
      all: { type: 'boolean' },
    },
    usage,
  );
  const [action] = flags.positionals;
  const operator = flags.string('operator');
  const parsedOperator = operator === undefined ? undefined : operatorSchema.safeParse(operator);
  if (parsedOperator && !parsedOperator.success) throw new ValidationError(`--operator: ${parsedOperator.error.issues[0]?.message}`);
  const options = parsedOperator ? { operatorName: parsedOperator.data } : {};
  switch (action) {
    case 'place': {
      const hold = await withEngine(
        ctx,
        ({ archive: { holds } }) =>
          holds.place({
            tradingId: requireFlag(flags.string('trading-id'), '--trading-id', usage),
            caseReference: requireFlag(flags.string('case'), '--case', usage),
            reason: requireFlag(flags.string('reason'), '--reason', usage),
          }),
        options,
      );
      ctx.output.result(hold, () => describe(hold));
      return hold.complete ? 0 : 2;
    }
    case 'release': {
      const approve = flags.bool('approve');
      const reason = flags.string('reason');
      if (approve === (reason !== undefined)) throw new ValidationError(`Give either --reason (to request the release) or --approve (to approve it).\n\nUsage: ${usage}`);
      const hold = await withEngine(
        ctx,
        async ({ archive: { holds } }) => {
          const id = await holdIdFrom(holds, flags.string('hold'), flags.string('trading-id'), flags.string('case'));
          return approve ? holds.approveRelease(id) : holds.requestRelease(id, reason!);
        },
        options,
      );
      ctx.output.result(hold, () => describe(hold));
      return hold.state === 'release-requested' || hold.state === 'released' ? 0 : 2;
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
    ...(hold.releaseRequest ? [`  release requested by ${hold.releaseRequest.by.name} at ${hold.releaseRequest.at}: ${hold.releaseRequest.reason}`] : []),
    ...(hold.released ? [`  released, approved by ${hold.released.by.name} at ${hold.released.at}`] : []),
    ...hold.notes.map((n) => `  note: ${n}`),
    `  audit events: ${hold.auditEventIds.join(', ')}`,
  ].join('\n');
}
