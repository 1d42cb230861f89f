import type { ApprovalView } from '../../../shared/approvals';
import type { HoldView } from '../../../shared/holds';
import { describeRequest, type Approved } from '../../services/approvals/approval-service';
import { ValidationError } from '../../services/errors';
import { parseFlags, requireFlag } from '../args';
import { withEngine, type CommandContext } from '../context';
import { table } from '../output';

const usage = [
  'custody approvals list [--all]',
  '       custody approvals show REQUEST_ID',
  '       custody approvals approve REQUEST_ID',
  '       custody approvals request export --case REF --reason TEXT',
  '       custody approvals request restricted-play --conversation ID --reason TEXT',
].join('\n');

/**
 * `custody approvals`: four-eyes requests and approvals between signed-in officers, stored in the WORM
 * audit bucket so that any workstation sees them. `approve` is refused for one's own request, without a
 * sign-in or the action's permission, and once the request expired; approving a hold release this
 * workstation records runs the release at once. Hold releases are requested with `custody hold release`.
 */
export async function approvalsCommand(ctx: CommandContext, argv: ReadonlyArray<string>): Promise<number> {
  const flags = parseFlags(argv, { all: { type: 'boolean' }, case: { type: 'string' }, conversation: { type: 'string' }, reason: { type: 'string' } }, usage);
  const [action, argument] = flags.positionals;
  switch (action) {
    case 'list': {
      const views = await withEngine(ctx, ({ approvals }) => approvals.list({ includeExpired: flags.bool('all') }));
      ctx.output.result({ requests: views }, () =>
        views.length === 0
          ? `No ${flags.bool('all') ? '' : 'open '}approval requests.`
          : table(
              ['request', 'kind', 'about', 'requested by', 'expires', 'status'],
              views.map((v) => [v.request.requestId, v.request.kind, describeRequest(v.request), v.request.requestedBy.name, v.request.expiresAt, statusOf(v)]),
            ),
      );
      return 0;
    }
    case 'show': {
      const view = await withEngine(ctx, ({ approvals }) => approvals.show(requireFlag(argument, 'REQUEST_ID', usage)));
      ctx.output.result(view, () => describe(view));
      return 0;
    }
    case 'approve': {
      const requestId = requireFlag(argument, 'REQUEST_ID', usage);
      const result = await withEngine(ctx, async ({ approvals, archive }) => {
        const approved = await approvals.approve(requestId);
        return { ...approved, hold: await archive.holds.completeReleaseIfHere(approved.request) };
      });
      ctx.output.result(result, () => describeApproval(result));
      return result.hold && result.hold.state !== 'released' ? 2 : 0;
    }
    case 'request': {
      const reason = requireFlag(flags.string('reason'), '--reason', usage);
      const made = await withEngine(ctx, ({ approvals }) => {
        if (argument === 'export') return approvals.request('export', { caseReference: requireFlag(flags.string('case'), '--case', usage) }, reason);
        if (argument === 'restricted-play') return approvals.request('restricted-play', { conversationId: requireFlag(flags.string('conversation'), '--conversation', usage) }, reason);
        throw new ValidationError(`Request "export" or "restricted-play" (hold releases: "custody hold release --reason").\n\nUsage: ${usage}`);
      });
      ctx.output.result(made, () =>
        [
          `Request ${made.request.requestId}: ${describeRequest(made.request)}, by ${made.request.requestedBy.name}, until ${made.request.expiresAt}.`,
          `Another signed-in officer approves it with "custody approvals approve ${made.request.requestId}".`,
        ].join('\n'),
      );
      return 0;
    }
    default:
      throw new ValidationError(`Unknown approvals action "${action ?? ''}".\n\nUsage: ${usage}`);
  }
}

function statusOf(view: ApprovalView): string {
  return view.status === 'approved' ? `approved by ${view.approvals.map((a) => a.approvedBy.name).join(', ')}` : view.status;
}

function describe(view: ApprovalView): string {
  const { request } = view;
  return [
    `Request ${request.requestId}: ${describeRequest(request)} (${statusOf(view)})`,
    `  reason: ${request.reason}`,
    `  requested by ${request.requestedBy.name} <${request.requestedBy.email}> (Genesys user ${request.requestedBy.genesysUserId}) on ${request.workstation.hostname} at ${request.requestedAt}`,
    `  expires at ${request.expiresAt}`,
    ...view.approvals.map((a) => `  approved by ${a.approvedBy.name} <${a.approvedBy.email}> (Genesys user ${a.approvedBy.genesysUserId}) on ${a.workstation.hostname} at ${a.approvedAt}`),
  ].join('\n');
}

function describeApproval({ request, approval, hold }: Approved & { hold: HoldView | null }): string {
  const lines = [`${approval.approvedBy.name} approved request ${request.requestId}: ${describeRequest(request)}.`];
  if (hold) lines.push(`Hold ${hold.id} is now ${hold.state}.${hold.state === 'released' ? '' : ` ${hold.notes.join(' ')}`}`);
  else if (request.kind === 'hold-release') {
    lines.push(`This workstation does not record hold ${request.subject.holdId}: the requester completes the release with "custody hold release --hold ${request.subject.holdId} --complete".`);
  } else lines.push(`${request.requestedBy.name} can now go ahead.`);
  return lines.join('\n');
}
