// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { SessionInfo } from '../../../shared/domain';
import type { PackBuildResult } from '../../../shared/ipc/channels/packs';
import type { GapsReport, ImportReport, LinkDecision, Timeline, TradeSummary, TradeView } from '../../../shared/trades';
import { formatZonedTime } from '../../../renderer/src/format';
import { timelineLayout } from '../../../renderer/src/trade-timeline';
import { FakeIpcError, type FakeHandlers } from '../../helpers/fake-ipc-transport';
import { renderApp } from '../../helpers/render-app';
import { sampleGrant, sampleSession } from '../../helpers/renderer-fixtures';

afterEach(cleanup);

// Times from the real clock: yesterday, 09:00 UTC.
const day = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
const at = (hhmm: string) => `${day}T${hhmm}:00.000Z`;
const officerA = { genesysUserId: '0ff1ce00-0000-4000-8000-00000000000a', name: 'Olivia Adler', email: 'officer.a@sandbox.custody.test' };
const hostile = '<img src=x onerror="alert(1)">';

const voice = { tradeId: 'T-1001', executedAt: at('09:20'), trader: 'james.whitfield@desk.test', clientAccount: 'ACC-10442', instrument: 'EURUSD', side: 'buy' as const, quantity: '5000000', price: '1.0842', channel: 'voice' as const };
const gapTrade = { ...voice, tradeId: 'T-1002', executedAt: at('11:00'), clientAccount: 'ACC-20917' };
const electronic = { ...voice, tradeId: 'T-1003', channel: 'electronic' as const };

const summaries: Array<TradeSummary> = [
  { trade: voice, status: 'candidates', candidates: 2, topScore: 70 },
  { trade: gapTrade, status: 'none', candidates: 0, topScore: null },
  { trade: electronic, status: 'none', candidates: 0, topScore: null },
];

const candidate = (n: number, score: number) => ({
  conversationId: `c0a1e5d2-0000-4000-8000-00000000000${n}`,
  startTime: at(`09:0${n}`),
  endTime: at(`09:1${n}`),
  agentName: 'James Whitfield',
  queueName: 'FX Desk',
  tradingId: null,
  clientAccount: 'ACC-10442',
  recordingIds: [`r7f3b2c1-0000-4000-8000-00000000000${n}`],
  score,
  reasons: [
    { kind: 'trader' as const, points: 40, text: 'the trader took the call' },
    { kind: 'time' as const, points: score - 40, text: `ended ${10 - n} min before the execution` },
  ],
  decision: null,
  linked: false,
});

function tradeView(decisions: Array<LinkDecision> = []): TradeView {
  const confirmed = new Set(decisions.filter((d) => d.decision === 'confirmed').map((d) => d.conversationId));
  return {
    trade: { ...voice, source: { format: 'csv', fileName: 'blotter.csv', fileSha256: 'a'.repeat(64), line: 2, raw: {} }, importedAt: at('12:00'), updatedAt: at('12:00') },
    status: confirmed.size > 0 ? 'linked' : 'candidates',
    window: { beforeMinutes: 30, afterMinutes: 5 },
    candidates: [candidate(1, 70), candidate(2, 55)].map((c) => ({
      ...c,
      linked: confirmed.has(c.conversationId),
      decision: decisions.filter((d) => d.conversationId === c.conversationId).at(-1) ?? null,
    })),
    decisions,
    matchedAt: at('12:05'),
  };
}

const importReport: ImportReport = {
  format: 'csv',
  fileName: 'blotter.csv',
  fileSha256: 'b'.repeat(64),
  rows: 4,
  inserted: 3,
  updated: 0,
  unchanged: 0,
  rejected: [{ line: 5, reason: `executed_at is not an ISO 8601 time with offset: "${hostile}"` }],
};

const gaps: GapsReport = {
  from: null,
  to: null,
  voiceTrades: 2,
  tradesWithoutCall: 1,
  callsWithoutTrade: 1,
  gaps: [
    { kind: 'trade-without-call', tradeId: 'T-1002', executedAt: gapTrade.executedAt, trader: gapTrade.trader, clientAccount: 'ACC-20917', reason: 'no call of the trader or the client from 10:30 to 11:05 UTC' },
    { kind: 'call-without-trade', conversationId: 'c0a1e5d2-0000-4000-8000-0000000000ff', tradingId: 'T-9999', startTime: at('10:00'), agentName: 'Priya Raman', queueName: 'Rates', reason: 'trading ID T-9999 matches no imported trade' },
  ],
};

const timeline: Timeline = {
  schema: 'custody.timeline.v1',
  tradeId: 'T-1001',
  deskTimeZone: 'America/New_York',
  window: { from: at('08:50'), to: at('09:25') },
  execution: { at: voice.executedAt, trade: voice },
  calls: [1, 2].map((n) => {
    const c = candidate(n, 70);
    return {
      conversationId: c.conversationId,
      start: c.startTime,
      end: c.endTime,
      agentName: c.agentName,
      queueName: c.queueName,
      tradingId: null,
      clientAccount: c.clientAccount,
      parties: n === 1 ? (['trader', 'client'] as Array<'trader' | 'client'>) : (['client'] as Array<'trader' | 'client'>),
      linked: n === 1,
      score: n === 1 ? 70 : null,
      reasons: [],
      recordings: [{ recordingId: c.recordingIds[0]!, start: c.startTime, durationMs: 600_000 }],
    };
  }),
};

const packResult: PackBuildResult & { tradeId: string } = {
  tradeId: 'T-1001',
  packId: 'pack-1',
  path: '/home/officer/.local/share/custody/default/packs/FCA-2026-0042-trade-T-1001',
  zip: false,
  caseReference: 'FCA-2026-0042',
  exportEventId: 'evt-000200-export',
  recordings: 2,
  payloadBytes: 1000,
  payloadFiles: 6,
  checkpointTreeSize: 200,
  wroteCheckpoint: true,
  signingKeyId: 'c'.repeat(64),
  ms: 900,
  verified: true,
};

/** A fake main with a session whose case can be set, and trades handlers that keep officers' decisions. */
function tradesApp(overrides: FakeHandlers = {}, caseReference: string | null = null) {
  let session: SessionInfo = sampleSession(Date.now(), caseReference);
  const decisions: Array<LinkDecision> = [];
  const decide = (decision: 'confirmed' | 'rejected') => ({ tradeId, conversationId }: { tradeId: string; conversationId: string }) => {
    if (!session.caseReference) throw new FakeIpcError('CASE_REFERENCE_REQUIRED', 'A case reference is required.');
    decisions.push({ tradeId, conversationId, decision, decidedAt: new Date().toISOString(), decidedBy: officerA, caseReference: session.caseReference, auditEventId: `evt-link-${decisions.length + 1}` });
    return tradeView(decisions);
  };
  return renderApp({
    sessionGet: () => session,
    sessionSetCaseReference: ({ caseReference: next }) => (session = { ...session, caseReference: next }),
    tradesList: ({ status }) => {
      const trades = summaries.filter((s) => !status || s.status === status);
      return { trades, total: trades.length };
    },
    tradesShow: () => tradeView(decisions),
    tradesLink: decide('confirmed'),
    tradesUnlink: decide('rejected'),
    tradesImport: () => importReport,
    tradesMatch: () => ({ trades: 3, voiceTrades: 2, linked: 0, candidates: 1, none: 1, ms: 12 }),
    tradesGaps: () => gaps,
    tradesTimeline: () => timeline,
    tradesReconstruct: () => packResult,
    ...overrides,
  });
}

async function openTrades() {
  fireEvent.click(await screen.findByTestId('nav-trades'));
  return screen.findByTestId('trades-view');
}

async function giveCase(reference: string) {
  fireEvent.change(await screen.findByTestId('case-reference-input'), { target: { value: reference } });
  fireEvent.click(screen.getByTestId('case-reference-submit'));
}

describe('trades section', () => {
  it("imports a blotter file's text and shows the report, bad rows by line with their reasons as text; matching shows its counts", async () => {
    const { transport } = await tradesApp();
    await openTrades();
    const file = new File(['trade_id,executed_at\nT-1001,2026-01-01T09:20:00Z\n'], 'blotter.csv', { type: 'text/csv' });
    fireEvent.change(screen.getByTestId('trades-import-file'), { target: { files: [file] } });
    const result = await screen.findByTestId('trades-import-result');
    expect(transport.callsTo('trades:import')).toEqual([{ fileName: 'blotter.csv', content: 'trade_id,executed_at\nT-1001,2026-01-01T09:20:00Z\n' }]);
    expect(within(result).getByTestId('trades-import-counts').textContent).toBe('3 inserted, 0 updated, 0 unchanged, 1 rejected');
    const rejected = within(result).getByTestId('trades-import-rejected');
    expect(rejected.textContent).toContain(`Line 5: executed_at is not an ISO 8601 time with offset: "${hostile}"`);
    expect(result.querySelector('img')).toBeNull();

    fireEvent.click(screen.getByTestId('trades-match'));
    expect((await screen.findByTestId('trades-match-result')).textContent).toContain('2 voice trade(s) of 3: 0 linked, 1 with candidates, 1 with no call');
    // Import and matching each reload the table.
    await waitFor(() => expect(transport.callsTo('trades:list').length).toBeGreaterThanOrEqual(3));
  });

  it('lists trades with status and top score, filtered by status; an electronic trade is not shown as missing a call', async () => {
    const { transport } = await tradesApp();
    await openTrades();
    const rows = await screen.findAllByTestId('trade-row');
    expect(rows.map((r) => [r.getAttribute('data-trade-id'), r.getAttribute('data-status')])).toEqual([
      ['T-1001', 'candidates'],
      ['T-1002', 'none'],
      ['T-1003', 'none'],
    ]);
    expect(rows[0]!.textContent).toContain('70');
    expect(rows[2]!.textContent).toContain('electronic');
    expect(within(rows[2]!).queryByTestId('trade-status')).toBeNull();
    fireEvent.change(screen.getByTestId('trades-status-filter'), { target: { value: 'none' } });
    await waitFor(() => expect(screen.getAllByTestId('trade-row')).toHaveLength(2));
    expect(transport.callsTo('trades:list').at(-1)).toEqual({ status: 'none', limit: 1000 });
  });

  it('confirms a candidate under the case asked for first, shows who decided and when, and keeps Reject for the other', async () => {
    const { transport } = await tradesApp();
    await openTrades();
    fireEvent.click((await screen.findAllByTestId('trade-open'))[0]!);
    const detail = await screen.findByTestId('trade-detail');
    const candidates = await within(detail).findAllByTestId('trade-candidate');
    expect(candidates.map((c) => c.querySelector('[data-testid="trade-candidate-score"]')?.textContent)).toEqual(['70', '55']);
    expect(candidates[0]!.textContent).toContain('the trader took the call');
    fireEvent.click(within(candidates[0]!).getByTestId('trade-confirm'));
    // No case yet: asked first, nothing sent before it is given.
    await screen.findByTestId('case-reference-dialog');
    expect(transport.callsTo('trades:link')).toEqual([]);
    await giveCase('FCA-2026-0042');
    await waitFor(() => expect(screen.getByTestId('trade-detail').getAttribute('data-status')).toBe('linked'));
    expect(transport.callsTo('session:setCaseReference')).toEqual([{ caseReference: 'FCA-2026-0042' }]);
    expect(transport.callsTo('trades:link')).toEqual([{ tradeId: 'T-1001', conversationId: candidate(1, 70).conversationId }]);
    const decision = screen.getByTestId('trade-decision');
    expect(decision.getAttribute('data-decision')).toBe('confirmed');
    expect(decision.textContent).toContain('Olivia Adler');
    expect(decision.textContent).toContain('FCA-2026-0042');
    expect(decision.getAttribute('data-audit-event-id')).toBe('evt-link-1');
    const [first, second] = screen.getAllByTestId('trade-candidate');
    expect((within(first!).getByTestId('trade-confirm') as HTMLButtonElement).disabled).toBe(true);

    // The case is set now: Reject goes straight to main.
    fireEvent.click(within(second!).getByTestId('trade-reject'));
    await waitFor(() => expect(screen.getAllByTestId('trade-decision')).toHaveLength(2));
    expect(screen.queryByTestId('case-reference-dialog')).toBeNull();
    expect(transport.callsTo('trades:unlink')).toHaveLength(1);
  });

  it('reads an open trade again after matching runs again', async () => {
    const { transport } = await tradesApp();
    await openTrades();
    fireEvent.click((await screen.findAllByTestId('trade-open'))[0]!);
    await screen.findAllByTestId('trade-candidate');
    fireEvent.click(screen.getByTestId('trades-match'));
    await screen.findByTestId('trades-match-result');
    await waitFor(() => expect(transport.callsTo('trades:show')).toEqual([{ tradeId: 'T-1001' }, { tradeId: 'T-1001' }]));
  });

  it('shows a decision main refused in words, with the technical detail behind a disclosure', async () => {
    await tradesApp({
      tradesLink: () => {
        throw new FakeIpcError('AUDIT_UNAVAILABLE', 'Audit log unavailable, access refused: WORM store did not answer');
      },
    }, 'FCA-2026-0042');
    await openTrades();
    fireEvent.click((await screen.findAllByTestId('trade-open'))[0]!);
    fireEvent.click((await screen.findAllByTestId('trade-confirm'))[0]!);
    const alert = await screen.findByTestId('trade-action-error');
    expect(within(alert).getByTestId('error-words').textContent).toContain('The WORM audit log could not be reached, so nothing was changed');
    expect(within(alert).getByTestId('error-detail').textContent).toContain('WORM store did not answer');
  });

  it('shows both kinds of gap with their reasons, and opens a trade from its gap', async () => {
    const { transport } = await tradesApp();
    await openTrades();
    fireEvent.click(screen.getByTestId('trades-tab-gaps'));
    const panel = await screen.findByTestId('trades-gaps');
    expect(within(panel).getByTestId('trades-gaps-summary').textContent).toContain('1 voice trade(s) of 2 with no call; 1 trading-desk call(s)');
    expect(within(panel).getByTestId('trade-gap').textContent).toContain('no call of the trader or the client from 10:30 to 11:05 UTC');
    expect(within(panel).getByTestId('call-gap').textContent).toContain('trading ID T-9999 matches no imported trade');
    fireEvent.click(within(panel).getByTestId('trade-gap-open'));
    await screen.findByTestId('trade-detail');
    expect(transport.callsTo('trades:show')).toEqual([{ tradeId: 'T-1002' }]);
  });

  it('reconstructs a trade under the case and shows the pack as the pack bar does; a CASE_REFERENCE_REQUIRED from main asks for it', async () => {
    let refusedOnce = false;
    const { transport } = await tradesApp(
      {
        tradesReconstruct: () => {
          if (!refusedOnce) {
            refusedOnce = true;
            throw new FakeIpcError('CASE_REFERENCE_REQUIRED', 'A case reference is required.');
          }
          return packResult;
        },
      },
      'OLD-CASE',
    );
    await openTrades();
    fireEvent.click((await screen.findAllByTestId('trade-open'))[0]!);
    fireEvent.click(await screen.findByTestId('trade-reconstruct'));
    await giveCase('FCA-2026-0042');
    const receipt = await screen.findByTestId('pack-result');
    expect(receipt.getAttribute('data-pack-path')).toBe(packResult.path);
    expect(receipt.textContent).toContain('evt-000200-export');
    expect(transport.callsTo('trades:reconstruct')).toEqual([
      { tradeId: 'T-1001', zip: false },
      { tradeId: 'T-1001', zip: false },
    ]);
  });

  it("draws the timeline in UTC and the desk's zone, and plays a call in place through the audited play", async () => {
    const { transport } = await tradesApp({
      recordingsAuthorizePlayback: ({ recordingId }) => sampleGrant(recordingId),
      // The waveform never arrives: the play's audit record is what this test is about.
      recordingsGetWaveform: () => new Promise(() => undefined),
    });
    await openTrades();
    fireEvent.click((await screen.findAllByTestId('trade-open'))[0]!);
    fireEvent.click(await screen.findByTestId('trade-timeline-show'));
    const drawn = await screen.findByTestId('trade-timeline');
    expect(drawn.getAttribute('data-desk-zone')).toBe('America/New_York');
    const axis = within(drawn).getByTestId('timeline-axis');
    expect(axis.textContent).toContain('09:00');
    expect(axis.textContent).toContain(formatZonedTime(at('09:00'), 'America/New_York').slice(11, 16));
    const calls = within(drawn).getAllByTestId('timeline-call');
    expect(calls.map((c) => c.getAttribute('data-linked'))).toEqual(['true', 'false']);
    expect(calls[0]!.textContent).toContain("trader's call");

    fireEvent.click(within(calls[0]!).getByTestId('timeline-play'));
    // Play asks for the case first, like the recording view; no media is asked for before it.
    await screen.findByTestId('case-reference-dialog');
    expect(transport.callsTo('recordings:authorizePlayback')).toEqual([]);
    await giveCase('FCA-2026-0042');
    const receipt = await within(screen.getByTestId('timeline-player')).findByTestId('audit-event-id');
    expect(receipt.getAttribute('data-audit-event-id')).toBe('evt-000185-play');
    expect(transport.callsTo('recordings:authorizePlayback')).toEqual([{ recordingId: timeline.calls[0]!.recordings[0]!.recordingId }]);
  });
});

describe('timeline layout', () => {
  it('places the execution and each call on the window, with ticks every 5 minutes labelled in both zones', () => {
    const layout = timelineLayout(timeline);
    expect(layout.executionPct).toBeCloseTo((30 / 35) * 100, 5);
    expect(layout.calls[0]!.leftPct).toBeCloseTo((11 / 35) * 100, 5);
    expect(layout.calls[0]!.widthPct).toBeCloseTo((10 / 35) * 100, 5);
    expect(layout.ticks.map((t) => t.utc)).toEqual(['08:50', '08:55', '09:00', '09:05', '09:10', '09:15', '09:20', '09:25']);
    expect(layout.ticks[0]!.desk).toBe(formatZonedTime(at('08:50'), 'America/New_York').slice(11, 16));
  });

  it('formats an instant in a named zone whatever the workstation zone, and falls back to UTC for an unknown zone', () => {
    expect(formatZonedTime('2026-07-01T12:00:00Z', 'Europe/London')).toBe('2026-07-01 13:00:00');
    expect(formatZonedTime('2026-01-01T12:00:00Z', 'Asia/Tokyo')).toBe('2026-01-01 21:00:00');
    expect(formatZonedTime('2026-01-01T12:00:00Z', 'Not/AZone')).toBe('2026-01-01 12:00:00 UTC');
  });
});
