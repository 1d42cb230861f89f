import { ValidationError } from '../../services/errors';
import { recordUnattendedFailure } from '../../services/posture/unattended-jobs';
import { parseFlags, requireFlag } from '../args';
import { withEngine, type CommandContext } from '../context';

const usage = 'custody service report-failure --unit NAME   (run by custody-job-failed@.service; reads systemd\'s MONITOR_* variables)';

/**
 * `custody service report-failure`: the OnFailure= handler of the unattended units (build/service/):
 * records the failure in the WORM audit log as the service account, so officers see it and the SIEM gets it.
 */
export async function serviceCommand(ctx: CommandContext, argv: ReadonlyArray<string>): Promise<number> {
  const flags = parseFlags(argv, { unit: { type: 'string' } }, usage);
  const [action] = flags.positionals;
  if (action !== 'report-failure') throw new ValidationError(`Unknown service action "${action ?? ''}".\n\nUsage: ${usage}`);
  const unit = requireFlag(flags.string('unit'), '--unit', usage);
  const event = await withEngine(ctx, (composed) =>
    recordUnattendedFailure(
      { audit: composed.audit.writer, actors: composed.audit.actors },
      {
        unit,
        result: process.env.MONITOR_SERVICE_RESULT,
        exitCode: process.env.MONITOR_EXIT_CODE,
        exitStatus: process.env.MONITOR_EXIT_STATUS,
        invocationId: process.env.MONITOR_INVOCATION_ID,
      },
    ),
  );
  ctx.output.result({ eventId: event.eventId, seq: event.seq, details: event.details }, () => `Recorded in the audit log (event ${event.seq}, ${event.eventId}): ${String(event.details.summary)}`);
  return 0;
}
