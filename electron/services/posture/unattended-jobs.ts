import { z } from 'zod';
import { auditEventSchema, type AuditEvent } from '../../../shared/domain';
import type { AuditActors } from '../audit/audit-actor';
import type { AuditWriter } from '../audit/audit-writer';
import { validated } from '../errors';
import type { Clock } from '../ports';
import type { UnattendedJobFacts } from './posture-checks';

/**
 * What systemd says of an unattended unit that failed (OnFailure= hands the handler MONITOR_SERVICE_RESULT,
 * MONITOR_EXIT_CODE, MONITOR_EXIT_STATUS and MONITOR_INVOCATION_ID); every field is checked, none trusted.
 */
export const unattendedFailureSchema = z.object({
  unit: z.string().regex(/^[A-Za-z0-9@._:\\-]{1,255}$/, 'not a systemd unit name'),
  result: z.string().regex(/^[a-z-]{1,40}$/).optional(),
  exitCode: z.string().regex(/^[a-z]{1,20}$/).optional(),
  exitStatus: z.string().regex(/^[A-Za-z0-9]{1,20}$/).optional(),
  invocationId: z.string().regex(/^[0-9a-f]{32}$/).optional(),
});
export type UnattendedFailure = z.infer<typeof unattendedFailureSchema>;

/**
 * Records that an unattended job (the nightly archive, catalog publication, retention sweep, SIEM drain)
 * failed: a 'posture' audit event under the service account, which every workstation reading the firm's
 * logs shows in its audit trail and the SIEM receives, pointing at the journal that has the run's output.
 */
export async function recordUnattendedFailure(
  deps: { audit: () => Promise<AuditWriter>; actors: Pick<AuditActors, 'service'> },
  input: Readonly<Record<keyof UnattendedFailure, string | undefined>>,
): Promise<AuditEvent> {
  const failure = validated(unattendedFailureSchema, Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined && v !== '')), 'unattended job failure');
  const journal = `journalctl -u ${failure.unit}${failure.invocationId ? ` _SYSTEMD_INVOCATION_ID=${failure.invocationId}` : ''}`;
  const actor = await deps.actors.service({ scheduledBy: null });
  return (await deps.audit()).append(
    {
      action: 'posture',
      details: {
        kind: 'unattended-job-failed',
        ...failure,
        journal,
        summary: `unattended job ${failure.unit} failed${failure.result ? ` (${failure.result}${failure.exitStatus ? `, status ${failure.exitStatus}` : ''})` : ''}; see ${journal}`,
      },
    },
    actor,
  );
}

const DAY_MS = 86_400_000;

/**
 * The failures reported in the last `sinceDays` in every audit log this installation mirrors (its own,
 * and the archiver's once the firm's logs are read), for the posture check `unattended.failures`.
 */
export async function unattendedJobFacts(
  deps: { events: { unattendedFailuresSince(sinceMs: number, limit: number): Promise<Array<string>> }; clock: Clock },
  sinceDays = 7,
): Promise<UnattendedJobFacts> {
  const bodies = await deps.events.unattendedFailuresSince(deps.clock.now() - sinceDays * DAY_MS, 50);
  const failures: UnattendedJobFacts['failures'] = [];
  for (const body of bodies) {
    const event = auditEventSchema.safeParse(JSON.parse(body));
    const failure = event.success ? unattendedFailureSchema.safeParse(event.data.details) : null;
    if (!event.success || !failure?.success) continue;
    const journal = event.data.details.journal;
    failures.push({
      time: event.data.time,
      unit: failure.data.unit,
      result: failure.data.result ?? null,
      exitStatus: failure.data.exitStatus ?? null,
      journal: typeof journal === 'string' ? journal : null,
      logId: event.data.logId,
      workstation: event.data.workstation.hostname,
    });
  }
  return { sinceDays, failures };
}
