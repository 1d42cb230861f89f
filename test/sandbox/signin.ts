import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { TokenStore } from './auth';
import { errorPage, loginForm, type HtmlReply } from './login-page';
import type { SandboxUsers } from './users';

/**
 * The authorization code grant with PKCE (RFC 6749 section 4.1, RFC 7636 S256) for a native app's loopback
 * redirect (RFC 8252): the `/oauth/authorize` login form, and the `authorization_code` and `refresh_token`
 * grants of `/oauth/token`. Public clients need no secret; a client that sends HTTP Basic must send the right one.
 */

export type AuthorizeReply = HtmlReply | { status: 302; location: string };

export type TokenReply = { status: number; body: Record<string, unknown> };

type AuthorizationCode = {
  clientId: string;
  userId: string;
  redirectUri: string;
  challenge: string;
  expiresAt: number;
  grantId: string;
  redeemed: boolean;
};

/** RFC 7636: 43-128 characters of the unreserved set; an S256 challenge is base64url. */
const VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;
const CHALLENGE = /^[A-Za-z0-9_-]{43,128}$/;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost']);

/** `http://127.0.0.1:PORT/...` or `http://localhost:PORT/...` with an explicit port, nothing else (RFC 8252 section 7.3). */
export function loopbackRedirect(value: string | null): URL | null {
  if (!value) return null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  const explicitPort = /^http:\/\/[^/]+:\d+(?:\/|$)/i.test(value);
  if (url.protocol !== 'http:' || !LOOPBACK_HOSTS.has(url.hostname) || !explicitPort || url.port === '') return null;
  if (url.username || url.password || url.hash) return null;
  return url;
}

export function s256(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

const oauthError = (status: number, error: string, description: string): TokenReply => ({ status, body: { error, description, error_description: description } });

export class UserSignIn {
  private readonly codes = new Map<string, AuthorizationCode>();
  private readonly issuedCodes: Array<string> = [];

  constructor(
    private readonly tokens: TokenStore,
    private readonly users: SandboxUsers,
    private readonly organizationName: string,
    private readonly codeTtlMs: number,
    private readonly now: () => number,
  ) {}

  /**
   * GET shows the login form; POST (same URL, query kept) checks `username`/`password` and redirects with a code.
   * A bad client or redirect URI is an error page, never a redirect; other request errors go back to the client.
   */
  authorize(method: string, action: string, query: URLSearchParams, form: URLSearchParams | null): AuthorizeReply {
    const clientId = query.get('client_id') ?? '';
    const client = this.tokens.checkPublicClient(clientId);
    if (client === 'unknown') return errorPage(400, 'Unknown OAuth client (client_id).');
    if (client === 'revoked') return errorPage(400, 'The OAuth client has been revoked or deactivated.');
    const redirect = loopbackRedirect(query.get('redirect_uri'));
    if (!redirect) return errorPage(400, 'The redirect_uri must be a loopback URI with a port: http://127.0.0.1:PORT/... or http://localhost:PORT/....');
    const state = query.get('state');
    const back = (params: Record<string, string>): AuthorizeReply => {
      const location = new URL(redirect);
      for (const [name, value] of Object.entries(params)) location.searchParams.set(name, value);
      if (state !== null) location.searchParams.set('state', state);
      return { status: 302, location: location.toString() };
    };
    if (query.get('response_type') !== 'code') return back({ error: 'unsupported_response_type', error_description: 'Only response_type=code is supported.' });
    if (query.get('code_challenge_method') !== 'S256') return back({ error: 'invalid_request', error_description: 'code_challenge_method must be S256.' });
    const challenge = query.get('code_challenge') ?? '';
    if (!CHALLENGE.test(challenge)) return back({ error: 'invalid_request', error_description: 'code_challenge must be 43-128 base64url characters.' });
    if (method === 'GET') return loginForm({ action, organization: this.organizationName });
    if (method !== 'POST' || !form) return errorPage(405, 'Use GET to show the sign-in form and POST to submit it.');

    const username = form.get('username') ?? '';
    const check = this.users.signIn(username, form.get('password') ?? '');
    if (!check.ok) {
      const error = check.reason === 'revoked' ? 'This account has been disabled. Contact your Genesys Cloud administrator.' : 'The email or password is incorrect.';
      return loginForm({ action, organization: this.organizationName, username, error });
    }
    const code = randomBytes(32).toString('base64url');
    this.codes.set(code, {
      clientId,
      userId: check.user.id,
      redirectUri: query.get('redirect_uri') ?? '',
      challenge,
      expiresAt: this.now() + this.codeTtlMs,
      grantId: randomUUID(),
      redeemed: false,
    });
    this.issuedCodes.push(code);
    return back({ code });
  }

  /** `grant_type=authorization_code`. Any presentation uses the code up; a second one revokes what the first got. */
  exchangeCode(form: URLSearchParams, clientId: string): TokenReply {
    const code = form.get('code');
    if (!code) return oauthError(400, 'invalid_request', 'The code parameter is required.');
    const record = this.codes.get(code);
    if (!record) return oauthError(400, 'invalid_grant', 'The authorization code is invalid.');
    if (record.redeemed) {
      this.tokens.revokeGrant(record.grantId);
      return oauthError(400, 'invalid_grant', 'The authorization code has already been used; the tokens issued for it are revoked.');
    }
    record.redeemed = true;
    if (record.clientId !== clientId) return oauthError(400, 'invalid_grant', 'The authorization code was issued to another client.');
    if (record.expiresAt <= this.now()) return oauthError(400, 'invalid_grant', 'The authorization code has expired.');
    if (form.get('redirect_uri') !== record.redirectUri) return oauthError(400, 'invalid_grant', 'The redirect_uri does not match the one of the authorization request.');
    const verifier = form.get('code_verifier') ?? '';
    if (!VERIFIER.test(verifier)) return oauthError(400, 'invalid_request', 'code_verifier must be 43-128 characters of [A-Za-z0-9-._~].');
    if (!sameText(s256(verifier), record.challenge)) return oauthError(400, 'invalid_grant', 'The code_verifier does not match the code_challenge.');
    if (this.users.isRevoked(record.userId)) return oauthError(400, 'invalid_grant', 'The user has been disabled.');
    return this.grant(clientId, { userId: record.userId, grantId: record.grantId });
  }

  /** `grant_type=refresh_token`: the refresh token rotates (the old one dies) and a new access token is issued. */
  refresh(form: URLSearchParams, clientId: string): TokenReply {
    const token = form.get('refresh_token');
    if (!token) return oauthError(400, 'invalid_request', 'The refresh_token parameter is required.');
    const record = this.tokens.redeemRefreshToken(token);
    if (!record || record.clientId !== clientId) return oauthError(400, 'invalid_grant', 'The refresh token is invalid, expired or revoked.');
    if (this.users.isRevoked(record.userId)) return oauthError(400, 'invalid_grant', 'The user has been disabled.');
    return this.grant(clientId, { userId: record.userId, grantId: record.grantId });
  }

  /** A revoked user's pending codes die with her tokens; restoring her does not bring them back. */
  forgetCodesOf(userId: string): void {
    for (const [code, record] of this.codes) if (record.userId === userId) this.codes.delete(code);
  }

  /** Every authorization code handed out, for leak checks in tests. */
  codesIssued(): Array<string> {
    return [...this.issuedCodes];
  }

  private grant(clientId: string, owner: { userId: string; grantId: string }): TokenReply {
    const { token } = this.tokens.issue(clientId, owner);
    const refreshToken = this.tokens.issueRefreshToken(clientId, owner);
    return { status: 200, body: { access_token: token, token_type: 'bearer', expires_in: this.tokens.ttl, refresh_token: refreshToken } };
  }
}
