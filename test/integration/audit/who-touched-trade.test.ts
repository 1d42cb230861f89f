import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { archiveWindow } from '../../helpers/archive-window';
import { startHarness, uniqueTradingCall, type Harness } from '../../helpers/engine-harness';

const MiB = 1024 * 1024;
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ worm: inject('worm').connection });
});
afterAll(async () => h?.close());

describe('who touched trade T', () => {
  it("lists the archive run that copied T's recording and every pack that carried it, alone or among other trades", async () => {
    const other = uniqueTradingCall(h.sandbox);
    const window = archiveWindow(h.sandbox, { maxBytes: 40 * MiB, minRecordings: 3 });
    const traded = window.conversations.find((c) => c.tradingId !== null && c.tradingId !== other.tradingId);
    expect(traded, 'the archive window holds a traded call').toBeDefined();
    const tradingId = traded!.tradingId!;

    const run = await (await h.composed.archive.job()).run({ sinceMs: window.sinceMs, untilMs: window.untilMs });
    expect(run.state).toBe('done');
    const alone = await h.composed.packs.build({ selection: { kind: 'tradingIds', tradingIds: [tradingId] }, caseReference: 'FCA-2026-0077', outPath: join(h.root, 'pack-alone') });
    // A pack of two trades: its export event names no single trade, only [conversation, recording] items.
    const shared = await h.composed.packs.build({
      selection: { kind: 'conversations', conversationIds: [traded!.id, other.conversation.id] },
      caseReference: 'FCA-2026-0078',
      outPath: join(h.root, 'pack-shared'),
    });

    const { mirror } = await h.composed.audit.log();
    const page = await mirror.list({ tradingId });
    const byArchiver = new Set(run.auditEventIds);
    const archiveRuns = page.entries.filter((e) => e.action === 'export' && byArchiver.has(e.eventId));
    expect(archiveRuns.length, 'the archive run that copied the recording').toBeGreaterThanOrEqual(1);
    expect(archiveRuns.every((e) => e.tradingId === null)).toBe(true);
    const packs = page.entries.filter((e) => e.action === 'export' && !byArchiver.has(e.eventId)).map((e) => e.eventId);
    expect(packs.sort()).toEqual([alone.exportEventId, shared.exportEventId].sort());

    // The same by recording and by conversation; and a trade the run did not copy is not matched by it.
    const recordingId = traded!.recordings[0]!.id;
    const touched = [archiveRuns[0]!.eventId, alone.exportEventId, shared.exportEventId];
    expect((await mirror.list({ recordingId })).entries.map((e) => e.eventId)).toEqual(expect.arrayContaining(touched));
    expect((await mirror.list({ conversationId: traded!.id })).entries.map((e) => e.eventId)).toEqual(expect.arrayContaining(touched));
    const untouched = (await mirror.list({ tradingId: other.tradingId })).entries.map((e) => e.eventId);
    expect(untouched).toContain(shared.exportEventId);
    expect(untouched).not.toContain(alone.exportEventId);
  });
});
