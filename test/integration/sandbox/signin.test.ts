import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_C_USER, OFFICER_A_USER, SANDBOX_CLIENT, startSandbox, type Sandbox } from '../../sandbox/server';
import { apis, call, failure, loggedInClient, newSdkClient } from './sdk';
import { apiGet, authorize, authorizeUrl, exchangeCode, pkcePair, REDIRECT_URI, signIn, submitLogin, tokenRequest } from './signin-flow';

let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSandbox({ conversations: 40, audioEngine: 'tones' });
});
afterAll(async () => {
  await sandbox.close();
});

describe('sandbox sign-in: authorization code with PKCE, the way a native app does it', () => {
  it('serves an accessible login form, redirects with a code and the state verbatim, and exchanges the code for user tokens', async () => {
    const pkce = pkcePair();
    const state = 'a b&c=d/é?';
    const url = authorizeUrl(sandbox, pkce, { state });
    const form = await fetch(url);
    expect(form.status).toBe(200);
    expect(form.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await form.text();
    expect(html).toContain('<html lang="en">');
    expect(html).toMatch(/<h1>Sign in to Genesys Cloud<\/h1>/);
    expect(html).toMatch(/<label for="username">Email<\/label>\s*<input id="username" name="username"/);
    expect(html).toMatch(/<label for="password">Password<\/label>\s*<input id="password" name="password" type="password"/);
    // The form posts back to the same URL, query kept.
    const action = /<form method="post" action="([^"]*)"/.exec(html)?.[1]?.replace(/&#38;/g, '&') ?? '';
    expect(new URL(action, sandbox.url).toString()).toBe(url);

    const posted = await submitLogin(url, OFFICER_A_USER.email, OFFICER_A_USER.password);
    expect(posted.status).toBe(302);
    const location = new URL(posted.headers.get('location') ?? '');
    expect(`${location.origin}${location.pathname}`).toBe(REDIRECT_URI);
    expect(location.searchParams.get('state')).toBe(state);
    const code = location.searchParams.get('code') ?? '';
    expect(code).toMatch(/^[A-Za-z0-9_-]{40,}$/);

    const answer = await exchangeCode(sandbox, code, pkce.verifier);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ access_token: expect.any(String), token_type: 'bearer', expires_in: 86_400, refresh_token: expect.any(String) });
    expect(answer.body.refresh_token).not.toBe(answer.body.access_token);
    expect(sandbox.issuedAuthorizationCodes()).toContain(code);
    expect(sandbox.issuedTokens()).toEqual(expect.arrayContaining([answer.body.access_token, answer.body.refresh_token]));
  });

  it("answers users/me with the officer's identity and permissions through the official SDK", async () => {
    const { accessToken } = await signIn(sandbox, OFFICER_A_USER.email, OFFICER_A_USER.password);
    const client = newSdkClient(sandbox);
    client.setAccessToken(accessToken);
    const usersApi = apis(client).users;
    const me = await call<{ id: string; name: string; email: string; authorization: { permissions: Array<string>; roles: Array<{ name: string }> } }>(
      usersApi.getUsersMe({ expand: ['authorization'] }),
    );
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ id: OFFICER_A_USER.id, name: OFFICER_A_USER.name, email: OFFICER_A_USER.email });
    expect(me.body.authorization.permissions).toEqual(
      expect.arrayContaining(['recording:recording:view', 'recording:recording:download', 'recording:deletionProtection:apply', 'recording:deletionProtection:revoke']),
    );
    expect(me.body.authorization.roles.map((r) => r.name)).toEqual(['Compliance Officer']);
    const plain = await call<Record<string, unknown>>(usersApi.getUsersMe({}));
    expect(plain.body).not.toHaveProperty('authorization');
  });

  it('refuses users/me to a client-credentials token: it has no user', async () => {
    const refused = await failure(apis(await loggedInClient(sandbox)).users.getUsersMe({ expand: ['authorization'] }));
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ code: 'bad.request', message: expect.stringContaining('requires a user context') });
  });

  it('refuses a wrong verifier, and the code is used up by the attempt', async () => {
    const pkce = pkcePair();
    const code = (await authorize(sandbox, pkce, OFFICER_A_USER.email, OFFICER_A_USER.password)).get('code') ?? '';
    const wrong = await exchangeCode(sandbox, code, pkcePair().verifier);
    expect(wrong).toEqual({ status: 400, body: expect.objectContaining({ error: 'invalid_grant', error_description: expect.stringContaining('code_verifier') }) });
    expect((await exchangeCode(sandbox, code, pkce.verifier)).body.error).toBe('invalid_grant');
  });

  it('refuses a reused code and revokes the tokens the first exchange issued (RFC 6749 section 4.1.2)', async () => {
    const pkce = pkcePair();
    const code = (await authorize(sandbox, pkce, OFFICER_A_USER.email, OFFICER_A_USER.password)).get('code') ?? '';
    const first = await exchangeCode(sandbox, code, pkce.verifier);
    expect(first.status).toBe(200);
    const accessToken = String(first.body.access_token);
    expect((await apiGet(sandbox, '/users/me', accessToken)).status).toBe(200);
    const second = await exchangeCode(sandbox, code, pkce.verifier);
    expect(second).toEqual({ status: 400, body: expect.objectContaining({ error: 'invalid_grant', error_description: expect.stringContaining('already been used') }) });
    expect(await apiGet(sandbox, '/users/me', accessToken)).toMatchObject({ status: 401, body: { code: 'bad.credentials' } });
    const refresh = await tokenRequest(sandbox, { grant_type: 'refresh_token', refresh_token: String(first.body.refresh_token), client_id: SANDBOX_CLIENT.clientId });
    expect(refresh).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
  });

  it('refuses a redirect_uri at the exchange that differs from the authorization request', async () => {
    const pkce = pkcePair();
    const code = (await authorize(sandbox, pkce, OFFICER_A_USER.email, OFFICER_A_USER.password)).get('code') ?? '';
    const answer = await exchangeCode(sandbox, code, pkce.verifier, 'http://127.0.0.1:53683/callback');
    expect(answer).toMatchObject({ status: 400, body: { error: 'invalid_grant', error_description: expect.stringContaining('redirect_uri') } });
  });

  it('re-shows the form with an escaped error on a bad password, and never redirects', async () => {
    const url = authorizeUrl(sandbox, pkcePair());
    const hostile = '<script>alert(1)</script>@x.test';
    const posted = await submitLogin(url, hostile, 'nope');
    expect(posted.status).toBe(200);
    expect(posted.headers.get('location')).toBeNull();
    const html = await posted.text();
    expect(html).toContain('role="alert"');
    expect(html).toContain('The email or password is incorrect.');
    expect(html).not.toContain('<script>');
    expect(html).toContain('&#60;script&#62;');
    const wrongPassword = await submitLogin(url, AGENT_C_USER.email, OFFICER_A_USER.password);
    expect(wrongPassword.status).toBe(200);
    expect(await wrongPassword.text()).toContain('The email or password is incorrect.');
  });
});
