import { createHash, randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { SANDBOX_CLIENT, type Sandbox } from '../../sandbox/server';

/** A browser and a native app doing the PKCE authorization code grant against the sandbox with plain fetch. */

export const REDIRECT_URI = 'http://127.0.0.1:53682/callback';

export type Pkce = { verifier: string; challenge: string };

export function pkcePair(): Pkce {
  const verifier = randomBytes(48).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export function authorizeUrl(sandbox: Pick<Sandbox, 'url'>, pkce: Pkce, overrides: Record<string, string | null> = {}): string {
  const params: Record<string, string | null> = {
    response_type: 'code',
    client_id: SANDBOX_CLIENT.clientId,
    redirect_uri: REDIRECT_URI,
    code_challenge: pkce.challenge,
    code_challenge_method: 'S256',
    state: 'st-1',
    ...overrides,
  };
  const url = new URL('/oauth/authorize', sandbox.url);
  for (const [name, value] of Object.entries(params)) if (value !== null) url.searchParams.set(name, value);
  return url.toString();
}

/** Posts the login form to the authorize URL (query kept), without following the redirect. */
export function submitLogin(url: string, username: string, password: string): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username, password }).toString(),
  });
}

/** Signs in and returns the redirect's query (code and state). */
export async function authorize(sandbox: Pick<Sandbox, 'url'>, pkce: Pkce, email: string, password: string, overrides: Record<string, string | null> = {}): Promise<URLSearchParams> {
  const url = authorizeUrl(sandbox, pkce, overrides);
  const form = await fetch(url);
  expect(form.status).toBe(200);
  await form.text();
  const posted = await submitLogin(url, email, password);
  expect(posted.status).toBe(302);
  const location = new URL(posted.headers.get('location') ?? '');
  expect(`${location.origin}${location.pathname}`).toBe(overrides.redirect_uri ?? REDIRECT_URI);
  return location.searchParams;
}

export type TokenAnswer = { status: number; body: Record<string, unknown> };

export async function tokenRequest(sandbox: Pick<Sandbox, 'url'>, form: Record<string, string>, headers: Record<string, string> = {}): Promise<TokenAnswer> {
  const response = await fetch(`${sandbox.url}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form).toString(),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

export function exchangeCode(sandbox: Pick<Sandbox, 'url'>, code: string, verifier: string, redirectUri = REDIRECT_URI): Promise<TokenAnswer> {
  return tokenRequest(sandbox, { grant_type: 'authorization_code', code, code_verifier: verifier, client_id: SANDBOX_CLIENT.clientId, redirect_uri: redirectUri });
}

export function refreshTokens(sandbox: Pick<Sandbox, 'url'>, refreshToken: string): Promise<TokenAnswer> {
  return tokenRequest(sandbox, { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: SANDBOX_CLIENT.clientId });
}

export type UserTokens = { accessToken: string; refreshToken: string };

/** The whole flow for one user: form, credentials, redirect, code exchange. */
export async function signIn(sandbox: Pick<Sandbox, 'url'>, email: string, password: string): Promise<UserTokens> {
  const pkce = pkcePair();
  const redirect = await authorize(sandbox, pkce, email, password);
  const answer = await exchangeCode(sandbox, redirect.get('code') ?? '', pkce.verifier);
  expect(answer.status).toBe(200);
  return { accessToken: String(answer.body.access_token), refreshToken: String(answer.body.refresh_token) };
}

/** A plain API GET with a bearer token. */
export async function apiGet(sandbox: Pick<Sandbox, 'url'>, path: string, token: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${sandbox.url}/api/v2${path}`, { headers: { authorization: `Bearer ${token}` } });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}
