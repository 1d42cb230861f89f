import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SeedConversation } from '../../sandbox/dataset';
import { SANDBOX_CLIENT, startSandbox, type Sandbox, type SandboxStats } from '../../sandbox/server';
import { apis, call, failure, loggedInClient } from './sdk';

let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSandbox({ audioEngine: 'tones', transcodeFraction: 0, archivedFraction: 0, rateLimitPerMinute: 6 });
});
afterAll(async () => {
  await sandbox.close();
});

const tokenOf = (api: ReturnType<typeof apis>): string =>
  (api.recording as unknown as { apiClient: { authData: { accessToken: string } } }).apiClient.authData.accessToken;

describe('sandbox stats', () => {
  it('counts requests per endpoint template and per token hash, 429s, tokens and injected 5xx, and never shows a token', async () => {
    sandbox.resetStats();
    const first = apis(await loggedInClient(sandbox));
    const second = apis(await loggedInClient(sandbox));
    const conversation = sandbox.dataset.conversations.find((c) => (c.recordings[0]?.durationMs ?? 0) < 60_000) as SeedConversation;
    const recordingId = conversation.recordings[0]?.id ?? '';

    await call(first.routing.getRoutingQueues({}));
    await call(first.recording.getConversationRecordingmetadata(conversation.id));
    const single = await call<{ mediaUris: Record<string, { mediaUri: string }> }>(
      first.recording.getConversationRecording(conversation.id, recordingId, { formatId: 'WAV' }),
    );
    const uri = single.body.mediaUris['0']?.mediaUri ?? '';
    // Concurrent first downloads share one generation of the audio.
    const downloads = await Promise.all(Array.from({ length: 5 }, () => fetch(uri)));
    await Promise.all(downloads.map((d) => d.arrayBuffer()));
    sandbox.setFaults({ http5xx: 1 });
    await failure(second.routing.getRoutingQueues({}));
    sandbox.setFaults({});
    for (let i = 0; i < 5; i += 1) await call(second.users.getUsers({}));
    const limited = await failure(second.users.getUsers({}));
    expect(limited.status).toBe(429);

    const stats = sandbox.stats();
    expect(stats.requests).toEqual({ total: 2 + 3 + 5 + 7, api: 10, oauth: 2, media: 5 });
    expect(stats.byEndpoint).toEqual({
      'POST /oauth/token': 2,
      'GET /api/v2/routing/queues': 2,
      'GET /api/v2/conversations/{conversationId}/recordingmetadata': 1,
      'GET /api/v2/conversations/{conversationId}/recordings/{recordingId}': 1,
      'GET /media/{token}': 5,
      'GET /api/v2/users': 6,
    });
    expect(Object.values(stats.byToken).sort()).toEqual([3, 7]);
    for (const id of Object.keys(stats.byToken)) expect(id).toMatch(/^[0-9a-f]{12}$/);
    expect(stats.tokensIssued).toBe(2);
    expect(stats.rateLimited).toBe(1);
    expect(stats.http5xxInjected).toBe(1);
    expect(stats.faultsInjected.http5xx).toBe(1);
    expect(stats.byStatus['429']).toBe(1);
    expect(stats.audioFilesGenerated).toBe(1);
    expect(stats.mediaBytesSent).toBe(5 * (conversation.recordings[0]?.sizeBytes ?? 0));
    expect(stats.rate.peakRequestsIn1s).toBeGreaterThanOrEqual(1);
    expect(stats.rate.peakPerMinute1s).toBe(stats.rate.peakRequestsIn1s * 60);
    expect(stats.rate.peakPerMinute60s).toBe(10);
    expect(stats.rate.averagePerMinute).toBeGreaterThan(0);

    const serialised = JSON.stringify(stats);
    for (const token of [tokenOf(first), tokenOf(second)]) {
      expect(serialised).not.toContain(token);
      expect(serialised).not.toContain(token.slice(0, 12));
    }
  });

  it('serves the same numbers over HTTP and resets them', async () => {
    const api = apis(await loggedInClient(sandbox));
    await call(api.routing.getRoutingQueues({}));
    const overHttp = (await (await fetch(`${sandbox.url}/__sandbox/stats`)).json()) as SandboxStats;
    expect(overHttp.requests.api).toBe(sandbox.stats().requests.api);
    // Control traffic is not counted.
    expect(overHttp.byEndpoint['GET /__sandbox/stats']).toBeUndefined();
    const reset = await fetch(`${sandbox.url}/__sandbox/stats/reset`, { method: 'POST' });
    expect(reset.status).toBe(200);
    const after = sandbox.stats();
    expect(after.requests.total).toBe(0);
    expect(after.byEndpoint).toEqual({});
    expect(after.rate.peakPerMinute60s).toBe(0);
  });
});

describe('sandbox control endpoints', () => {
  it('mirror the Sandbox methods over HTTP for a sandbox run as a separate process', async () => {
    const api = apis(await loggedInClient(sandbox));
    const post = (path: string): Promise<Response> => fetch(`${sandbox.url}/__sandbox/${path}`, { method: 'POST' });

    expect((await post('tokens/expire')).status).toBe(200);
    expect((await failure(api.routing.getRoutingQueues({}))).status).toBe(401);

    const clientId = encodeURIComponent(SANDBOX_CLIENT.clientId);
    expect((await post(`clients/${clientId}/revoke`)).status).toBe(200);
    await expect(loggedInClient(sandbox)).rejects.toBeDefined();
    expect((await post(`clients/${clientId}/restore`)).status).toBe(200);
    const fresh = apis(await loggedInClient(sandbox));

    const conversation = sandbox.dataset.conversations[0] as SeedConversation;
    const recordingId = conversation.recordings[0]?.id ?? '';
    expect((await post(`recordings/${conversation.id}/${recordingId}/delete`)).status).toBe(200);
    expect((await failure(fresh.recording.getConversationRecording(conversation.id, recordingId, { formatId: 'WAV' }))).status).toBe(404);
    const unknown = await post(`recordings/${conversation.id}/nope/delete`);
    expect(unknown.status).toBe(400);

    const dataset = (await (await fetch(`${sandbox.url}/__sandbox/dataset`)).json()) as { conversations: Array<{ id: string }> };
    expect(dataset.conversations.map((c) => c.id)).toEqual(sandbox.dataset.conversations.map((c) => c.id));
    expect((await fetch(`${sandbox.url}/__sandbox/nothing`)).status).toBe(404);
  });
});
