import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SeedConversation } from '../../sandbox/dataset';
import { SANDBOX_CLIENT, startSandbox, type Sandbox } from '../../sandbox/server';
import { apis, call, failure, loggedInClient, type SdkClient } from './sdk';

let sandbox: Sandbox;
let client: SdkClient;
let api: ReturnType<typeof apis>;
let conversation: SeedConversation;

beforeAll(async () => {
  sandbox = await startSandbox({
    audioEngine: 'tones',
    transcodeFraction: 0,
    archivedFraction: 0,
    slowFaultMs: { minMs: 300, maxMs: 400 },
    rateLimitPerMinute: 100_000,
  });
  client = await loggedInClient(sandbox);
  api = apis(client);
  conversation = sandbox.dataset.conversations.find((c) => (c.recordings[0]?.durationMs ?? 0) < 60_000) as SeedConversation;
});
afterEach(() => sandbox.setFaults({}));
afterAll(async () => {
  await sandbox.close();
});

async function mediaUri(): Promise<string> {
  const recordingId = conversation.recordings[0]?.id ?? '';
  const response = await call<{ mediaUris: Record<string, { mediaUri: string }> }>(api.recording.getConversationRecording(conversation.id, recordingId, { formatId: 'WAV' }));
  return response.body.mediaUris['0']?.mediaUri ?? '';
}

describe('fault injection', () => {
  it('http5xx answers 500, 503 or 504 with a Genesys error body, on API and media requests', async () => {
    const uri = await mediaUri();
    sandbox.setFaults({ http5xx: 1 });
    const seen = new Set<number>();
    for (let i = 0; i < 12; i += 1) {
      const error = await failure(api.routing.getRoutingQueues({}));
      seen.add(error.status);
      const expectedCode = { 500: 'internal.server.error', 503: 'service.unavailable', 504: 'request.timeout' }[error.status as 500 | 503 | 504];
      expect(error.body).toMatchObject({ status: error.status, code: expectedCode, contextId: error.headers['inin-correlation-id'] });
    }
    expect([...seen].every((s) => [500, 503, 504].includes(s))).toBe(true);
    expect(seen.has(503)).toBe(true);
    const media = await fetch(uri);
    expect(media.status).toBeGreaterThanOrEqual(500);
    await media.arrayBuffer();
  });

  it('reset destroys the connection without a response', async () => {
    sandbox.setFaults({ reset: 1 });
    const error = (await failure(api.routing.getRoutingQueues({}))) as unknown as { code?: string; response?: unknown; status?: number };
    expect(error.status).toBeUndefined();
    expect(error.response).toBeUndefined();
    expect(['ECONNRESET', 'ERR_BAD_RESPONSE', 'ECONNABORTED']).toContain(error.code);
  });

  it('slow delays the answer by the configured range', async () => {
    sandbox.setFaults({ slow: 1 });
    const started = Date.now();
    const response = await call(api.routing.getRoutingQueues({}));
    expect(response.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('truncate cuts JSON bodies and media downloads short of their Content-Length', async () => {
    const uri = await mediaUri();
    sandbox.setFaults({ truncate: 1 });
    // The SDK rejects a cut-off body even though the status line said 200: the engine must not trust `status` alone.
    const error = await failure(api.routing.getRoutingQueues({}));
    expect(error.status).toBe(200);
    expect(error.body).toBeUndefined();
    expect((error.error as { code?: string }).code).toBe('ERR_BAD_RESPONSE');
    const media = await fetch(uri);
    expect(media.status).toBe(200);
    expect(Number(media.headers.get('content-length'))).toBe(conversation.recordings[0]?.sizeBytes);
    await expect(media.arrayBuffer()).rejects.toThrow();
  });

  it('malformedJson answers 200 with a body that is not JSON', async () => {
    sandbox.setFaults({ malformedJson: 1 });
    const response = await call<unknown>(api.routing.getRoutingQueues({}));
    expect(response.status).toBe(200);
    expect(typeof response.body).toBe('string');
    expect(() => JSON.parse(response.body as string)).toThrow();
  });

  it('expiredMedia answers a valid media URL with 403 as if it had expired', async () => {
    const uri = await mediaUri();
    sandbox.setFaults({ expiredMedia: 1 });
    const response = await fetch(uri);
    expect(response.status).toBe(403);
    expect(await response.text()).toContain('Request has expired');
    sandbox.setFaults({});
    expect((await fetch(uri, { method: 'HEAD' })).status).toBe(200);
  });

  it('tokenExpiry expires a valid token early: 401 bad.credentials until the client logs in again', async () => {
    const victim = await loggedInClient(sandbox);
    sandbox.setFaults({ tokenExpiry: 1 });
    const first = await failure(apis(victim).routing.getRoutingQueues({}));
    expect(first.status).toBe(401);
    expect(first.body.code).toBe('bad.credentials');
    sandbox.setFaults({});
    expect((await failure(apis(victim).routing.getRoutingQueues({}))).status).toBe(401);
    await victim.loginClientCredentialsGrant(SANDBOX_CLIENT.clientId, SANDBOX_CLIENT.clientSecret);
    expect((await call(apis(victim).routing.getRoutingQueues({}))).status).toBe(200);
  });

  it('fires at the configured rate, and never on the control endpoints', async () => {
    sandbox.resetStats();
    const response = await fetch(`${sandbox.url}/__sandbox/faults`, { method: 'POST', body: JSON.stringify({ http5xx: 0.5 }) });
    expect(await response.json()).toEqual({ http5xx: 0.5 });
    let failures = 0;
    for (let i = 0; i < 40; i += 1) {
      try {
        await api.routing.getRoutingQueues({});
      } catch {
        failures += 1;
      }
    }
    expect(failures).toBeGreaterThan(8);
    expect(failures).toBeLessThan(32);
    sandbox.setFaults({ http5xx: 1, reset: 1, slow: 1, truncate: 1, malformedJson: 1 });
    const stats = await fetch(`${sandbox.url}/__sandbox/stats`);
    expect(stats.status).toBe(200);
    expect(((await stats.json()) as { http5xxInjected: number }).http5xxInjected).toBe(failures);
    const invalid = await fetch(`${sandbox.url}/__sandbox/faults`, { method: 'POST', body: JSON.stringify({ meteor: 1 }) });
    expect(invalid.status).toBe(400);
    expect(((await invalid.json()) as { error: string }).error).toContain('unknown fault "meteor"');
  });
});
