import { describe, expect, it } from 'vitest';
import { openDatabaseSync } from '../../../../../electron/db/connection';
import { createIndexRepository, type IndexRepository } from '../../../../../electron/db/repositories/index-repository';
import { CustodyEngine } from '../../../../../electron/services/custody-engine';
import { AppError } from '../../../../../electron/services/errors';
import { EventHub, type DomainEvent } from '../../../../../electron/services/events';
import type { SyncLanded } from '../../../../../electron/services/index/index-sync';
import type { GenesysServices } from '../../../../../electron/services/retrieval/genesys-services';
import { testActors } from '../../../../helpers/audit-actors';
import { FakeClock } from '../../../../helpers/fake-clock';
import { conversationRow } from '../../../../helpers/index-rows';
import { MemoryLogger } from '../../../../helpers/memory-logger';
import { NO_APPROVALS_NEEDED } from '../../../../fakes/approval-store';
import { FakeAuditWriter } from '../../../../fakes/audit-writer';
import { FakeOfficerSession, OFFICER_B } from '../../../../fakes/officer-session';

const DAY_MS = 86_400_000;

/**
 * Genesys's history as the index sync reads it, held back until the test lets it land: each
 * released piece is upserted and covered as IndexSync does, newest first.
 */
class HeldHistory {
  readonly windows: Array<[number, number]> = [];
  readonly listed: Array<string> = [];
  private release: Array<() => void> = [];
  failWith: AppError | null = null;

  constructor(
    private readonly index: IndexRepository,
    readonly calls: Array<{ id: string; startMs: number; tradingId: string }>,
    private readonly pieces = 2,
  ) {}

  services(): GenesysServices {
    const sync = {
      sync: async (fromMs: number, toMs: number, _signal?: AbortSignal, onProgress?: (landed: SyncLanded) => void) => {
        this.windows.push([fromMs, toMs]);
        if (this.failWith) throw this.failWith;
        const pieceMs = Math.ceil((toMs - fromMs) / this.pieces);
        for (let i = 0; i < this.pieces; i += 1) {
          await new Promise<void>((resolve) => this.release.push(resolve));
          const pieceTo = toMs - i * pieceMs;
          const pieceFrom = Math.max(fromMs, pieceTo - pieceMs);
          const rows = this.calls.filter((c) => c.startMs >= pieceFrom && c.startMs < pieceTo);
          await this.index.upsertConversations(rows.map((c) => conversationRow(c.id, c.startMs, { tradingId: c.tradingId })), toMs);
          await this.index.addCoverage(pieceFrom, pieceTo, toMs);
          onProgress?.({ fromMs: pieceFrom, toMs: pieceTo, conversations: rows.length, landedMs: (i + 1) * pieceMs, totalMs: toMs - fromMs });
        }
        return { windows: 1, conversations: this.calls.length };
      },
      syncRecordings: async (ids: ReadonlyArray<string>) => {
        this.listed.push(...ids);
        for (const id of ids) await this.index.replaceRecordings(id, [{ id: `${id}-r1`, startMs: null, endMs: null, media: 'audio', fileState: 'AVAILABLE', archiveDate: null, deleteDate: null }], 0);
      },
    };
    return { sync } as unknown as GenesysServices;
  }

  /** Lets the next piece of the running sync land, and waits until it has. */
  async landNext(events: Array<DomainEvent>): Promise<void> {
    const landed = () => events.filter((e) => e.kind === 'index.syncProgress').length;
    const before = landed();
    for (let spins = 0; this.release.length === 0 && spins < 1000; spins += 1) await new Promise((r) => setImmediate(r));
    this.release.shift()?.();
    for (let spins = 0; landed() === before && spins < 1000; spins += 1) await new Promise((r) => setImmediate(r));
  }
}

function setUp(calls: Array<{ id: string; startMs: number; tradingId: string }>) {
  const clock = new FakeClock();
  const index = createIndexRepository(openDatabaseSync(':memory:'));
  const audit = new FakeAuditWriter({ clock });
  const officer = new FakeOfficerSession();
  const history = new HeldHistory(index, calls);
  const events: Array<DomainEvent> = [];
  const hub = new EventHub();
  hub.subscribe((e) => events.push(e));
  const engine = new CustodyEngine({
    index,
    media: undefined as never,
    cache: undefined as never,
    grants: undefined as never,
    audit: async () => audit,
    actors: testActors(officer),
    genesys: async () => history.services(),
    approvals: NO_APPROVALS_NEEDED,
    clock,
    logger: new MemoryLogger(),
    events: hub,
    mediaUrlBase: 'media://recording/',
  });
  return { clock, index, audit, officer, history, events, engine };
}

describe('search at once: the index answers, the missing history follows in the background', () => {
  it('answers a 2000-2100 window from the index at once, audited first, with how complete the index is, then refreshes as history lands', async () => {
    const { engine, audit, history, events, index, clock } = setUp([]);
    const now = clock.now();
    history.calls.push({ id: 'c-old', startMs: Date.parse('2009-06-01T10:00:00Z'), tradingId: 'T-OLD' }, { id: 'c-new', startMs: now - 2 * DAY_MS, tradingId: 'T-NEW' });
    await index.upsertConversations([conversationRow('c-known', now - 40 * DAY_MS, { tradingId: 'T-KNOWN' })], now);
    await index.addCoverage(now - 60 * DAY_MS, now - 30 * DAY_MS, now);

    const query = { from: '2000-01-01T00:00:00.000Z', to: '2100-01-01T00:00:00.000Z' };
    const first = await engine.search(query, { caseReference: null }, 'at-once');
    expect(audit.events.map((e) => [e.action, e.eventId])).toEqual([['search', first.auditEventId]]);
    expect(first.matches.map((m) => m.conversationId)).toEqual(['c-known']);
    const window = first.index.window!;
    // The future holds no calls: the window ends now. Thirty of the ~26 years' days are covered.
    expect(Date.parse(window.to)).toBe(now);
    expect(window.coveredFraction).toBeCloseTo((30 * DAY_MS) / (now - Date.parse(query.from)), 6);
    expect(window.missing.map((m) => [Date.parse(m.from), Date.parse(m.to)])).toEqual([
      [Date.parse(query.from), now - 60 * DAY_MS],
      [now - 30 * DAY_MS, now],
    ]);
    expect(window).toMatchObject({ wholeIndex: false, syncing: true });
    expect(history.windows).toEqual([[Date.parse(query.from), now]]);

    await history.landNext(events);
    // The newest half has landed: a refresh already shows it, the older half still missing.
    const halfway = await engine.refreshSearch(first.auditEventId);
    expect(halfway.matches.map((m) => m.conversationId)).toEqual(['c-new', 'c-known']);
    expect(halfway.index.window!.coveredFraction).toBeGreaterThanOrEqual(0.5);
    await history.landNext(events);
    await engine.backgroundIdle();
    expect(events.map((e) => e.kind)).toEqual(['index.syncStarted', 'index.syncProgress', 'index.syncProgress', 'index.syncCompleted']);
    // A few calls found with their recordings not listed yet are listed before the answer (so a row can be played), once each.
    expect(history.listed).toEqual(['c-known', 'c-new']);
    expect(history.windows).toHaveLength(1);

    // Read again under the same audited search: the landed history is there, and nothing new is audited.
    const refreshed = await engine.refreshSearch(first.auditEventId);
    expect(refreshed.auditEventId).toBe(first.auditEventId);
    expect(refreshed.matches.map((m) => m.conversationId)).toEqual(['c-new', 'c-known', 'c-old']);
    expect(refreshed.index.window).toMatchObject({ coveredFraction: 1, missing: [], syncing: false });
    expect(refreshed.matches.map((m) => m.recordingId)).toEqual(['c-new-r1', 'c-known-r1', 'c-old-r1']);
    expect(history.listed).toEqual(['c-known', 'c-new', 'c-old']);
    expect(audit.events).toHaveLength(1);
  });

  it('searches a trading ID without dates over the whole index and answers before any sync', async () => {
    const { engine, index, history, clock } = setUp([]);
    const now = clock.now();
    await index.upsertConversations([conversationRow('c-2019', Date.parse('2019-03-04T09:00:00Z'), { tradingId: 'T-9' })], now);
    const result = await engine.search({ tradingId: 'T-9' }, { caseReference: null }, 'at-once');
    expect(result.matches.map((m) => m.conversationId)).toEqual(['c-2019']);
    expect(result.index.window).toMatchObject({ wholeIndex: true, coveredFraction: 0 });
    // The recent span is kept in sync behind the answer, not before it.
    expect(history.windows).toEqual([[now - 30 * DAY_MS, now]]);
  });

  it('refuses to read again a search it did not record, or another officer\'s', async () => {
    const { engine, officer, index, clock } = setUp([]);
    await index.addCoverage(0, clock.now() + DAY_MS, 0);
    await expect(engine.refreshSearch('e-unknown')).rejects.toMatchObject({ code: 'VALIDATION' });
    const mine = await engine.search({ tradingId: 'T-1' }, { caseReference: null }, 'at-once');
    officer.signIn(OFFICER_B);
    await expect(engine.refreshSearch(mine.auditEventId)).rejects.toMatchObject({ code: 'VALIDATION' });
  });

  it('says the index is offline when the background sync could not reach Genesys, and never throws it at the search', async () => {
    const { engine, history, events } = setUp([]);
    history.failWith = new AppError('UPSTREAM_UNAVAILABLE', 'HTTP 503 from Genesys', { retryable: true });
    const first = await engine.search({ queue: 'FX' }, { caseReference: null }, 'at-once');
    expect(first.index.source).toBe('live');
    await engine.backgroundIdle();
    expect(events.at(-1)).toMatchObject({ kind: 'index.syncFailed' });
    const second = await engine.search({ queue: 'FX' }, { caseReference: null }, 'at-once');
    expect(second.index).toMatchObject({ source: 'offline', warning: expect.stringContaining('HTTP 503') });
  });
});
