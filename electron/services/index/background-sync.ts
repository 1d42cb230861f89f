import type { Logger } from '../../../shared/logger';
import { completeness, type IndexRepository } from '../../db/repositories/index-repository';
import { AppError } from '../errors';
import type { EventHub } from '../events';
import type { Clock } from '../ports';
import type { GenesysServices } from '../retrieval/genesys-services';

/** Errors that mean "Genesys cannot answer now": searches are answered from the local index. */
export const offlineCodes = new Set(['UPSTREAM_UNAVAILABLE', 'UPSTREAM_INVALID', 'RATE_LIMITED', 'AUTH_REQUIRED', 'AUTH_REFRESH_FAILED', 'KEYCHAIN_UNAVAILABLE']);

export type BackgroundSyncDeps = {
  /** The signed-in officer's Genesys services, resolved when the work starts: history is read under her token. */
  genesys: () => Promise<GenesysServices>;
  index: IndexRepository;
  events: EventHub;
  clock: Clock;
  logger: Logger;
};

type SyncRequest = { fromMs: number; toMs: number; conversationIds: ReadonlyArray<string> };

/**
 * Reads missing history into the index after a search has already answered from it. One request runs
 * at a time (Genesys is asked for one window, one details job, at a time), later ones wait in order;
 * each landed piece is announced (`index.syncProgress`) so the renderer can read its search again.
 */
export class BackgroundIndexSync {
  private readonly queue: Array<SyncRequest> = [];
  private running: Promise<void> | null = null;
  private pending: SyncRequest | null = null;
  /** Conversations whose recordings were asked for already in this process: asked once, not at every refresh. */
  private readonly listed = new Set<string>();
  private failure: string | null = null;
  private stopped = false;
  private readonly abort = new AbortController();

  constructor(private readonly deps: BackgroundSyncDeps) {}

  /** Queues the window to read (null: none) and the conversations whose recordings to list; returns at once. */
  request(window: { fromMs: number; toMs: number } | null, conversationIds: ReadonlyArray<string> = []): void {
    if (this.stopped) return;
    const fresh = conversationIds.filter((id) => !this.listed.has(id));
    for (const id of fresh) this.listed.add(id);
    // A window already queued or being read is not asked for twice (a refreshed search asks again).
    const read = window && ![this.pending, ...this.queue].some((r) => r !== null && r.fromMs <= window.fromMs && r.toMs >= window.toMs) ? window : null;
    if (!read && fresh.length === 0) return;
    this.queue.push(read ? { ...read, conversationIds: fresh } : { fromMs: 0, toMs: 0, conversationIds: fresh });
    this.running ??= this.drain().finally(() => {
      this.running = null;
    });
  }

  /** Whether a queued or running request will read (part of) [fromMs, toMs). */
  covers(fromMs: number, toMs: number): boolean {
    return [this.pending, ...this.queue].some((r) => r !== null && r.fromMs < toMs && r.toMs > fromMs);
  }

  /** Why the last background read failed (Genesys unreachable), or null after one succeeded. */
  get offlineReason(): string | null {
    return this.failure;
  }

  /** The host is closing: queued work is dropped, the running read is aborted, nothing new starts. */
  stop(): void {
    this.stopped = true;
    this.queue.length = 0;
    this.abort.abort(new Error('Custody is closing'));
  }

  /** Resolves once every queued request has run (for tests and orderly shutdown). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async drain(): Promise<void> {
    for (let next = this.queue.shift(); next; next = this.queue.shift()) {
      this.pending = next;
      try {
        await this.run(next);
      } finally {
        this.pending = null;
      }
    }
  }

  private async run(request: SyncRequest): Promise<void> {
    const { fromMs, toMs, conversationIds } = request;
    const signal = this.abort.signal;
    const progress = async () => {
      const now = this.deps.clock.now();
      const window = completeness(fromMs, toMs, await this.deps.index.coverage(), now);
      return { fromMs, toMs: window.toMs, coveredFraction: window.coveredFraction };
    };
    try {
      const before = await progress();
      if (before.coveredFraction >= 1 && conversationIds.length === 0) return;
      this.deps.events.publish({ kind: 'index.syncStarted', progress: before });
      const { sync } = await this.deps.genesys();
      const spanMs = before.toMs - fromMs;
      if (before.coveredFraction < 1) {
        await sync.sync(fromMs, toMs, signal, ({ landedMs, totalMs }) => {
          const coveredFraction = spanMs > 0 ? Math.min(1, Math.max(0, 1 - (totalMs - landedMs) / spanMs)) : 1;
          this.deps.events.publish({ kind: 'index.syncProgress', progress: { fromMs, toMs: before.toMs, coveredFraction } });
        });
      }
      if (conversationIds.length > 0) await sync.syncRecordings(conversationIds, signal);
      this.failure = null;
      this.deps.events.publish({ kind: 'index.syncCompleted', syncedAt: new Date(this.deps.clock.now()).toISOString(), progress: await progress() });
    } catch (error) {
      // Nobody awaits this work: a failure is announced, never thrown. Listings not done are asked again later.
      for (const id of conversationIds) this.listed.delete(id);
      if (this.stopped) return;
      const offline = error instanceof AppError && offlineCodes.has(error.code);
      const reason = (error as Error).message;
      const message = offline ? `Genesys could not be reached (${reason}); results come from the local index.` : `The index could not be synced: ${reason}`;
      if (offline) this.failure = message;
      if (offline) this.deps.logger.warn('background index sync could not reach Genesys', { fromMs, toMs, reason });
      else this.deps.logger.error('background index sync failed', { fromMs, toMs, reason });
      this.deps.events.publish({ kind: 'index.syncFailed', message });
    }
  }
}
