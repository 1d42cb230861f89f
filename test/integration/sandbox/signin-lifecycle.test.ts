import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AGENT_C_USER, OFFICER_A_USER, OFFICER_B_USER, SANDBOX_CLIENT, startSandbox, TRADER_PASSWORD, type Sandbox, type SandboxOptions } from '../../sandbox/server';
import { apis, call, failure, loggedInClient, newSdkClient } from './sdk';
import { apiGet, authorize, authorizeUrl, exchangeCode, pkcePair, refreshTokens, REDIRECT_URI, signIn, submitLogin, tokenRequest } from './signin-flow';

let sandbox: Sandbox | null = null;
afterEach(async () => {
  await sandbox?.close();
  sandbox = null;
});

async function start(options: SandboxOptions = {}): Promise<Sandbox> {
  sandbox = await startSandbox({ conversations: 40, audioEngine: 'tones', transcodeFraction: 0, archivedFraction: 0, ...options });
  return sandbox;
}

const control = async (sb: Sandbox, path: string): Promise<number> => (await fetch(`${sb.url}/__sandbox${path}`, { method: 'POST' })).status;

describe('sandbox authorize endpoint: what it refuses', () => {
  it('shows an error page, never a redirect, for an unknown client or a redirect_uri that is not a loopback URI with a port', async () => {
    const sb = await start();
    const pkce = pkcePair();
    const refused: Array<Record<string, string | null>> = [
      { client_id: 'not-a-client' },
      { redirect_uri: 'https://evil.example/callback' },
      { redirect_uri: 'http://10.0.0.1:8080/callback' },
      { redirect_uri: 'http://127.0.0.1/callback' },
      { redirect_uri: 'http://user@127.0.0.1:8080/callback' },
      { redirect_uri: 'custody://callback' },
      { redirect_uri: null },
    ];
    for (const overrides of refused) {
      const url = authorizeUrl(sb, pkce, overrides);
      for (const response of [await fetch(url, { redirect: 'manual' }), await submitLogin(url, OFFICER_A_USER.email, OFFICER_A_USER.password)]) {
        expect(response.status, JSON.stringify(overrides)).toBe(400);
        expect(response.headers.get('location')).toBeNull();
        expect(await response.text()).toContain('<h1>Sign-in error</h1>');
      }
    }
    await control(sb, `/clients/${SANDBOX_CLIENT.clientId}/revoke`);
    expect((await fetch(authorizeUrl(sb, pkce))).status).toBe(400);
  });

  it('sends other request errors back to the (validated) loopback redirect with the state', async () => {
    const sb = await start();
    const cases: Array<[Record<string, string | null>, string]> = [
      [{ response_type: 'token' }, 'unsupported_response_type'],
      [{ code_challenge_method: 'plain' }, 'invalid_request'],
      [{ code_challenge_method: null }, 'invalid_request'],
      [{ code_challenge: null }, 'invalid_request'],
      [{ code_challenge: 'too-short' }, 'invalid_request'],
    ];
    for (const [overrides, error] of cases) {
      const response = await fetch(authorizeUrl(sb, pkcePair(), { state: 'xyz', redirect_uri: 'http://localhost:8123/cb', ...overrides }), { redirect: 'manual' });
      expect(response.status, JSON.stringify(overrides)).toBe(302);
      const location = new URL(response.headers.get('location') ?? '');
      expect(location.origin + location.pathname).toBe('http://localhost:8123/cb');
      expect(location.searchParams.get('error')).toBe(error);
      expect(location.searchParams.get('state')).toBe('xyz');
      expect(location.searchParams.has('code')).toBe(false);
    }
  });

  it('lets the traders sign in with their seeded email, as their seeded agent id', async () => {
    const sb = await start();
    const trader = sb.dataset.agents[0]!;
    const { accessToken } = await signIn(sb, trader.email.toUpperCase(), TRADER_PASSWORD);
    const me = await apiGet(sb, '/users/me?expand=authorization', accessToken);
    expect(me.body).toMatchObject({ id: trader.id, name: trader.name, email: trader.email });
    expect((me.body.authorization as { permissions: Array<string> }).permissions).toEqual(expect.arrayContaining(['recording:recording:view', 'recording:recording:download']));
  });
});

describe('sandbox token endpoint: code expiry, client authentication and refresh', () => {
  it('expires an unused code after its lifetime', async () => {
    const sb = await start({ authCodeTtlSeconds: 0.2 });
    const pkce = pkcePair();
    const code = (await authorize(sb, pkce, OFFICER_A_USER.email, OFFICER_A_USER.password)).get('code') ?? '';
    await sleep(300);
    expect(await exchangeCode(sb, code, pkce.verifier)).toMatchObject({ status: 400, body: { error: 'invalid_grant', error_description: expect.stringContaining('expired') } });
  });

  it('accepts HTTP Basic on the code exchange, but only with the right secret', async () => {
    const sb = await start();
    const pkce = pkcePair();
    const code = (await authorize(sb, pkce, OFFICER_B_USER.email, OFFICER_B_USER.password)).get('code') ?? '';
    const form = { grant_type: 'authorization_code', code, code_verifier: pkce.verifier, redirect_uri: REDIRECT_URI };
    const basic = (secret: string): Record<string, string> => ({ authorization: `Basic ${Buffer.from(`${SANDBOX_CLIENT.clientId}:${secret}`).toString('base64')}` });
    expect(await tokenRequest(sb, form, basic('wrong'))).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
    expect(await tokenRequest(sb, { ...form, client_id: 'someone-else' }, basic(SANDBOX_CLIENT.clientSecret))).toMatchObject({ status: 401 });
    expect(await tokenRequest(sb, { ...form, code: 'x' })).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
    const other = pkcePair();
    const second = (await authorize(sb, other, OFFICER_B_USER.email, OFFICER_B_USER.password)).get('code') ?? '';
    const answer = await tokenRequest(sb, { ...form, code: second, code_verifier: other.verifier }, basic(SANDBOX_CLIENT.clientSecret));
    expect(answer.status).toBe(200);
    expect((await apiGet(sb, '/users/me', String(answer.body.access_token))).body.id).toBe(OFFICER_B_USER.id);
  });

  it('rotates the refresh token: the new pair works, the old refresh token is dead, the old access token lives out its time', async () => {
    const sb = await start();
    const first = await signIn(sb, OFFICER_A_USER.email, OFFICER_A_USER.password);
    const rotated = await refreshTokens(sb, first.refreshToken);
    expect(rotated.status).toBe(200);
    expect(rotated.body).toEqual({ access_token: expect.any(String), token_type: 'bearer', expires_in: 86_400, refresh_token: expect.any(String) });
    expect(rotated.body.refresh_token).not.toBe(first.refreshToken);
    expect((await apiGet(sb, '/users/me', String(rotated.body.access_token))).body.id).toBe(OFFICER_A_USER.id);
    expect(await refreshTokens(sb, first.refreshToken)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect((await apiGet(sb, '/users/me', first.accessToken)).status).toBe(200);
    expect(await refreshTokens(sb, 'never-issued')).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect(await tokenRequest(sb, { grant_type: 'refresh_token', refresh_token: String(rotated.body.refresh_token), client_id: 'unknown' })).toMatchObject({ status: 401 });
  });

  it('expires a refresh token after its configured lifetime', async () => {
    const sb = await start({ refreshTokenTtlSeconds: 1 });
    const { refreshToken } = await signIn(sb, OFFICER_A_USER.email, OFFICER_A_USER.password);
    await sleep(1100);
    expect(await refreshTokens(sb, refreshToken)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
  });

  it("expiring a user's access tokens leaves her refresh token working", async () => {
    const sb = await start();
    const a = await signIn(sb, OFFICER_A_USER.email, OFFICER_A_USER.password);
    const b = await signIn(sb, OFFICER_B_USER.email, OFFICER_B_USER.password);
    expect(await control(sb, `/users/${encodeURIComponent(OFFICER_A_USER.email)}/tokens/expire`)).toBe(200);
    expect(await apiGet(sb, '/users/me', a.accessToken)).toMatchObject({ status: 401, body: { code: 'bad.credentials' } });
    expect((await apiGet(sb, '/users/me', b.accessToken)).status).toBe(200);
    const renewed = await refreshTokens(sb, a.refreshToken);
    expect(renewed.status).toBe(200);
    expect((await apiGet(sb, '/users/me', String(renewed.body.access_token))).status).toBe(200);
  });
});

describe('sandbox user revocation and sign-out', () => {
  it("a revoked user loses her access and refresh tokens and cannot sign in until restored", async () => {
    const sb = await start();
    const pending = pkcePair();
    const pendingCode = (await authorize(sb, pending, OFFICER_A_USER.email, OFFICER_A_USER.password)).get('code') ?? '';
    const a = await signIn(sb, OFFICER_A_USER.email, OFFICER_A_USER.password);
    const b = await signIn(sb, OFFICER_B_USER.email, OFFICER_B_USER.password);
    expect(await control(sb, `/users/${OFFICER_A_USER.email}/revoke`)).toBe(200);

    expect((await apiGet(sb, '/users/me', a.accessToken)).status).toBe(401);
    expect(await refreshTokens(sb, a.refreshToken)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    const url = authorizeUrl(sb, pkcePair());
    const refused = await submitLogin(url, OFFICER_A_USER.email, OFFICER_A_USER.password);
    expect(refused.status).toBe(200);
    expect(refused.headers.get('location')).toBeNull();
    expect(await refused.text()).toContain('This account has been disabled.');
    expect((await apiGet(sb, '/users/me', b.accessToken)).status).toBe(200);

    expect(await control(sb, `/users/${OFFICER_A_USER.email}/restore`)).toBe(200);
    expect((await apiGet(sb, '/users/me', a.accessToken)).status).toBe(401);
    expect((await refreshTokens(sb, a.refreshToken)).status).toBe(400);
    expect((await exchangeCode(sb, pendingCode, pending.verifier)).body).toMatchObject({ error: 'invalid_grant', error_description: 'The authorization code is invalid.' });
    const again = await signIn(sb, OFFICER_A_USER.email, OFFICER_A_USER.password);
    expect((await apiGet(sb, '/users/me', again.accessToken)).status).toBe(200);
    expect(await control(sb, '/users/nobody@x.test/revoke')).toBe(400);
  });

  it('DELETE tokens/me signs out: the access token and the refresh token of that sign-in die, other sign-ins live', async () => {
    const sb = await start();
    const first = await signIn(sb, OFFICER_A_USER.email, OFFICER_A_USER.password);
    const second = await signIn(sb, OFFICER_A_USER.email, OFFICER_A_USER.password);
    const client = newSdkClient(sb);
    client.setAccessToken(first.accessToken);
    const info = await call<{ OAuthClient: { id: string; authorizedGrantType: string }; organization: { id: string } }>(apis(client).tokens.getTokensMe());
    expect(info.body.OAuthClient).toMatchObject({ id: SANDBOX_CLIENT.clientId, authorizedGrantType: 'CODE' });
    expect(info.body.organization.id).toBe(sb.dataset.organization.id);
    const deleted = await call(apis(client).tokens.deleteTokensMe());
    expect(deleted.status).toBe(204);
    expect((await apiGet(sb, '/tokens/me', first.accessToken)).status).toBe(401);
    expect((await refreshTokens(sb, first.refreshToken)).body.error).toBe('invalid_grant');
    expect((await apiGet(sb, '/tokens/me', second.accessToken)).status).toBe(200);
    expect((await refreshTokens(sb, second.refreshToken)).status).toBe(200);

    const service = await loggedInClient(sb);
    const serviceInfo = await call<{ OAuthClient: { authorizedGrantType: string } }>(apis(service).tokens.getTokensMe());
    expect(serviceInfo.body.OAuthClient.authorizedGrantType).toBe('CLIENT-CREDENTIALS');
  });
});

describe('sandbox request log', () => {
  it('never prints a code, verifier, token or password of a sign-in', async () => {
    const lines: Array<string> = [];
    const spy = vi.spyOn(console, 'log').mockImplementation((...args: Array<unknown>) => void lines.push(args.map(String).join(' ')));
    try {
      const sb = await start({ logRequests: true });
      const pkce = pkcePair();
      const redirect = await authorize(sb, pkce, OFFICER_A_USER.email, OFFICER_A_USER.password);
      const code = redirect.get('code') ?? '';
      const answer = await exchangeCode(sb, code, pkce.verifier);
      const refreshed = await refreshTokens(sb, String(answer.body.refresh_token));
      await apiGet(sb, `/users/me?access_token=${String(refreshed.body.access_token)}`, String(refreshed.body.access_token));
      // A client that puts secrets in the query (it should not) still does not get them logged.
      await fetch(`${authorizeUrl(sb, pkce)}&code=${code}&password=${OFFICER_A_USER.password}`);
      await sleep(50);
      const log = lines.join('\n');
      expect(log).toContain('POST /oauth/authorize');
      expect(log).toContain('/oauth/token');
      for (const secret of [code, pkce.verifier, OFFICER_A_USER.password, String(answer.body.access_token), String(answer.body.refresh_token), String(refreshed.body.access_token)]) {
        expect(log).not.toContain(secret);
      }
    } finally {
      spy.mockRestore();
    }
  });
});

describe("sandbox permission checks use the user's permissions", () => {
  it('refuses agent.c a recording endpoint naming the permission, serves the officer, and counts each under her own token', async () => {
    const sb = await start();
    const conversation = sb.dataset.conversations.find((c) => c.recordings.length > 0)!;
    const officer = await signIn(sb, OFFICER_A_USER.email, OFFICER_A_USER.password);
    const agent = await signIn(sb, AGENT_C_USER.email, AGENT_C_USER.password);
    const service = apis(await loggedInClient(sb));
    sb.resetStats();

    const agentClient = newSdkClient(sb);
    agentClient.setAccessToken(agent.accessToken);
    const refused = await failure(apis(agentClient).recording.getConversationRecordingmetadata(conversation.id));
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ code: 'missing.any.permissions', message: expect.stringContaining('recording:recording:view') });
    const queues = await call(apis(agentClient).routing.getRoutingQueues({}));
    expect(queues.status).toBe(200);

    const officerClient = newSdkClient(sb);
    officerClient.setAccessToken(officer.accessToken);
    for (let i = 0; i < 3; i += 1) expect((await call(apis(officerClient).recording.getConversationRecordingmetadata(conversation.id))).status).toBe(200);
    await call(service.routing.getRoutingQueues({}));

    const stats = sb.stats();
    expect(stats.byUser).toEqual({ [OFFICER_A_USER.id]: 3, [AGENT_C_USER.id]: 2 });
    const officerTokens = Object.entries(stats.tokens).filter(([, owner]) => owner.genesysUserId === OFFICER_A_USER.id);
    expect(officerTokens).toHaveLength(1);
    const [officerTokenId, owner] = officerTokens[0]!;
    expect(owner).toEqual({ clientId: SANDBOX_CLIENT.clientId, grant: 'authorization_code', genesysUserId: OFFICER_A_USER.id });
    expect(stats.byToken[officerTokenId]).toBe(3);
    expect(Object.values(stats.tokens).filter((o) => o.grant === 'client_credentials')).toHaveLength(1);
    const published = JSON.stringify(await (await fetch(`${sb.url}/__sandbox/stats`)).json());
    expect(published).toContain(OFFICER_A_USER.id);
    for (const secret of [officer.accessToken, officer.refreshToken, agent.accessToken]) expect(published).not.toContain(secret);
  });
});

