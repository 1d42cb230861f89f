import { createRng, deriveSeed, type Rng } from './prng';

/** Fault injection: each fault fires with its configured probability on every eligible request. */

export const FAULT_NAMES = ['http5xx', 'reset', 'slow', 'truncate', 'malformedJson', 'expiredMedia', 'tokenExpiry'] as const;
export type FaultName = (typeof FAULT_NAMES)[number];
export type FaultConfig = Partial<Record<FaultName, number>>;

export function isFaultName(name: string): name is FaultName {
  return (FAULT_NAMES as ReadonlyArray<string>).includes(name);
}

/** Validates a fault configuration from options, the CLI or the control endpoint. */
export function parseFaultConfig(input: unknown): FaultConfig {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new Error('faults must be an object of name -> probability');
  const config: FaultConfig = {};
  for (const [name, rate] of Object.entries(input)) {
    if (!isFaultName(name)) throw new Error(`unknown fault "${name}"; known faults: ${FAULT_NAMES.join(', ')}`);
    if (typeof rate !== 'number' || !Number.isFinite(rate) || rate < 0 || rate > 1) {
      throw new Error(`fault ${name} needs a probability between 0 and 1, got ${JSON.stringify(rate)}`);
    }
    config[name] = rate;
  }
  return config;
}

export type SlowRange = { minMs: number; maxMs: number };

export class FaultInjector {
  private config: FaultConfig = {};
  private readonly rng: Rng;

  constructor(
    seed: number,
    initial: FaultConfig,
    readonly slow: SlowRange,
  ) {
    this.rng = createRng(deriveSeed(seed, 0xfa17));
    this.set(initial);
  }

  set(config: FaultConfig): void {
    this.config = parseFaultConfig(config);
  }

  get(): FaultConfig {
    return { ...this.config };
  }

  /** True when the fault fires for this request. Faults with no rate never consume randomness. */
  roll(name: FaultName): boolean {
    const rate = this.config[name] ?? 0;
    if (rate <= 0) return false;
    return rate >= 1 || this.rng.next() < rate;
  }

  slowDelayMs(): number {
    return Math.round(this.rng.uniform(this.slow.minMs, Math.max(this.slow.minMs, this.slow.maxMs)));
  }

  /** The 5xx an upstream outage looks like: mostly 503, some gateway timeouts and plain 500s. */
  pick5xx(): { status: number; code: string; message: string } {
    const roll = this.rng.next();
    if (roll < 0.5) return { status: 503, code: 'service.unavailable', message: 'Service Unavailable. The service is temporarily unavailable, please retry.' };
    if (roll < 0.8) return { status: 504, code: 'request.timeout', message: 'The request timed out.' };
    return { status: 500, code: 'internal.server.error', message: 'The server encountered an unexpected error.' };
  }
}
