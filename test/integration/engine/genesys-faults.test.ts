import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { startHarness, uniqueTradingCall, type Harness } from '../../helpers/engine-harness';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** The search goes out under the officer's token: take it first, so that the faults meet the search, not her sign-in's refresh. */
async function officerTokenInHand(harness: Harness): Promise<void> {
  await (await harness.composed.officer.tokens()).getToken();
}

describe('when Genesys misbehaves', () => {
  it('answers a search from the local index when Genesys is unreachable, and says how fresh it is', async () => {
    h = await startHarness({ worm: inject('worm').connection });
    const call = uniqueTradingCall(h.sandbox);
    const live = await h.composed.engine.search({ tradingId: call.tradingId }, { caseReference: null });
    expect(live.index.source).toBe('live');
    await h.sandbox.close();
    const offline = await h.composed.engine.search({ tradingId: call.tradingId }, { caseReference: null });
    expect(offline.index.source).toBe('offline');
    expect(offline.index.warning).toMatch(/could not be reached.*local index/);
    expect(offline.index.lastSyncedAt).toBe(live.index.lastSyncedAt);
    expect(offline.matches.map((m) => m.recordingId)).toEqual([call.recording.id]);
  });

  it('reports a Genesys 500 with the endpoint, after retrying, and still answers from the index', async () => {
    h = await startHarness({ worm: inject('worm').connection });
    await officerTokenInHand(h);
    h.sandbox.setFaults({ http5xx: 1 });
    const result = await h.composed.engine.search({ queue: 'FX' }, { caseReference: null });
    expect(result.index.source).toBe('offline');
    expect(result.index.warning).toMatch(/Genesys answered 5\d\d on GET \/api\/v2\/routing\/queues/);
    expect(h.sandbox.stats().faultsInjected.http5xx).toBe(3);
  });

  it('reports malformed JSON as a malformed response from the named endpoint', async () => {
    h = await startHarness({ worm: inject('worm').connection });
    await officerTokenInHand(h);
    h.sandbox.setFaults({ malformedJson: 1 });
    const result = await h.composed.engine.search({ queue: 'FX' }, { caseReference: null });
    expect(result.index.warning).toMatch(/Malformed response from GET \/api\/v2\/routing\/queues: the body is not valid JSON/);
  });

  it('fails a download with a clear error when Genesys keeps failing, and writes nothing', async () => {
    h = await startHarness({ worm: inject('worm').connection });
    const call = uniqueTradingCall(h.sandbox);
    await h.composed.engine.search({ tradingId: call.tradingId }, { caseReference: null });
    h.sandbox.setFaults({ http5xx: 1 });
    const out = join(h.root, 'out');
    const failed = h.composed.engine.download(call.conversation.id, 'FCA-2026-0042', out);
    await expect(failed).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
    await expect(failed).rejects.toThrow(/GET \/api\/v2\/conversations\/\{conversationId\}\/recordings\/\{recordingId\}/);
    await expect(readdir(out)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
