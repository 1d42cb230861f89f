import type { Logger } from '../../../shared/logger';
import type { SiemDeliveryRepository } from '../../db/repositories/siem-delivery-repository';
import { backoffDelay, type BackoffPolicy } from '../genesys/backoff';
import { describeCause } from '../errors';
import type { Clock, Random } from '../ports';
import type { StoredAuditEvent } from './siem-record';
import type { SiemSender } from './siem-transport';

/** Where the forwarder reads this log's acknowledged events: the audit mirror's tables, in seq order. */
export type AcknowledgedEvents = {
  eventBodiesFrom(logId: string, fromSeq: number, limit: number): Promise<Array<StoredAuditEvent>>;
  treeSize(logId: string): Promise<number>;
};

export type SiemStatus = {
  destination: string;
  logId: string;
  /** Events of this log acknowledged by WORM and not yet taken by the SIEM. */
  pending: number;
  nextSeq: number;
  deliveredAt: string | null;
  failingSince: string | null;
  lastError: string | null;
};

export type SiemForwarderDeps = {
  logId: string;
  sender: SiemSender;
  events: AcknowledgedEvents;
  delivery: SiemDeliveryRepository;
  clock: Clock;
  random: Random;
  logger: Logger;
  batchSize?: number;
  /** Waits between attempts while the SIEM is down (attempts never run out: the outbox keeps everything). */
  backoff?: Omit<BackoffPolicy, 'maxAttempts'>;
  /** Deadline of one batch; default 15 s. */
  batchTimeoutMs?: number;
};

const defaultBackoff = { baseMs: 1_000, capMs: 60_000 };

/**
 * Forwards every event of this installation's audit log to the SIEM, at least once, in seq order. The
 * outbox is the audit mirror (every event the WORM store acknowledged, durable in SQLite); the
 * delivery cursor (siem_delivery) moves only after the SIEM took a batch, so a crash, restart or
 * outage re-sends from the cursor: the SIEM deduplicates on eventId. Accesses never wait for it:
 * `nudge` only schedules a pass; while the SIEM is down, passes back off (full jitter, capped).
 */
export class SiemForwarder {
  private running: Promise<void> | null = null;
  private again = false;
  private failures = 0;
  private retryTimer: AbortController | null = null;
  private stopped = false;
  /** Abandons the background pass's batch on stop (an explicit delivery has its own budget instead). */
  private inFlight: AbortController | null = null;

  constructor(private readonly deps: SiemForwarderDeps) {}

  get destination(): string {
    return this.deps.sender.destination;
  }

  /** New events may be in the mirror: send them soon, unless a retry after a failure is already scheduled. */
  nudge(): void {
    if (this.stopped || this.retryTimer) return;
    void this.runPass(Number.POSITIVE_INFINITY);
  }

  /** Sends what is pending now, until caught up, a failure, or `budgetMs` ran out; returns the status after. */
  async deliverPending(options: { budgetMs?: number } = {}): Promise<SiemStatus> {
    const deadline = this.deps.clock.now() + (options.budgetMs ?? Number.POSITIVE_INFINITY);
    this.cancelRetry();
    await this.runPass(deadline, true);
    return this.status();
  }

  async status(): Promise<SiemStatus> {
    const { delivery, events, logId } = this.deps;
    const [state, size] = await Promise.all([delivery.state(this.destination, logId), events.treeSize(logId)]);
    const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
    return {
      destination: this.destination,
      logId,
      pending: Math.max(0, size - state.nextSeq),
      nextSeq: state.nextSeq,
      deliveredAt: iso(state.deliveredMs),
      failingSince: iso(state.failingSinceMs),
      lastError: state.lastError,
    };
  }

  /** No background pass starts after this (the host is closing), and one under way abandons its batch; `deliverPending` still runs. */
  stop(): void {
    this.stopped = true;
    this.cancelRetry();
    this.inFlight?.abort();
  }

  /** One pass at a time: a nudge during one asks for another after it; an explicit delivery waits its turn. */
  private async runPass(deadline: number, explicit = false): Promise<void> {
    if (this.running && !explicit) {
      this.again = true;
      return this.running;
    }
    while (this.running) await this.running;
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await this.pass(deadline);
        } while (this.again && !this.stopped && this.retryTimer === null);
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }

  private async pass(deadline: number): Promise<void> {
    const { delivery, events, logId, clock, logger, sender } = this.deps;
    const inFlight = Number.isFinite(deadline) ? null : new AbortController();
    this.inFlight = inFlight;
    const batchSize = this.deps.batchSize ?? 500;
    let sent = 0;
    try {
      let { nextSeq } = await delivery.state(sender.destination, logId);
      for (;;) {
        const remaining = deadline - clock.now();
        if (remaining <= 0) return;
        const batch = await events.eventBodiesFrom(logId, nextSeq, batchSize);
        if (batch.length === 0) break;
        await sender.send(batch, Math.min(this.deps.batchTimeoutMs ?? 15_000, remaining), inFlight?.signal);
        nextSeq = batch.at(-1)!.seq + 1;
        await delivery.delivered(sender.destination, logId, nextSeq, clock.now());
        sent += batch.length;
      }
      if (this.failures > 0) logger.info('SIEM reachable again; the queued audit events were delivered', { destination: sender.destination, sent });
      this.failures = 0;
    } catch (error) {
      // Abandoned because the host is closing: the batch stays queued, and the SIEM is not to blame.
      if (inFlight?.signal.aborted) return;
      this.failures += 1;
      const cause = describeCause(error);
      if (this.failures === 1) logger.warn('SIEM delivery failed; audit events stay queued and are sent when it answers', { destination: sender.destination, sent, cause });
      try {
        await delivery.failed(sender.destination, logId, clock.now(), cause);
      } catch (recordError) {
        logger.error('could not record the SIEM delivery failure', { cause: describeCause(recordError) });
      }
      this.scheduleRetry();
    }
  }

  private scheduleRetry(): void {
    if (this.stopped) return;
    const policy = { ...defaultBackoff, ...this.deps.backoff, maxAttempts: Number.POSITIVE_INFINITY };
    const delayMs = Math.max(policy.baseMs / 2, backoffDelay(this.failures - 1, policy, this.deps.random));
    const timer = new AbortController();
    this.retryTimer = timer;
    void (async () => {
      try {
        await this.deps.clock.sleep(delayMs, timer.signal);
      } catch {
        return; // cancelled: an explicit delivery or the host closing
      }
      if (this.retryTimer !== timer) return;
      this.retryTimer = null;
      this.nudge();
    })();
  }

  private cancelRetry(): void {
    this.retryTimer?.abort();
    this.retryTimer = null;
  }
}
