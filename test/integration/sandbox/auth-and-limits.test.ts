import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { SANDBOX_CLIENT, startSandbox, type Sandbox, type SandboxOptions } from '../../sandbox/server';
import { apis, call, failure, loggedInClient, newSdkClient } from './sdk';

const OTHER_CLIENT = { clientId: 'b6f1c2d3-0000-4000-8000-00000000b0b0', clientSecret: 'other-secret' };

let sandbox: Sandbox | null = null;
afterEach(async () => {
  await sandbox?.close();
  sandbox = null;
});

async function start(options: SandboxOptions = {}): Promise<Sandbox> {
  sandbox = await startSandbox({ conversations: 200, audioEngine: 'tones', clients: [SANDBOX_CLIENT, OTHER_CLIENT], ...options });
  return sandbox;
}

type AxiosLike = { response?: { status: number; data: Record<string, unknown>; headers: Record<string, string> } };

async function loginFailure(promise: Promise<unknown>): Promise<NonNullable<AxiosLike['response']>> {
  try {
    await promise;
  } catch (error) {
    const response = (error as AxiosLike).response;
    if (!response) throw error;
    return response;
  }
  throw new Error('expected the login to fail');
}

describe('sandbox OAuth and token checks, through the real SDK', () => {
  it('issues a bearer token for client credentials and accepts it on API calls', async () => {
    const sb = await start();
    const client = newSdkClient(sb);
    const auth = await client.loginClientCredentialsGrant(SANDBOX_CLIENT.clientId, SANDBOX_CLIENT.clientSecret);
    expect(auth.accessToken).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    expect(auth.tokenExpiryTime).toBeGreaterThan(Date.now() + 86_000_000);
    const org = await call(apis(client).organization.getOrganizationsMe());
    expect(org.status).toBe(200);
    expect(org.body.name).toBe(sb.dataset.organization.name);
    expect(org.body.id).toBe(sb.dataset.organization.id);
    expect(org.body).not.toHaveProperty('homeRegion'); // not in Genesys's Organization model
  });

  it('answers the token endpoint in OAuth style: token_type bearer and expires_in', async () => {
    const sb = await start({ tokenTtlSeconds: 600 });
    const basic = Buffer.from(`${SANDBOX_CLIENT.clientId}:${SANDBOX_CLIENT.clientSecret}`).toString('base64');
    const response = await fetch(`${sb.url}/oauth/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('inin-correlation-id')).toMatch(/^[0-9a-f-]{36}$/);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toEqual({ access_token: expect.any(String), token_type: 'bearer', expires_in: 600 });

    const wrongGrant = await fetch(`${sb.url}/oauth/token`, { method: 'POST', headers: { authorization: `Basic ${basic}` }, body: 'grant_type=password' });
    expect(wrongGrant.status).toBe(400);
    expect(((await wrongGrant.json()) as Record<string, unknown>).error).toBe('unsupported_grant_type');
  });

  it('rejects a wrong secret and an unknown client with 401 invalid_client', async () => {
    const sb = await start();
    const badSecret = await loginFailure(newSdkClient(sb).loginClientCredentialsGrant(SANDBOX_CLIENT.clientId, 'wrong'));
    expect(badSecret.status).toBe(401);
    expect(badSecret.data).toMatchObject({ error: 'invalid_client', description: expect.any(String), error_description: expect.any(String) });
    const unknown = await loginFailure(newSdkClient(sb).loginClientCredentialsGrant('nobody', 'nothing'));
    expect(unknown.status).toBe(401);
    expect(unknown.data.error).toBe('invalid_client');
    expect(sb.stats().tokenRequestsRejected).toBe(2);
  });

  it('answers 401 authentication.required without a token, with the correlation id as contextId', async () => {
    const sb = await start();
    const anonymous = newSdkClient(sb);
    const error = await failure(apis(anonymous).routing.getRoutingQueues({}));
    expect(error.status).toBe(401);
    expect(error.body).toMatchObject({ code: 'authentication.required', status: 401, details: [], errors: [] });
    expect(error.body.contextId).toBe(error.headers['inin-correlation-id']);
    expect(error.headers['inin-ratelimit-allowed']).toBe('300');
  });

  it('answers 401 bad.credentials for unknown, expired and revoked tokens, and lets a restored client log in again', async () => {
    const sb = await start({ tokenTtlSeconds: 1 });
    const forged = newSdkClient(sb);
    forged.setAccessToken('not-a-token-the-sandbox-issued');
    expect((await failure(apis(forged).users.getUsers({}))).body.code).toBe('bad.credentials');

    const expiring = await loggedInClient(sb);
    expect((await call(apis(expiring).users.getUsers({}))).status).toBe(200);
    await sleep(1100);
    const expired = await failure(apis(expiring).users.getUsers({}));
    expect(expired.status).toBe(401);
    expect(expired.body.code).toBe('bad.credentials');

    const revokedClient = await loggedInClient(sb, OTHER_CLIENT);
    sb.revokeClient(OTHER_CLIENT.clientId);
    expect((await failure(apis(revokedClient).users.getUsers({}))).body.code).toBe('bad.credentials');
    const refused = await loginFailure(newSdkClient(sb).loginClientCredentialsGrant(OTHER_CLIENT.clientId, OTHER_CLIENT.clientSecret));
    expect(refused.status).toBe(401);
    expect(refused.data.error).toBe('invalid_client');
    sb.restoreClient(OTHER_CLIENT.clientId);
    const again = await loggedInClient(sb, OTHER_CLIENT);
    expect((await call(apis(again).users.getUsers({}))).status).toBe(200);
  });

  it('expireAllTokens makes every issued token fail until the client logs in again', async () => {
    const sb = await start();
    const client = await loggedInClient(sb);
    sb.expireAllTokens();
    expect((await failure(apis(client).users.getUsers({}))).status).toBe(401);
    await client.loginClientCredentialsGrant(SANDBOX_CLIENT.clientId, SANDBOX_CLIENT.clientSecret);
    expect((await call(apis(client).users.getUsers({}))).status).toBe(200);
  });

  it('limits token creation per client when configured, with Retry-After', async () => {
    const sb = await start({ tokenCreationLimitPerMinute: 2 });
    await loggedInClient(sb);
    await loggedInClient(sb);
    const limited = await loginFailure(newSdkClient(sb).loginClientCredentialsGrant(SANDBOX_CLIENT.clientId, SANDBOX_CLIENT.clientSecret));
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // The limit is per client.
    await loggedInClient(sb, OTHER_CLIENT);
    expect(sb.stats().tokensIssued).toBe(3);
  });

  it('serves login and API under the gateway path prefixes /login and /gc', async () => {
    const sb = await start();
    const client = newSdkClient(sb, { path_params_login: 'login', path_params_api: 'gc' });
    await client.loginClientCredentialsGrant(SANDBOX_CLIENT.clientId, SANDBOX_CLIENT.clientSecret);
    const queues = await call(apis(client).routing.getRoutingQueues({}));
    expect(queues.status).toBe(200);
    expect(sb.stats().byEndpoint['GET /api/v2/routing/queues']).toBe(1);
  });

  it('gives a 403 missing.any.permissions to a client whose roles lack the endpoint permission', async () => {
    const sb = await start({ clients: [{ ...SANDBOX_CLIENT, permissions: ['routing:queue:view'] }] });
    const client = await loggedInClient(sb);
    expect((await call(apis(client).routing.getRoutingQueues({}))).status).toBe(200);
    const denied = await failure(apis(client).recording.getConversationRecordingmetadata(sb.dataset.conversations[0]?.id ?? ''));
    expect(denied.status).toBe(403);
    expect(denied.body.code).toBe('missing.any.permissions');
    expect(denied.body.message).toContain('recording:recording:view');
  });
});

describe('sandbox rate limit', () => {
  it('sends inin-ratelimit headers on every response and 429 with Retry-After beyond the per-token budget', async () => {
    const sb = await start({ rateLimitPerMinute: 5 });
    const client = await loggedInClient(sb);
    const api = apis(client).routing;
    for (let i = 1; i <= 5; i += 1) {
      const ok = await call(api.getRoutingQueues({}));
      expect(ok.headers['inin-ratelimit-allowed']).toBe('5');
      expect(ok.headers['inin-ratelimit-count']).toBe(String(i));
      expect(Number(ok.headers['inin-ratelimit-reset'])).toBeGreaterThan(0);
      expect(ok.headers['inin-correlation-id']).toMatch(/^[0-9a-f-]{36}$/);
    }
    const limited = await failure(api.getRoutingQueues({}));
    expect(limited.status).toBe(429);
    const retryAfter = Number(limited.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(limited.headers['inin-ratelimit-count']).toBe('6');
    expect(limited.body).toEqual({
      message: `Rate limit exceeded the maximum. Retry the request in [${retryAfter}] seconds`,
      code: 'too.many.requests.retry.after',
      status: 429,
      contextId: limited.headers['inin-correlation-id'],
      details: [],
      errors: [],
    });
    // Each token has its own budget.
    const second = await loggedInClient(sb);
    expect((await call(apis(second).routing.getRoutingQueues({}))).headers['inin-ratelimit-count']).toBe('1');
    expect(sb.stats().rateLimited).toBe(1);
  });

  it('does not count media downloads against the API rate limit', async () => {
    const sb = await start({ rateLimitPerMinute: 3, transcodeFraction: 0, archivedFraction: 0 });
    const client = await loggedInClient(sb);
    const conversation = sb.dataset.conversations.find((c) => c.recordings[0] && c.recordings[0].durationMs < 40_000);
    if (!conversation) throw new Error('dataset has no short recording');
    const listing = await call<Array<{ mediaUris: Record<string, { mediaUri: string }> }>>(
      apis(client).recording.getConversationRecordings(conversation.id, { formatId: 'WAV' }),
    );
    const uri = Object.values(listing.body[0]?.mediaUris ?? {})[0]?.mediaUri ?? '';
    for (let i = 0; i < 4; i += 1) {
      const media = await fetch(uri, { headers: { range: 'bytes=0-43' } });
      expect(media.status).toBe(206);
      await media.arrayBuffer();
    }
    const next = await call(apis(client).routing.getRoutingQueues({}));
    expect(next.headers['inin-ratelimit-count']).toBe('2');
  });
});
