import type { TokenRecord } from './auth';
import { FAULT_NAMES, type FaultName } from './faults';

/** Request accounting for tests and the bench. Token ids are short hashes, never tokens. */

export type RequestKind = 'api' | 'oauth' | 'media';

export type RequestRate = {
  /** API requests per minute averaged over the time since the last reset. */
  averagePerMinute: number;
  /** Most API requests seen in any 1-second sliding window, and that count scaled to a minute. */
  peakRequestsIn1s: number;
  peakPerMinute1s: number;
  /** Most API requests seen in any 60-second sliding window. */
  peakPerMinute60s: number;
};

export type TokenOwnerStats = { clientId: string; grant: 'client_credentials' | 'authorization_code'; genesysUserId?: string };

export type SandboxStats = {
  since: string;
  elapsedMs: number;
  requests: { total: number; api: number; oauth: number; media: number };
  /** Keyed by method and normalised route template, e.g. "GET /api/v2/conversations/{conversationId}/recordings". */
  byEndpoint: Record<string, number>;
  byStatus: Record<string, number>;
  /** API requests per token id (sha-256 prefix of the token). */
  byToken: Record<string, number>;
  /** Whose each token of `byToken` is: the OAuth client, and for a user token (authorization code grant) the user. */
  tokens: Record<string, TokenOwnerStats>;
  /** API requests per Genesys user id, user tokens only. */
  byUser: Record<string, number>;
  tokensIssued: number;
  tokenRequestsRejected: number;
  /** 429 responses sent, API and token endpoint. */
  rateLimited: number;
  faultsInjected: Record<FaultName, number>;
  http5xxInjected: number;
  mediaBytesSent: number;
  audioFilesGenerated: number;
  rate: RequestRate;
};

const emptyFaults = (): Record<FaultName, number> => Object.fromEntries(FAULT_NAMES.map((name) => [name, 0])) as Record<FaultName, number>;

export class StatsRecorder {
  private since = 0;
  private counts = { total: 0, api: 0, oauth: 0, media: 0 };
  private byEndpoint = new Map<string, number>();
  private byStatus = new Map<string, number>();
  private byToken = new Map<string, number>();
  private tokenOwners = new Map<string, TokenOwnerStats>();
  private byUser = new Map<string, number>();
  private apiTimes: Array<number> = [];
  private tokensIssued = 0;
  private tokenRequestsRejected = 0;
  private rateLimited = 0;
  private faults = emptyFaults();
  private mediaBytes = 0;
  private audioBaseline = 0;

  constructor(
    private readonly now: () => number,
    private readonly audioGenerated: () => number,
  ) {
    this.reset();
  }

  reset(): void {
    this.since = this.now();
    this.counts = { total: 0, api: 0, oauth: 0, media: 0 };
    this.byEndpoint = new Map();
    this.byStatus = new Map();
    this.byToken = new Map();
    this.tokenOwners = new Map();
    this.byUser = new Map();
    this.apiTimes = [];
    this.tokensIssued = 0;
    this.tokenRequestsRejected = 0;
    this.rateLimited = 0;
    this.faults = emptyFaults();
    this.mediaBytes = 0;
    this.audioBaseline = this.audioGenerated();
  }

  request(kind: RequestKind, endpoint: string): void {
    this.counts.total += 1;
    this.counts[kind] += 1;
    increment(this.byEndpoint, endpoint);
    if (kind === 'api') this.apiTimes.push(this.now());
  }

  token(record: Readonly<TokenRecord>): void {
    increment(this.byToken, record.tokenId);
    if (record.userId !== undefined) increment(this.byUser, record.userId);
    if (!this.tokenOwners.has(record.tokenId)) {
      const owner: TokenOwnerStats =
        record.userId !== undefined ? { clientId: record.clientId, grant: 'authorization_code', genesysUserId: record.userId } : { clientId: record.clientId, grant: 'client_credentials' };
      this.tokenOwners.set(record.tokenId, owner);
    }
  }

  status(status: number): void {
    increment(this.byStatus, String(status));
    if (status === 429) this.rateLimited += 1;
  }

  tokenIssued(): void {
    this.tokensIssued += 1;
  }

  tokenRejected(): void {
    this.tokenRequestsRejected += 1;
  }

  fault(name: FaultName): void {
    this.faults[name] += 1;
  }

  mediaSent(bytes: number): void {
    this.mediaBytes += bytes;
  }

  snapshot(): SandboxStats {
    const elapsedMs = Math.max(1, this.now() - this.since);
    const peak1s = peakInWindow(this.apiTimes, 1000);
    return {
      since: new Date(this.since).toISOString(),
      elapsedMs,
      requests: { ...this.counts },
      byEndpoint: Object.fromEntries(this.byEndpoint),
      byStatus: Object.fromEntries(this.byStatus),
      byToken: Object.fromEntries(this.byToken),
      tokens: Object.fromEntries(this.tokenOwners),
      byUser: Object.fromEntries(this.byUser),
      tokensIssued: this.tokensIssued,
      tokenRequestsRejected: this.tokenRequestsRejected,
      rateLimited: this.rateLimited,
      faultsInjected: { ...this.faults },
      http5xxInjected: this.faults.http5xx,
      mediaBytesSent: this.mediaBytes,
      audioFilesGenerated: this.audioGenerated() - this.audioBaseline,
      rate: {
        averagePerMinute: round2((this.counts.api * 60_000) / elapsedMs),
        peakRequestsIn1s: peak1s,
        peakPerMinute1s: peak1s * 60,
        peakPerMinute60s: peakInWindow(this.apiTimes, 60_000),
      },
    };
  }
}

/** Largest number of timestamps (ascending) inside any window [t, t + windowMs). */
export function peakInWindow(times: ReadonlyArray<number>, windowMs: number): number {
  let peak = 0;
  let first = 0;
  for (let last = 0; last < times.length; last += 1) {
    while ((times[last] as number) - (times[first] as number) >= windowMs) first += 1;
    peak = Math.max(peak, last - first + 1);
  }
  return peak;
}

function increment(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
