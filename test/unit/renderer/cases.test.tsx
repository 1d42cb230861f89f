// @vitest-environment jsdom
import { act, cleanup, fireEvent, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { SessionInfo } from '../../../shared/domain';
import type { HealthStatus } from '../../../shared/health';
import { formatLocalTime, formatUtcTime } from '../../../renderer/src/format';
import { groupByRecording } from '../../../renderer/src/case-activity';
import { renderApp } from '../../helpers/render-app';
import { SAMPLE_LOG_ID, sampleAuditStatus, sampleSession, sampleTrailEntry } from '../../helpers/renderer-fixtures';

afterEach(() => {
  cleanup();
  localStorage.clear();
});

const LOG = SAMPLE_LOG_ID;
const entry = sampleTrailEntry;

const reachable = (checkedAt: string): HealthStatus => ({
  worm: { state: 'reachable', checkedAt, message: null },
  genesys: { state: 'reachable', checkedAt, message: null },
});

function caseSwitching(initial: string | null) {
  let session: SessionInfo = sampleSession(Date.now(), initial);
  return {
    sessionGet: () => session,
    sessionSetCaseReference: ({ caseReference }: { caseReference: string }) => (session = { ...session, caseReference }),
  };
}

async function switchCase(reference: string) {
  fireEvent.click(screen.getByTestId('case-switch'));
  fireEvent.change(await screen.findByTestId('case-reference-input'), { target: { value: reference } });
  fireEvent.click(screen.getByTestId('case-reference-submit'));
  await screen.findByText(reference, { selector: '[data-testid="header-case-reference"] *' });
  expect(screen.queryByTestId('case-reference-dialog')).toBeNull();
}

describe('work by case', () => {
  it('changes the case reference from the header at any time, and offers the cases of this sitting to switch back', async () => {
    const { transport } = await renderApp(caseSwitching(null));
    expect(screen.getByTestId('case-switch').textContent).toBe('Set');
    await switchCase('FCA-2026-0001');
    expect(screen.getByTestId('case-switch').textContent).toBe('Change');
    await switchCase('FCA-2026-0002');
    expect(transport.callsTo('session:setCaseReference')).toEqual([{ caseReference: 'FCA-2026-0001' }, { caseReference: 'FCA-2026-0002' }]);

    fireEvent.click(screen.getByTestId('case-switch'));
    const recent = await screen.findAllByTestId('case-reference-recent');
    expect(recent.map((b) => b.textContent)).toEqual(['FCA-2026-0001']);
    fireEvent.click(recent[0]!);
    await screen.findByText('FCA-2026-0001', { selector: '[data-testid="header-case-reference"] *' });
    expect(transport.callsTo('session:setCaseReference').at(-1)).toEqual({ caseReference: 'FCA-2026-0001' });
  });

  it('lists what was done under the case by recording, the latest first, with who and when', async () => {
    const trail = [
      entry(6, { action: 'export', recordingId: null, conversationId: null, tradingId: null, summary: 'pack of 2 recordings' }),
      entry(5, { action: 'seek', recordingId: 'rec-2', conversationId: 'conv-2', tradingId: 'T-2025-004829', summary: 'to 1:01' }),
      entry(4, { action: 'annotate', summary: '0:10–0:20 "price agreed"' }),
      entry(3, { action: 'play', recordingId: 'rec-2', conversationId: 'conv-2', tradingId: 'T-2025-004829' }),
      entry(2, { action: 'transcript', summary: null }),
      entry(1),
      entry(0, { action: 'search', recordingId: null, conversationId: null, tradingId: 'T-2025-004817', summary: 'tradingId=T-2025-004817' }),
    ];
    const { transport } = await renderApp({
      ...caseSwitching('FCA-2025-0193'),
      auditList: () => ({ logId: LOG, total: trail.length, entries: trail }),
    });
    fireEvent.click(screen.getByTestId('nav-cases'));
    const groups = await screen.findAllByTestId('case-group');
    expect(transport.callsTo('audit:list')).toEqual([{ caseReference: 'FCA-2025-0193', limit: 1000 }]);
    expect(groups.map((g) => g.getAttribute('data-recording-id'))).toEqual(['', 'rec-2', 'rec-1']);
    const actions = (group: HTMLElement) => within(group).getAllByTestId('case-entry').map((row) => row.getAttribute('data-action'));
    expect(actions(groups[0]!)).toEqual(['export', 'search']);
    expect(actions(groups[1]!)).toEqual(['seek', 'play']);
    expect(actions(groups[2]!)).toEqual(['annotate', 'transcript', 'play']);
    const annotated = within(groups[2]!).getAllByTestId('case-entry')[0]!;
    expect(annotated.textContent).toContain('Annotation');
    expect(annotated.textContent).toContain('0:10–0:20 "price agreed"');
    expect(annotated.textContent).toContain('Maria Hartmann on LON-CMP-0142');
    expect(annotated.querySelector('time')?.textContent).toBe(`${formatLocalTime(trail[2]!.time)} ${formatUtcTime(trail[2]!.time)}`);

    // The time-display toggle in the header puts UTC first everywhere.
    fireEvent.click(screen.getByTestId('time-first-utc'));
    expect(screen.getByTestId('time-first-utc').getAttribute('aria-pressed')).toBe('true');
    expect(annotated.querySelector('time')?.textContent).toBe(`${formatUtcTime(trail[2]!.time)} ${formatLocalTime(trail[2]!.time)}`);
  });

  it('groups entries by recording, the most recently touched first', () => {
    const groups = groupByRecording([entry(1), entry(3, { recordingId: 'rec-2' }), entry(2), entry(0, { recordingId: null })]);
    expect(groups.map((g) => [g.recordingId, g.entries.map((e) => e.seq)])).toEqual([
      ['rec-2', [3]],
      ['rec-1', [2, 1]],
      [null, [0]],
    ]);
  });
});

describe('reachability', () => {
  it('shows the WORM store and Genesys green with the last check, and red at once when main says one is unreachable', async () => {
    const checkedAt = new Date().toISOString();
    const { transport } = await renderApp({ sessionGet: () => sampleSession(), healthGet: () => reachable(checkedAt) });
    const indicator = await screen.findByTestId('header-health');
    await act(async () => undefined);
    expect(indicator.getAttribute('data-state')).toBe('reachable');
    expect(screen.getByTestId('health-worm').getAttribute('data-state')).toBe('reachable');
    expect(screen.getByTestId('health-checked').textContent).toBe(`checked ${formatLocalTime(checkedAt).slice(11)}`);

    const later = new Date(Date.now() + 30_000).toISOString();
    const message = 'WORM store unavailable: HeadBucket custody-audit at http://127.0.0.1:7480 failed: ECONNREFUSED';
    act(() => transport.emit('health:changed', { ...reachable(checkedAt), worm: { state: 'unreachable', checkedAt: later, message } }));
    expect(indicator.getAttribute('data-state')).toBe('unreachable');
    const worm = screen.getByTestId('health-worm');
    expect(worm.textContent).toBe('WORM store unreachable');
    expect(worm.getAttribute('title')).toBe(`WORM store unreachable: ${message}`);
    expect(screen.getByTestId('health-checked').textContent).toBe(`checked ${formatLocalTime(later).slice(11)}`);
  });

  it('never says "verified" on the audit trail while the WORM store is unreachable: the last verification, and that the store is down', async () => {
    const down: HealthStatus = { ...reachable('2026-11-26T09:10:00.000Z'), worm: { state: 'unreachable', checkedAt: '2026-11-26T09:10:00.000Z', message: 'ECONNREFUSED' } };
    const { transport } = await renderApp({
      sessionGet: () => sampleSession(),
      healthGet: () => down,
      auditList: () => ({ logId: LOG, total: 0, entries: [] }),
      auditStatus: () => sampleAuditStatus(),
    });
    fireEvent.click(screen.getByTestId('nav-audit'));
    const verdict = await screen.findByTestId('audit-integrity');
    await screen.findByTestId('audit-store-unreachable');
    expect(verdict.textContent).not.toMatch(/^Verified/);
    expect(verdict.getAttribute('data-store')).toBe('unreachable');
    expect(verdict.className).toBe('verdict verdict--unknown');
    expect(screen.getByTestId('audit-store-unreachable').textContent).toBe(
      `Last verified up to tree size 3 at ${formatLocalTime('2026-11-26T09:04:00.000Z')}. The store did not answer at ${formatLocalTime('2026-11-26T09:10:00.000Z')}; nothing can be recorded or verified until it does.`,
    );

    act(() => transport.emit('health:changed', reachable('2026-11-26T09:10:30.000Z')));
    expect(verdict.textContent).toMatch(/^Verified up to tree size 3/);
    expect(screen.queryByTestId('audit-store-unreachable')).toBeNull();
  });
});
