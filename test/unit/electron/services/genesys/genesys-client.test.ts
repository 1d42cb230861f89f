import { describe, expect, it } from 'vitest';
import { AuthError, InvalidResponseError, RateLimitError } from '../../../../../electron/services/errors';
import type { RateLimitObservation } from '../../../../../electron/services/genesys/genesys-client';
import { advanceUntilSettled, FakeClock, flushMicrotasks } from '../../../../helpers/fake-clock';
import { MemoryLogger } from '../../../../helpers/memory-logger';
import { FakeGenesysOrg } from '../../../../fakes/genesys-org';

const conversationId = 'c-1';
const wav = new Uint8Array([1, 2, 3, 4]);

function setUp(random = () => 0) {
  const clock = new FakeClock();
  const org = new FakeGenesysOrg().add({ id: 'r-1', conversationId, audio: wav }, { id: 'r-2', conversationId, audio: wav });
  const observations: Array<RateLimitObservation> = [];
  const logger = new MemoryLogger();
  const { client, tokens } = org.client({ clock, random, logger, onRateLimit: (o) => observations.push(o) });
  return { clock, org, client, tokens, observations, logger };
}

/** Lets a pending call run until it sleeps, then reports whether it settled. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void (async () => {
    try {
      await promise;
    } catch {
      // Settled all the same.
    } finally {
      done = true;
    }
  })();
  await flushMicrotasks();
  return done;
}

describe('GenesysClient over the official SDK', () => {
  it('sends concurrent first calls with one token from one login (single flight)', async () => {
    const { org, client } = setUp();
    let open!: () => void;
    org.loginGate = new Promise((resolve) => (open = resolve));
    const calls = Promise.all([client.organization(), client.conversationRecordingsWithMedia(conversationId), client.recordingMetadata(conversationId)]);
    await flushMicrotasks();
    expect(org.requests).toHaveLength(0);
    open();
    const [organization, listed, metadata] = await calls;
    expect(organization.id).toBe('org-1');
    expect(listed.recordings.map((r) => r.id)).toEqual(['r-1', 'r-2']);
    expect(metadata).toHaveLength(2);
    expect(org.logins).toBe(1);
    expect(new Set(org.requests.map((r) => r.token))).toEqual(new Set(['token-1']));
  });

  it('logs in once more when Genesys rejects the token, replays each call once with the new one, and every caller shares that login', async () => {
    const { org, client } = setUp();
    await client.organization();
    org.revoke('token-1');
    const results = await Promise.all([client.organization(), client.organization(), client.recordingMetadata(conversationId)]);
    expect(results).toHaveLength(3);
    expect(org.logins).toBe(2);
    expect(org.requests.filter((r) => r.token === 'token-1')).toHaveLength(4);
    expect(org.requests.filter((r) => r.token === 'token-2')).toHaveLength(3);
  });

  it('turns a second 401 on a fresh token into an AuthError without a third try', async () => {
    const { org, client } = setUp();
    await client.organization();
    org.revoke('token-1');
    org.revoke('token-2');
    await expect(client.organization()).rejects.toBeInstanceOf(AuthError);
    expect(org.calls(/organizations/)).toHaveLength(3);
    expect(org.logins).toBe(2);
  });

  it('on 429 waits at least the Retry-After seconds before trying again, and reports the quota it saw', async () => {
    const { clock, org, client, observations } = setUp();
    org.fail(/GET \/api\/v2\/organizations\/me/, {
      status: 429,
      headers: { 'retry-after': '3', 'inin-ratelimit-allowed': '300', 'inin-ratelimit-count': '300', 'inin-ratelimit-reset': '3' },
      body: { message: 'Rate limit exceeded' },
    });
    const call = client.organization();
    expect(await settled(call)).toBe(false);
    expect(org.calls(/organizations/)).toHaveLength(1);
    await clock.advance(2_999);
    expect(org.calls(/organizations/)).toHaveLength(1);
    await clock.advance(1);
    expect((await call).id).toBe('org-1');
    expect(org.calls(/organizations/)).toHaveLength(2);
    expect(observations[0]).toMatchObject({ status: 429, allowed: 300, count: 300, retryAfterMs: 3_000 });
  });

  it('reads Retry-After as an HTTP date too', async () => {
    const { clock, org, client } = setUp();
    const at = new Date(Math.ceil((clock.now() + 10_000) / 1000) * 1000);
    org.fail(/organizations/, { status: 429, headers: { 'retry-after': at.toUTCString() } });
    const call = client.organization();
    expect(await settled(call)).toBe(false);
    await clock.advance(at.getTime() - clock.now() - 1);
    expect(org.calls(/organizations/)).toHaveLength(1);
    await clock.advance(1);
    await call;
    expect(org.calls(/organizations/)).toHaveLength(2);
  });

  it('backs off with full jitter on 5xx and gives up after the policy\'s attempts with the last error', async () => {
    const { clock, org, client, logger } = setUp(() => 0.5);
    org.fail(/organizations/, { status: 503, body: { message: 'unavailable' } }, 6);
    const call = client.organization();
    const outcome = call.catch((error: unknown) => error);
    // Base 500 ms: half of 500, 1000, 2000, 4000, 8000 between the six attempts.
    for (const delay of [250, 500, 1_000, 2_000, 4_000]) {
      await flushMicrotasks();
      await clock.advance(delay - 1);
      const before = org.calls(/organizations/).length;
      await clock.advance(1);
      expect(org.calls(/organizations/).length).toBe(before + 1);
    }
    const error = await outcome;
    expect(error).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', status: 503 });
    expect(org.calls(/organizations/)).toHaveLength(6);
    expect(logger.entries.filter((e) => e.message === 'retrying Genesys call').map((e) => e.fields?.delayMs)).toEqual([250, 500, 1_000, 2_000, 4_000]);
  });

  it('gives a 429 that outlasts the attempts back as RATE_LIMITED', async () => {
    const { clock, org, client } = setUp();
    org.fail(/organizations/, { status: 429, headers: { 'retry-after': '1' } }, 6);
    const outcome = client.organization().catch((error: unknown) => error);
    for (let i = 0; i < 5; i += 1) {
      await flushMicrotasks();
      await clock.advance(1_000);
    }
    expect(await outcome).toBeInstanceOf(RateLimitError);
  });

  it('does not retry a 403, and names the endpoint and the permission', async () => {
    const { org, client } = setUp();
    org.fail(/organizations/, { status: 403, body: { message: 'missing permission recording:recording:view' } });
    const error = await client.organization().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthError);
    expect((error as Error).message).toMatch(/GET \/api\/v2\/organizations\/me: missing permission/);
    expect(org.calls()).toHaveLength(1);
  });

  it('refuses an answer whose recording id is not an id, naming the endpoint, after retrying it as a fault', async () => {
    const { clock, org, client } = setUp();
    org.fail(/recordingmetadata/, { status: 200, body: [{ id: '../../etc/passwd' }] }, 6);
    const error = await advanceUntilSettled(clock, client.recordingMetadata(conversationId).catch((e: unknown) => e));
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect((error as Error).message).toContain('GET /api/v2/conversations/{conversationId}/recordingmetadata');
    expect(org.calls(/recordingmetadata/)).toHaveLength(6);
  });

  it('never puts the token into an error or a log line', async () => {
    const { clock, org, client, logger } = setUp(() => 0);
    org.fail(/organizations/, { status: 500, body: { message: 'boom' } }, 1);
    await advanceUntilSettled(clock, client.organization());
    org.fail(/organizations/, { status: 404, body: { message: 'gone' } });
    const error = (await client.organization().catch((e: unknown) => e)) as Error;
    expect(error).toMatchObject({ code: 'NOT_FOUND' });
    expect(`${error.message} ${JSON.stringify(error)} ${logger.text()}`).not.toContain('token-1');
  });

  it('says a recording is not ready while Genesys transcodes it (202) and gives its link once it is', async () => {
    const { org, client } = setUp();
    org.add({ id: 'r-3', conversationId: 'c-2', audio: wav, transcodingPolls: 1 });
    const first = await client.recordingWithMedia('c-2', 'r-3');
    expect(first.ready).toBe(false);
    const second = await client.recordingWithMedia('c-2', 'r-3');
    expect(second.ready).toBe(true);
    expect(Object.values(second.recording.mediaUris ?? {})[0]?.mediaUri).toMatch(/r-3$/);
  });
});
