import type { Logger } from '../../../shared/logger';
import type { RateLimitObservation } from '../genesys/genesys-client';
import type { Clock, Random } from '../ports';

export type RateGovernorOptions = {
  clock: Clock;
  random: Random;
  logger: Logger;
  /** Share of the allowed rate paced (bulk) traffic aims for; the rest is headroom for interactive calls. */
  targetFraction?: number;
  /** Requests per minute assumed until Genesys says otherwise (its documented default). */
  initialAllowedPerMinute?: number;
  /** Upper bound of requests in flight at once; the governor adapts below it. */
  maxInFlight?: number;
  /** Slots a paced caller may catch up after a lull, so a stall does not lose the quota. */
  burst?: number;
};

export type RateGovernorSnapshot = {
  allowedPerMinute: number;
  pacePerMinute: number;
  inFlight: number;
  inFlightLimit: number;
  pausedUntilMs: number | null;
  /** 429 answers seen since the governor was made. */
  rateLimited: number;
};

export type RequestKind = 'interactive' | 'bulk';

type Window = { allowed: number; count: number; endMs: number };

const WINDOW_SAME_MS = 2_000;
const WAKE_JITTER_MS = 250;

/**
 * One per Genesys token holder (all callers of one OAuth client share its per-token quota): paces
 * bulk requests just under the allowed rate the `inin-ratelimit-*` headers announce, honours
 * Retry-After for everyone at once, and adapts how many requests may be in flight.
 *
 * - Pace: bulk requests get slots `60 s / (allowed × targetFraction)` apart. While the headers
 *   describe the current window, the pace instead spreads what is left of that window's budget
 *   (less the interactive share) over the time left in it, at most twice the steady pace: a run
 *   slowed down early catches up, one that got ahead slows down, and no window is overspent.
 *   After a 429 the pace drops by a fifth and recovers slowly (AIMD), as does the in-flight limit.
 * - Retry-After: a 429 pauses every caller until it has passed; each then wakes with jitter, so
 *   many workers do not retry in the same instant.
 * - Window guard: when the headers say this window's budget is spent, callers wait for its reset
 *   instead of collecting 429s.
 * Interactive requests (an officer waiting on a search) are not paced, only paused and guarded.
 */
export class RateGovernor {
  private allowed: number;
  private factor = 1;
  private nextSlotMs = 0;
  private pausedUntil = 0;
  private inFlight = 0;
  private inFlightLimit: number;
  private readonly permitWaiters = new Set<() => void>();
  private window: Window | null = null;
  private rateLimited = 0;
  private readonly targetFraction: number;
  private readonly maxInFlight: number;
  private readonly burst: number;

  constructor(private readonly options: RateGovernorOptions) {
    this.allowed = options.initialAllowedPerMinute ?? 300;
    this.targetFraction = options.targetFraction ?? 0.98;
    this.maxInFlight = options.maxInFlight ?? 32;
    this.inFlightLimit = Math.min(8, this.maxInFlight);
    this.burst = options.burst ?? 4;
  }

  /** The hook GenesysClient calls before every request; the returned function ends the request. */
  readonly acquire = async (signal: AbortSignal | undefined, kind: RequestKind = 'bulk'): Promise<() => void> => {
    const { clock } = this.options;
    if (kind === 'bulk') {
      await this.waitWhilePaused(signal);
      const now = clock.now();
      const interval = this.intervalMs(now);
      const slot = Math.max(this.nextSlotMs, now - this.burst * interval, this.pausedUntil);
      this.nextSlotMs = slot + interval;
      if (slot > now) await clock.sleep(slot - now, signal);
    }
    for (;;) {
      signal?.throwIfAborted();
      const now = clock.now();
      if (this.pausedUntil > now) {
        await clock.sleep(this.pausedUntil - now + this.jitter(), signal);
        continue;
      }
      const window = this.window;
      if (window && window.endMs > now && window.allowed - window.count - this.inFlight <= 0) {
        await clock.sleep(window.endMs - now + this.jitter(), signal);
        continue;
      }
      if (kind === 'bulk' && this.inFlight >= this.inFlightLimit) {
        await this.waitForPermit(signal);
        continue;
      }
      break;
    }
    this.inFlight += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inFlight -= 1;
      for (const wake of this.permitWaiters) wake();
      this.permitWaiters.clear();
    };
  };

  /** The hook GenesysClient calls with the headers of every answer, 429s included. */
  readonly observe = (observation: RateLimitObservation): void => {
    if (observation.allowed > 0 && observation.allowed !== this.allowed) {
      this.options.logger.info('rate limit announced by Genesys', { allowedPerMinute: observation.allowed });
      this.allowed = observation.allowed;
    }
    this.updateWindow(observation);
    if (observation.status === 429) {
      this.rateLimited += 1;
      const waitMs = observation.retryAfterMs ?? observation.resetSeconds * 1000;
      const until = observation.at + waitMs;
      if (until > this.pausedUntil) {
        this.options.logger.warn('rate limited: every request waits for Retry-After', { waitMs, count: observation.count, allowed: observation.allowed });
        this.pausedUntil = until;
      }
      this.factor = Math.max(0.5, this.factor * 0.8);
      this.inFlightLimit = Math.max(1, Math.floor(this.inFlightLimit / 2));
      return;
    }
    this.factor = Math.min(1, this.factor + 0.002);
    this.inFlightLimit = Math.min(this.maxInFlight, this.inFlightLimit + 1 / Math.max(1, this.inFlightLimit));
  };

  snapshot(): RateGovernorSnapshot {
    return {
      allowedPerMinute: this.allowed,
      pacePerMinute: Math.round(60_000 / this.intervalMs(this.options.clock.now())),
      inFlight: this.inFlight,
      inFlightLimit: Math.floor(this.inFlightLimit),
      pausedUntilMs: this.pausedUntil > this.options.clock.now() ? this.pausedUntil : null,
      rateLimited: this.rateLimited,
    };
  }

  private intervalMs(now: number): number {
    const steady = 60_000 / (this.allowed * this.targetFraction * this.factor);
    const window = this.window;
    if (!window || window.endMs - now < 1_000) return steady;
    const spendable = (window.allowed * this.targetFraction - window.count - this.inFlight) * this.factor;
    if (spendable <= 0) return window.endMs - now;
    return Math.max(steady / 2, (window.endMs - now) / spendable);
  }

  private jitter(): number {
    return Math.floor(this.options.random() * WAKE_JITTER_MS);
  }

  /**
   * Keeps the fullest view of the current window. Answers can arrive out of order; a window whose
   * reset time moved on (a new window, or a new token's) replaces the old one.
   */
  private updateWindow(observation: RateLimitObservation): void {
    const endMs = observation.at + observation.resetSeconds * 1000;
    const current = this.window;
    const sameWindow = current !== null && current.endMs > observation.at && Math.abs(current.endMs - endMs) <= WINDOW_SAME_MS;
    if (!sameWindow || observation.count > current.count) {
      this.window = { allowed: observation.allowed, count: observation.count, endMs: sameWindow ? current.endMs : endMs };
    }
  }

  private async waitWhilePaused(signal: AbortSignal | undefined): Promise<void> {
    for (;;) {
      const now = this.options.clock.now();
      if (this.pausedUntil <= now) return;
      await this.options.clock.sleep(this.pausedUntil - now + this.jitter(), signal);
    }
  }

  private waitForPermit(signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve, reject) => {
      const wake = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = () => {
        this.permitWaiters.delete(wake);
        reject(signal?.reason);
      };
      this.permitWaiters.add(wake);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
