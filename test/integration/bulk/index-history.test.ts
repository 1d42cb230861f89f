import { afterEach, describe, expect, inject, it } from 'vitest';
import { startHarness, TEST_ANCHOR, type Harness } from '../../helpers/engine-harness';

const DAY = 86_400_000;
let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('the index beyond the attribute search window', () => {
  it('reads calls older than 30 days through analytics details jobs, trading IDs included, and syncs only new windows', async () => {
    h = await startHarness({ worm: inject('worm').connection, sandbox: { conversations: 200, days: 60 } });
    const from = new Date(TEST_ANCHOR.getTime() - 60 * DAY).toISOString();
    const to = new Date(TEST_ANCHOR.getTime() - 35 * DAY).toISOString();
    const seeded = h.sandbox.dataset.conversations.filter((c) => c.startTime >= from && c.startTime < to);
    expect(seeded.length).toBeGreaterThan(20);

    h.sandbox.resetStats();
    const result = await h.composed.engine.search({ from, to }, { caseReference: null });
    const stats = h.sandbox.stats();
    expect(stats.byEndpoint['POST /api/v2/analytics/conversations/details/jobs']).toBe(1);
    expect(stats.byEndpoint['GET /api/v2/analytics/conversations/details/jobs/{jobId}/results']).toBeGreaterThanOrEqual(1);
    expect(stats.byEndpoint['POST /api/v2/conversations/participants/attributes/search'] ?? 0).toBe(0);
    expect(stats.byEndpoint['POST /api/v2/analytics/conversations/details/query'] ?? 0).toBe(0);

    const byConversation = new Map(result.matches.map((m) => [m.conversationId, m]));
    expect([...byConversation.keys()].sort()).toEqual(seeded.map((c) => c.id).sort());
    for (const c of seeded) expect(byConversation.get(c.id)).toMatchObject({ tradingId: c.tradingId, clientAccount: c.clientAccount });
    expect(result.index.lastSyncedAt).not.toBeNull();

    // The window is covered now: searching it again asks Genesys nothing new, and free text finds a client.
    h.sandbox.resetStats();
    const again = await h.composed.engine.search({ from, to, tradingId: seeded.find((c) => c.tradingId)!.tradingId! }, { caseReference: null });
    expect(again.matches.length).toBeGreaterThan(0);
    expect(h.sandbox.stats().byEndpoint['POST /api/v2/analytics/conversations/details/jobs'] ?? 0).toBe(0);
    const client = seeded.find((c) => c.recordings.length > 0)!.client;
    const words = await h.composed.engine.search({ from, to, text: client.name }, { caseReference: null });
    expect(words.matches.length).toBeGreaterThan(0);
    expect(new Set(words.matches.map((m) => m.conversationId))).toEqual(
      new Set(seeded.filter((c) => c.client.name === client.name).map((c) => c.id)),
    );
  });
});
