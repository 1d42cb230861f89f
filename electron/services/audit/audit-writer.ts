import type { AuditAlert } from '../../../shared/audit-views';
import type { AuditEvent, Operator, Workstation } from '../../../shared/domain';
import type { Logger } from '../../../shared/logger';
import { describeCause } from '../errors';
import type { EventHub } from '../events';
import type { Clock } from '../ports';
import type { AuditActor } from './audit-actor';
import type { AlertRules } from './alert-rules';
import { alertsOf, toEntry } from './audit-entry';
import { itemsOf } from './audit-items';
import type { AuditMirror } from './audit-mirror';
import type { Checkpointer } from './checkpointer';
import type { AuditAppendInput, EventChain } from './event-chain';

/**
 * The audit log as every access sees it: `append` resolves only once the record is stored in the WORM
 * bucket. `actor` says who acts (audit-actor.ts: the officer signed in at that moment, or the service
 * account); the writer adds the OS account and the workstation.
 */
export type AuditWriter = { append(input: Readonly<AuditAppendInput>, actor: AuditActor): Promise<AuditEvent> };

export type WormAuditWriterDeps = {
  chain: Pick<EventChain, 'append'>;
  mirror: AuditMirror;
  checkpointer: Checkpointer;
  alerts: AlertRules;
  /** The operating-system account this process runs as, next to every actor. */
  osAccount: string;
  workstation: Workstation;
  clock: Clock;
  logger: Logger;
  events: EventHub;
};

/**
 * The production AuditWriter: marks the access with the alert rules, appends it to the bucket's event
 * chain and only then resolves; then records it in the mirror, announces it and lets the checkpointer
 * write a checkpoint when one is due.
 */
export class WormAuditWriter implements AuditWriter {
  constructor(private readonly deps: WormAuditWriterDeps) {}

  async append(input: Readonly<AuditAppendInput>, actor: AuditActor): Promise<AuditEvent> {
    const operator = actor.operator(this.deps.osAccount);
    // Alerts a caller raises itself (a witness finding another log inconsistent) are kept next to the rules' own.
    const alerts = [...alertsOf({ details: input.details ?? {} }), ...(await this.evaluateAlerts(input, operator))];
    const details = alerts.length > 0 ? { ...input.details, alerts } : input.details;
    const event = await this.deps.chain.append({ ...input, ...(details ? { details } : {}) }, operator);
    // The access is recorded; what follows keeps the mirror and the checkpoints up to date.
    try {
      await this.deps.mirror.recordWritten(event);
    } catch (error) {
      this.deps.logger.error('could not add the audit event to the local tree; it is read back from the bucket later', { seq: event.seq, cause: describeCause(error) });
    }
    this.deps.events.publish({ kind: 'audit.recorded', entry: toEntry(event) });
    this.deps.checkpointer.nudge();
    return event;
  }

  private async evaluateAlerts(input: Readonly<AuditAppendInput>, operator: Operator): Promise<Array<AuditAlert>> {
    try {
      return await this.deps.alerts.evaluate({
        timeMs: this.deps.clock.now(),
        operator,
        workstation: this.deps.workstation,
        action: input.action,
        conversationId: input.conversationId ?? null,
        recordingId: input.recordingId ?? null,
        items: itemsOf({ details: input.details ?? {} }),
      });
    } catch (error) {
      // A rule that cannot be evaluated must not stop the access being recorded; it is logged loudly.
      this.deps.logger.error('alert rules could not be evaluated; the event is written without alerts', { action: input.action, cause: describeCause(error) });
      return [];
    }
  }
}
