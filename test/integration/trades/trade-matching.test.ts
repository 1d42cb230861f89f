import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { AuditTrailPage } from '../../../shared/audit-views';
import type { GapsReport, TradeView } from '../../../shared/trades';
import { shareProfileWithCli } from '../../helpers/cli-profile';
import { startHarness, TEST_ANCHOR, type Harness } from '../../helpers/engine-harness';
import { sandboxBlotter, type SandboxBlotter } from '../../sandbox/blotter';

const DAY_MS = 86_400_000;
const CASE = 'FCA-2026-1313';

let h: Harness;
let cli: Awaited<ReturnType<typeof shareProfileWithCli>>;
let blotter: SandboxBlotter;

beforeAll(async () => {
  h = await startHarness({ worm: inject('worm').connection });
  cli = await shareProfileWithCli(h);
  blotter = sandboxBlotter(h.sandbox.dataset);
  const importedMs = Date.now();
  // The blotter goes in as the import stores it (the import's own tests cover the CSV and FIX readers).
  await h.composed.repositories.trades.upsertTrades(
    blotter.trades.map((t, i) => ({ ...t, source: { format: 'csv' as const, fileName: 'sandbox-blotter.csv', fileSha256: '0'.repeat(64), line: i + 2, raw: {} } })),
    importedMs,
  );
  // The whole dataset in the index (and the org's users with their emails: half the blotter names traders by email).
  const { services } = await h.composed.genesys.officer();
  await services.sync.sync(TEST_ANCHOR.getTime() - 31 * DAY_MS, Date.now());
});
afterAll(async () => {
  await cli?.dispose();
  await h?.close();
});

describe('trade matching and gaps on the sandbox blotter', () => {
  it('links tagged trades, ranks untagged trades\' calls in the top 3, never lists electronic trades, and lists exactly the planted gaps (exit 2)', async () => {
    const { matching } = h.composed.trades;
    const report = await matching.match();
    expect(report).toMatchObject({ trades: blotter.trades.length, voiceTrades: blotter.trades.length - blotter.planted.electronic.length });

    for (const [tradeId, calls] of blotter.planted.tagged) {
      const view = await matching.show(tradeId);
      expect(view.status, tradeId).toBe('linked');
      expect(view.candidates.filter((c) => c.linked).map((c) => c.conversationId).sort()).toEqual([...calls].sort());
    }
    const untagged = [...blotter.planted.untagged];
    const inTop3 = await Promise.all(untagged.map(async ([tradeId, [call]]) => (await matching.show(tradeId)).candidates.slice(0, 3).some((c) => c.conversationId === call)));
    expect(inTop3.filter(Boolean).length / untagged.length).toBeGreaterThanOrEqual(0.95);
    for (const tradeId of blotter.planted.electronic) expect((await matching.show(tradeId)).candidates).toEqual([]);
    // A blotter naming the trader by email finds the agent through the users the index sync kept.
    const byEmail = blotter.trades.find((t) => t.channel === 'voice' && t.trader.includes('@') && blotter.planted.untagged.has(t.tradeId))!;
    expect((await matching.show(byEmail.tradeId)).candidates[0]!.reasons.map((r) => r.kind)).toContain('trader');

    const gaps = await cli.run(['trades', 'gaps', '--json']);
    expect(gaps.code, gaps.stderr).toBe(2);
    const listed = (JSON.parse(gaps.stdout) as GapsReport).gaps;
    expect(listed.flatMap((g) => (g.kind === 'trade-without-call' ? [g.tradeId] : [])).sort()).toEqual([...blotter.planted.gaps].sort());
    expect(listed.flatMap((g) => (g.kind === 'call-without-trade' ? [g.conversationId] : [])).sort()).toEqual([...blotter.planted.callsWithoutTrade].sort());
    expect(listed.every((g) => g.reason.length > 0)).toBe(true);
  });

  it('audits a confirmation and a rejection as the signed-in officer under the case, and keeps both after matching again', async () => {
    const { matching } = h.composed.trades;
    const [untaggedTrade, [agreedCall]] = [...blotter.planted.untagged][0]!;
    const [taggedTrade, [taggedCall]] = [...blotter.planted.tagged][0]!;

    const linked = await cli.run(['trades', 'link', untaggedTrade, agreedCall!, '--case', CASE, '--json']);
    expect(linked.code, linked.stderr).toBe(0);
    expect((JSON.parse(linked.stdout) as TradeView).status).toBe('linked');
    const rejected = await matching.unlink(taggedTrade, taggedCall!, CASE);
    expect(rejected.candidates.find((c) => c.conversationId === taggedCall)).toMatchObject({ linked: false, decision: { decision: 'rejected', caseReference: CASE } });
    const [refused, trail] = await Promise.all([
      cli.run(['trades', 'link', blotter.planted.electronic[0]!, agreedCall!, '--case', CASE, '--json']),
      cli.run(['audit', 'show', '--case', CASE, '--json']),
    ]);
    expect(refused.code).toBe(1);
    const entries = (JSON.parse(trail.stdout) as AuditTrailPage).entries.filter((e) => e.action === 'link');
    expect(entries.map((e) => [e.tradingId, e.conversationId, e.caseReference, e.operator.name]).sort()).toEqual(
      [
        [untaggedTrade, agreedCall, CASE, 'Olivia Adler'],
        [taggedTrade, taggedCall, CASE, 'Olivia Adler'],
      ].sort(),
    );

    await matching.match();
    const [afterLink, afterReject] = await Promise.all([matching.show(untaggedTrade), matching.show(taggedTrade)]);
    expect(afterLink.candidates.find((c) => c.conversationId === agreedCall)).toMatchObject({ linked: true, decision: { decision: 'confirmed', decidedBy: { name: 'Olivia Adler' } } });
    expect(afterReject.candidates.find((c) => c.conversationId === taggedCall)).toMatchObject({ linked: false, decision: { decision: 'rejected' } });
    const shown = await cli.run(['trades', 'show', untaggedTrade]);
    expect(shown.stdout).toMatch(new RegExp(`${agreedCall}.*confirmed by Olivia Adler \\(${CASE}\\)`));
  });
});
