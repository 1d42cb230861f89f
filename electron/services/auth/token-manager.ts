import type { Logger } from '../../../shared/logger';
import { AppError, AuthError } from '../errors';
import type { Clock } from '../ports';

export type IssuedToken = { accessToken: string; expiresInMs: number };

/**
 * Where a Genesys client's access tokens come from: the service account's TokenManager (client
 * credentials), or a signed-in officer's token source (auth/officer.ts), which throws
 * SignInRequiredError once her sign-in is gone.
 */
export type AccessTokenSource = {
  getToken(): Promise<string>;
  /** Forget `token` after Genesys answered 401 to it; the next getToken gets a new one. */
  invalidate(token: string): void;
};

/** Who holds a token, as error text names them: the service account, or the officer by name. */
export type TokenHolder = { kind: 'service' } | { kind: 'officer'; name: string };
export const SERVICE_HOLDER: TokenHolder = { kind: 'service' };

/** Thrown by an API call when Genesys answered 401 to this token. */
export class TokenRejectedError extends AppError {
  constructor(readonly endpoint: string, cause?: unknown) {
    super('AUTH_REQUIRED', `Genesys rejected the access token on ${endpoint}`, { cause });
  }
}

export type TokenManagerDeps = {
  /** Performs the client-credentials login. Throws AuthError when the credentials are refused. */
  login: () => Promise<IssuedToken>;
  clock: Clock;
  logger: Logger;
  /** Told about every new token so that redaction can mask it everywhere. */
  onToken?: (accessToken: string) => void;
};

type Current = { accessToken: string; expiresAt: number; refreshAt: number };

/** Tokens are treated as expired this long before their stated expiry (clock skew, request latency). */
const EXPIRY_SKEW_MS = 2_000;
const REFRESH_AT_FRACTION = 0.8;

/**
 * Runs `call` with a token from `source`. The Genesys SDK does not retry a 401, so this does: it
 * forgets the rejected token, takes a new one (a login, or an officer's refresh) and replays the call
 * once. A second 401 is an AuthError; whatever getToken throws (SignInRequiredError) propagates.
 */
export async function withAccessToken<T>(
  source: AccessTokenSource,
  call: (accessToken: string) => Promise<T>,
  options: { logger: Logger; holder: TokenHolder },
): Promise<T> {
  const token = await source.getToken();
  try {
    return await call(token);
  } catch (error) {
    if (!(error instanceof TokenRejectedError)) throw error;
    options.logger.warn('access token rejected; getting a new one', { endpoint: error.endpoint, holder: options.holder.kind });
    source.invalidate(token);
    const fresh = await source.getToken();
    try {
      return await call(fresh);
    } catch (second) {
      if (second instanceof TokenRejectedError) {
        const hint = options.holder.kind === 'service' ? "check the OAuth client's roles" : `${options.holder.name} may have to sign in again`;
        throw new AuthError(`Genesys rejected a freshly issued token on ${second.endpoint}; ${hint}.`, { cause: second });
      }
      throw second;
    }
  }
}

/**
 * Owns the service account's access token. The Genesys SDK neither refreshes client-credentials tokens nor retries a
 * 401, so this does both: it logs in again ahead of expiry (single-flight: concurrent callers share one
 * login), and when a call is answered 401 it logs in once more and replays the call once.
 */
export class TokenManager implements AccessTokenSource {
  private current: Current | null = null;
  private inflight: Promise<Current> | null = null;

  constructor(private readonly deps: TokenManagerDeps) {}

  /** A token valid now. Starts a background refresh when inside the refresh window. */
  async getToken(): Promise<string> {
    const now = this.deps.clock.now();
    const current = this.current;
    if (current && now < current.expiresAt - EXPIRY_SKEW_MS) {
      if (now >= current.refreshAt) void this.refresh().catch(() => undefined);
      return current.accessToken;
    }
    return (await this.refresh()).accessToken;
  }

  /** Runs `call` with a token; on a 401 refreshes once and replays; a second 401 is an AuthError. */
  withToken<T>(call: (accessToken: string) => Promise<T>): Promise<T> {
    return withAccessToken(this, call, { logger: this.deps.logger, holder: SERVICE_HOLDER });
  }

  /** Forget `token` if it is still the current one (another caller may already have replaced it). */
  invalidate(token: string): void {
    if (this.current?.accessToken === token) this.current = null;
  }

  /** Time of expiry of the current token, for display and tests. */
  get expiresAt(): number | null {
    return this.current?.expiresAt ?? null;
  }

  /** Takes a token issued elsewhere (an officer's sign-in) as the current one. */
  adopt(issued: IssuedToken): void {
    this.current = this.currentFrom(issued);
  }

  private refresh(): Promise<Current> {
    this.inflight ??= this.loginOnce().finally(() => {
      this.inflight = null;
    });
    return this.inflight;
  }

  private async loginOnce(): Promise<Current> {
    const issued = await this.deps.login();
    if (!issued.accessToken || !(issued.expiresInMs > 0)) {
      throw new AuthError('The Genesys token endpoint answered without an access token or expiry.', {
        code: 'AUTH_REFRESH_FAILED',
      });
    }
    this.current = this.currentFrom(issued);
    this.deps.logger.info('access token issued', { expiresInMs: issued.expiresInMs });
    return this.current;
  }

  private currentFrom(issued: IssuedToken): Current {
    this.deps.onToken?.(issued.accessToken);
    const issuedAt = this.deps.clock.now();
    const lifetime = issued.expiresInMs;
    // Log in again once 80% of the token's life has passed, while the old one still works.
    return { accessToken: issued.accessToken, expiresAt: issuedAt + lifetime, refreshAt: issuedAt + lifetime * REFRESH_AT_FRACTION };
  }
}
