import { sha256Hex } from '../../electron/crypto/sha256';
import type { AuditActor } from '../../electron/services/audit/audit-actor';
import type { AuditWriter } from '../../electron/services/audit/audit-writer';
import { AuditUnavailableError } from '../../electron/services/errors';
import type { Clock } from '../../electron/services/ports';
import { canonicalJson } from '../../shared/canonical-json';
import { auditEventSchema, type AuditEvent } from '../../shared/domain';

type AuditAppendInput = Parameters<AuditWriter['append']>[0];

/**
 * The WORM audit log as its writers see it, in memory: `append` acknowledges (a numbered,
 * hash-chained event, naming the actor on the OS account "officer") or, while refusing, rejects with
 * AUDIT_UNAVAILABLE as the real log does when the store cannot take the record. `onAppend` lets a
 * test put acknowledgements on its own timeline.
 */
export class FakeAuditWriter implements AuditWriter {
  readonly events: Array<AuditEvent> = [];
  /** Appends refused so far. */
  refused = 0;
  private refusal: string | null = null;
  private acknowledgeBeforeRefusing = Infinity;

  constructor(
    private readonly options: { clock?: Clock; onAppend?: (event: AuditEvent) => void } = {},
  ) {}

  /** Every append from now on fails, after `afterAcknowledging` more have succeeded. */
  refuse(reason = 'the WORM store did not acknowledge the record', afterAcknowledging = 0): void {
    this.refusal = reason;
    this.acknowledgeBeforeRefusing = afterAcknowledging;
  }

  acknowledge(): void {
    this.refusal = null;
    this.acknowledgeBeforeRefusing = Infinity;
  }

  async append(input: AuditAppendInput, actor: AuditActor): Promise<AuditEvent> {
    await Promise.resolve();
    if (this.refusal !== null) {
      if (this.acknowledgeBeforeRefusing <= 0) {
        this.refused += 1;
        throw new AuditUnavailableError(`Audit log unavailable: ${this.refusal}`);
      }
      this.acknowledgeBeforeRefusing -= 1;
    }
    const seq = this.events.length;
    const previous = this.events.at(-1);
    const event = auditEventSchema.parse({
      schema: 'custody.audit.v1',
      logId: 'fake-log',
      seq,
      eventId: `00000000-0000-4000-8000-${String(seq + 1).padStart(12, '0')}`,
      time: new Date(this.options.clock?.now() ?? Date.now()).toISOString(),
      operator: actor.operator('officer'),
      workstation: { hostname: 'test-host', addresses: [] },
      action: input.action,
      conversationId: input.conversationId ?? null,
      recordingId: input.recordingId ?? null,
      tradingId: input.tradingId ?? null,
      caseReference: input.caseReference ?? null,
      details: { ...input.details },
      prevHash: previous ? sha256Hex(canonicalJson(previous)) : '0'.repeat(64),
    });
    this.events.push(event);
    this.options.onAppend?.(event);
    return event;
  }

  /** The acknowledged events of one action. */
  of(action: AuditEvent['action']): Array<AuditEvent> {
    return this.events.filter((e) => e.action === action);
  }

  /** Every recording the acknowledged events of `action` name, once per naming: its own or in a batch's items. */
  recordingsNamed(action: AuditEvent['action']): Array<string> {
    return this.of(action).flatMap(recordingsNamedBy);
  }
}

/** The recordings one event names, each once: its recordingId, and each of its `details.items` (a batch: `{ recordingId }` or `[conversationId, recordingId]`). */
export function recordingsNamedBy(event: AuditEvent): Array<string> {
  const items: Array<unknown> = Array.isArray(event.details.items) ? event.details.items : [];
  const inItems = items
    .map((item) => (Array.isArray(item) ? item[1] : (item as { recordingId?: unknown } | null)?.recordingId))
    .filter((id): id is string => typeof id === 'string');
  // A one-recording batch names it twice (its recordingId and its one item): count it once.
  return [...new Set(event.recordingId ? [event.recordingId, ...inItems] : inItems)];
}
