import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** OAuth clients, bearer tokens and the per-token rate limit of the sandbox. */

export type SandboxClient = {
  clientId: string;
  clientSecret: string;
  /** Permissions granted through the client's roles; undefined grants every permission. */
  permissions?: Array<string>;
};

export type TokenRecord = {
  /** Short hash of the token: safe for stats and logs, unlike the token. */
  tokenId: string;
  clientId: string;
  issuedAt: number;
  expiresAt: number;
  /** Set for user tokens (authorization code grant): whose identity and permissions API calls carry. */
  userId?: string;
  /** One sign-in (a code exchange and every refresh after it); revoking it kills all its tokens. */
  grantId?: string;
};

/** Who a user token belongs to and which sign-in it comes from. */
export type TokenOwner = { userId: string; grantId: string };

export type RefreshRecord = { clientId: string; userId: string; grantId: string; expiresAt: number };

export type TokenLookup = { ok: true; record: TokenRecord } | { ok: false; reason: 'unknown' | 'expired' | 'revoked' };

export type ClientCheck = 'ok' | 'unknown' | 'bad-secret' | 'revoked';

export function tokenIdOf(token: string): string {
  return createHash('sha256').update(token).digest('hex').slice(0, 12);
}

export class TokenStore {
  private readonly clients = new Map<string, SandboxClient>();
  private readonly revokedClients = new Set<string>();
  private readonly tokens = new Map<string, TokenRecord>();
  private readonly issued: Array<string> = [];
  private readonly creations = new Map<string, Array<number>>();
  private readonly refreshTokens = new Map<string, RefreshRecord>();

  constructor(
    clients: ReadonlyArray<SandboxClient>,
    private readonly ttlSeconds: number,
    private readonly creationLimitPerMinute: number | null,
    private readonly now: () => number,
    private readonly refreshTtlSeconds = 30 * 86_400,
  ) {
    for (const client of clients) this.clients.set(client.clientId, client);
  }

  client(clientId: string): SandboxClient | undefined {
    return this.clients.get(clientId);
  }

  checkClient(clientId: string, clientSecret: string): ClientCheck {
    const client = this.clients.get(clientId);
    if (!client) return 'unknown';
    const expected = Buffer.from(client.clientSecret);
    const given = Buffer.from(clientSecret);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return 'bad-secret';
    return this.revokedClients.has(clientId) ? 'revoked' : 'ok';
  }

  /** A public client (authorization code with PKCE) proves nothing but its id. */
  checkPublicClient(clientId: string): ClientCheck {
    if (!this.clients.has(clientId)) return 'unknown';
    return this.revokedClients.has(clientId) ? 'revoked' : 'ok';
  }

  /** Seconds until another token may be created, or 0 when allowed now. Records the attempt when allowed. */
  reserveCreation(clientId: string): number {
    if (this.creationLimitPerMinute === null) return 0;
    const now = this.now();
    const recent = (this.creations.get(clientId) ?? []).filter((t) => now - t < 60_000);
    if (recent.length >= this.creationLimitPerMinute) {
      this.creations.set(clientId, recent);
      return Math.max(1, Math.ceil(((recent[0] ?? now) + 60_000 - now) / 1000));
    }
    recent.push(now);
    this.creations.set(clientId, recent);
    return 0;
  }

  /** Without an owner: a client-credentials token. With one: a user token of that sign-in. */
  issue(clientId: string, owner?: TokenOwner): { token: string; record: TokenRecord } {
    const token = randomBytes(32).toString('base64url');
    const issuedAt = this.now();
    const record: TokenRecord = { tokenId: tokenIdOf(token), clientId, issuedAt, expiresAt: issuedAt + this.ttlSeconds * 1000, ...owner };
    this.tokens.set(token, record);
    this.issued.push(token);
    return { token, record };
  }

  issueRefreshToken(clientId: string, owner: TokenOwner): string {
    const token = randomBytes(32).toString('base64url');
    this.refreshTokens.set(token, { clientId, ...owner, expiresAt: this.now() + this.refreshTtlSeconds * 1000 });
    this.issued.push(token);
    return token;
  }

  /** Takes a refresh token out of circulation (rotation): it answers once, valid or not. */
  redeemRefreshToken(token: string): RefreshRecord | null {
    const record = this.refreshTokens.get(token);
    if (!record) return null;
    this.refreshTokens.delete(token);
    if (record.expiresAt <= this.now() || this.revokedClients.has(record.clientId)) return null;
    return record;
  }

  /** Kills every access and refresh token of one sign-in (a reused code, a sign-out). */
  revokeGrant(grantId: string): void {
    for (const [token, record] of this.tokens) if (record.grantId === grantId) this.tokens.delete(token);
    for (const [token, record] of this.refreshTokens) if (record.grantId === grantId) this.refreshTokens.delete(token);
  }

  revokeUser(userId: string): void {
    for (const [token, record] of this.tokens) if (record.userId === userId) this.tokens.delete(token);
    for (const [token, record] of this.refreshTokens) if (record.userId === userId) this.refreshTokens.delete(token);
  }

  /** Expires the user's access tokens only: her refresh tokens still work. */
  expireUser(userId: string): void {
    const now = this.now();
    for (const record of this.tokens.values()) if (record.userId === userId) record.expiresAt = Math.min(record.expiresAt, now - 1);
  }

  revokeToken(tokenId: string): void {
    for (const [token, record] of this.tokens) if (record.tokenId === tokenId) this.tokens.delete(token);
  }

  get ttl(): number {
    return this.ttlSeconds;
  }

  lookup(token: string): TokenLookup {
    const record = this.tokens.get(token);
    if (!record) return { ok: false, reason: 'unknown' };
    if (this.revokedClients.has(record.clientId)) return { ok: false, reason: 'revoked' };
    if (record.expiresAt <= this.now()) return { ok: false, reason: 'expired' };
    return { ok: true, record };
  }

  /** Every access and refresh token handed out so far, for tests that prove tokens never leak from the client. */
  issuedTokens(): Array<string> {
    return [...this.issued];
  }

  /** Revoking a client also kills its tokens for good; restoring it only allows new logins. */
  revokeClient(clientId: string): void {
    this.revokedClients.add(clientId);
    for (const [token, record] of this.tokens) if (record.clientId === clientId) this.tokens.delete(token);
    for (const [token, record] of this.refreshTokens) if (record.clientId === clientId) this.refreshTokens.delete(token);
  }

  restoreClient(clientId: string): void {
    this.revokedClients.delete(clientId);
  }

  expireAll(): void {
    const now = this.now();
    for (const record of this.tokens.values()) record.expiresAt = Math.min(record.expiresAt, now - 1);
  }

  expire(tokenId: string): void {
    const now = this.now();
    for (const record of this.tokens.values()) if (record.tokenId === tokenId) record.expiresAt = Math.min(record.expiresAt, now - 1);
  }
}

export type RateDecision = { allowed: boolean; limit: number; count: number; resetSeconds: number };

/** A fixed 60-second window per token, opened by the token's first request (the `inin-ratelimit-*` semantics). */
export class RateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(
    private readonly limitPerMinute: number,
    private readonly now: () => number,
  ) {}

  get limit(): number {
    return this.limitPerMinute;
  }

  consume(tokenId: string): RateDecision {
    const now = this.now();
    let window = this.windows.get(tokenId);
    if (!window || now - window.start >= 60_000) {
      window = { start: now, count: 0 };
      this.windows.set(tokenId, window);
    }
    window.count += 1;
    const resetSeconds = Math.max(1, Math.ceil((window.start + 60_000 - now) / 1000));
    return { allowed: window.count <= this.limitPerMinute, limit: this.limitPerMinute, count: window.count, resetSeconds };
  }

  rateLimitHeaders(decision: RateDecision): Record<string, string> {
    return {
      'inin-ratelimit-allowed': String(decision.limit),
      'inin-ratelimit-count': String(decision.count),
      'inin-ratelimit-reset': String(decision.resetSeconds),
    };
  }
}
