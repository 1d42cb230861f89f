import { healthTargets, type HealthStatus, type HealthTarget, type Reachability } from '../../../shared/health';
import { AppError, describeCause, HttpError, NetworkError, WormStoreError } from '../errors';
import type { DomainEvent, EventHub } from '../events';
import type { Clock } from '../ports';

/** A light request to one target: resolves when it answered, throws when it could not be reached. */
export type HealthProbe = (signal: AbortSignal) => Promise<void>;

export type HealthMonitorDeps = {
  probes: Record<HealthTarget, HealthProbe>;
  events: EventHub;
  clock: Clock;
  /** Error text as the officer may read it: secrets taken out. */
  redact: (text: string) => string;
  /** Between two probes of both targets; default 30 s. */
  intervalMs?: number;
  /** A probe not answered within this is a failure; default 5 s. */
  timeoutMs?: number;
};

type Seen = Reachability & { atMs: number };

const notTriedYet: Seen = { state: 'unknown', checkedAt: null, message: null, atMs: Number.NEGATIVE_INFINITY };

/**
 * Whether the WORM store and Genesys are reachable, from a light probe every 30 s and from what real
 * calls see: an audit record written or a sync done turns its target green at once, a refused append
 * or an unreachable Genesys red. What is seen later wins: a probe that started before a real call
 * failed does not turn the target green again when it answers after it.
 */
export class HealthMonitor {
  private readonly seen: Record<HealthTarget, Seen> = { worm: notTriedYet, genesys: notTriedYet };
  private readonly unsubscribe: () => void;

  constructor(private readonly deps: HealthMonitorDeps) {
    this.unsubscribe = deps.events.subscribe((event) => this.onDomainEvent(event));
  }

  status(): HealthStatus {
    const view = ({ state, checkedAt, message }: Seen): Reachability => ({ state, checkedAt, message });
    return { worm: view(this.seen.worm), genesys: view(this.seen.genesys) };
  }

  /** What a call to `target` found, seen at `atMs` (default now). */
  observe(target: HealthTarget, outcome: { reachable: true } | { reachable: false; cause: unknown }, atMs = this.deps.clock.now()): void {
    if (atMs < this.seen[target].atMs) return;
    this.seen[target] = {
      state: outcome.reachable ? 'reachable' : 'unreachable',
      checkedAt: new Date(atMs).toISOString(),
      message: outcome.reachable ? null : this.deps.redact(describeCause(outcome.cause)),
      atMs,
    };
    this.deps.events.publish({ kind: 'health.changed', status: this.status() });
  }

  /** A failed call of any kind: an append the WORM store did not take, or Genesys not answering, turns its target red. */
  observeFailure(error: unknown): void {
    const target = targetUnreachableBy(error);
    if (target) this.observe(target, { reachable: false, cause: error });
  }

  /** Probes both targets now (each bounded by the timeout) and returns what they found. */
  async check(): Promise<HealthStatus> {
    await Promise.all(healthTargets.map((target) => this.probe(target)));
    return this.status();
  }

  /** Probes now and then every interval until `signal` aborts. */
  async watch(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await this.check();
      try {
        await this.deps.clock.sleep(this.deps.intervalMs ?? 30_000, signal);
      } catch {
        return;
      }
    }
  }

  dispose(): void {
    this.unsubscribe();
  }

  private async probe(target: HealthTarget): Promise<void> {
    const startedAtMs = this.deps.clock.now();
    const timeoutMs = this.deps.timeoutMs ?? 5_000;
    const done = new AbortController();
    const timedOut = (async () => {
      try {
        await this.deps.clock.sleep(timeoutMs, done.signal);
      } catch {
        return; // the probe answered first
      }
      throw new Error(`no answer within ${timeoutMs / 1000} s`);
    })();
    try {
      await Promise.race([this.deps.probes[target](done.signal), timedOut]);
      this.observe(target, { reachable: true }, startedAtMs);
    } catch (error) {
      this.observe(target, { reachable: false, cause: error }, startedAtMs);
    } finally {
      done.abort();
    }
  }

  private onDomainEvent(event: DomainEvent): void {
    if (event.kind === 'audit.recorded') this.observe('worm', { reachable: true });
    else if (event.kind === 'index.syncCompleted') this.observe('genesys', { reachable: true });
    else if (event.kind === 'index.syncFailed') this.observe('genesys', { reachable: false, cause: event.message });
  }
}

/** Which target a failed call shows unreachable: none for errors that say nothing about reachability (validation, permissions). */
export function targetUnreachableBy(error: unknown): HealthTarget | null {
  if ((error instanceof AppError && error.code === 'AUDIT_UNAVAILABLE' && error.retryable) || (error instanceof WormStoreError && error.unavailable)) return 'worm';
  if (error instanceof NetworkError || (error instanceof HttpError && error.status >= 500)) return 'genesys';
  return null;
}
