// @vitest-environment jsdom
import { cleanup, fireEvent, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeIpcError } from '../../helpers/fake-ipc-transport';
import { renderApp } from '../../helpers/render-app';
import { sampleMatches, sampleSearchResult, sampleSession } from '../../helpers/renderer-fixtures';

afterEach(cleanup);

function type(testId: string, value: string) {
  fireEvent.change(screen.getByTestId(testId), { target: { value } });
}

describe('search', () => {
  it('sends the criteria and lists every match, flagging a recording without a trading ID', async () => {
    const { transport } = await renderApp({
      sessionGet: () => sampleSession(),
      recordingsSearch: () => sampleSearchResult(),
    });
    type('search-trading-id', '  T-2025-0048  ');
    type('search-agent', 'Whitfield');
    fireEvent.click(screen.getByTestId('search-submit'));

    const table = await screen.findByTestId('results-table');
    expect(transport.callsTo('recordings:search')).toEqual([{ tradingId: 'T-2025-0048', agent: 'Whitfield' }]);
    const rows = within(table).getAllByTestId('result-row');
    expect(rows).toHaveLength(sampleMatches.length);
    expect(rows[0]?.textContent).toContain('T-2025-004817');
    expect(rows[0]?.textContent).toContain('ACC-10442');
    expect(rows[0]?.textContent).toContain('4:42');
    // Row 2 has no trading ID: a visible badge, explained in its title.
    const badge = within(rows[1] as HTMLElement).getByTestId('missing-trading-id');
    expect(badge.textContent).toBe('Missing');
    expect(badge.getAttribute('title')).toContain('MiFID II');
    expect(within(table).getAllByTestId('missing-trading-id')).toHaveLength(1);
    // The start time carries its UTC value for the tooltip.
    expect(rows[0]?.querySelector('time')?.getAttribute('title')).toBe('2025-03-14 09:12:05 UTC');
    expect(screen.getByTestId('results-summary').textContent).toContain('evt-000184-search');
  });

  it('lists each recording of a conversation on its own row and replaces rows on the next search', async () => {
    const first = sampleMatches[0]!;
    const twoRecordings = [first, { ...first, recordingId: `${first.recordingId}-2` }];
    let answer = twoRecordings;
    await renderApp({
      sessionGet: () => sampleSession(),
      recordingsSearch: () => sampleSearchResult(Date.now(), answer),
    });
    type('search-trading-id', 'T-2025-004817');
    fireEvent.click(screen.getByTestId('search-submit'));
    await screen.findByTestId('results-table');
    expect(screen.getAllByTestId('result-row').map((r) => r.getAttribute('data-recording-id'))).toEqual([
      first.recordingId,
      `${first.recordingId}-2`,
    ]);
    answer = [first];
    fireEvent.click(screen.getByTestId('search-submit'));
    await screen.findByText(/^1 match/);
    expect(screen.getAllByTestId('result-row')).toHaveLength(1);
  });

  it('converts the local date-time inputs to UTC instants', async () => {
    const { transport } = await renderApp({
      sessionGet: () => sampleSession(),
      recordingsSearch: () => sampleSearchResult(Date.now(), []),
    });
    type('search-from', '2025-03-14T09:00');
    type('search-to', '2025-03-14T18:30:15');
    fireEvent.click(screen.getByTestId('search-submit'));
    await screen.findByTestId('results-empty');
    expect(transport.callsTo('recordings:search')).toEqual([
      { from: new Date('2025-03-14T09:00').toISOString(), to: new Date('2025-03-14T18:30:15').toISOString() },
    ]);
  });

  it('says clearly when nothing matches', async () => {
    await renderApp({
      sessionGet: () => sampleSession(),
      recordingsSearch: () => sampleSearchResult(Date.now(), []),
    });
    type('search-trading-id', 'T-9999');
    fireEvent.click(screen.getByTestId('search-submit'));
    const empty = await screen.findByTestId('results-empty');
    expect(empty.textContent).toBe('No recordings match trading ID T-9999.');
    expect(screen.queryByTestId('results-table')).toBeNull();
  });

  it('shows a VALIDATION error from main inline', async () => {
    await renderApp({
      sessionGet: () => sampleSession(),
      recordingsSearch: () => {
        throw new FakeIpcError('VALIDATION', 'Invalid request for recordings:search:\n✖ unknown account format\n  → at clientAccount');
      },
    });
    type('search-client-account', 'ACC?');
    fireEvent.click(screen.getByTestId('search-submit'));
    const alert = await screen.findByRole('alert');
    expect(alert.getAttribute('data-error-code')).toBe('VALIDATION');
    expect(alert.textContent).toContain('Check the input');
    expect(alert.textContent).toContain('unknown account format');
    expect(alert.textContent).toContain('at clientAccount');
    expect(screen.queryByTestId('results-table')).toBeNull();
  });

  it('catches invalid criteria before sending anything', async () => {
    const { transport } = await renderApp({ sessionGet: () => sampleSession(), recordingsSearch: () => sampleSearchResult() });
    fireEvent.click(screen.getByTestId('search-submit'));
    expect((await screen.findByRole('alert')).textContent).toContain('give at least one search criterion');

    type('search-from', '2025-03-15T00:00');
    type('search-to', '2025-03-14T00:00');
    fireEvent.click(screen.getByTestId('search-submit'));
    expect((await screen.findByRole('alert')).textContent).toContain('"from" must not be after "to"');

    type('search-from', '');
    type('search-to', '');
    type('search-trading-id', 'T-1\u0007');
    fireEvent.click(screen.getByTestId('search-submit'));
    expect((await screen.findByRole('alert')).textContent).toContain('Trading ID: must not contain control characters');
    expect(screen.getByTestId('search-trading-id').getAttribute('aria-invalid')).toBe('true');
    expect(transport.callsTo('recordings:search')).toEqual([]);
  });

  it('shows other failures with their meaning, and keeps the form usable', async () => {
    let reachable = false;
    await renderApp({
      sessionGet: () => sampleSession(),
      recordingsSearch: () => {
        if (!reachable) throw new FakeIpcError('UPSTREAM_UNAVAILABLE', 'Could not reach Genesys (analytics): ECONNRESET');
        return sampleSearchResult();
      },
    });
    type('search-trading-id', 'T-2025-004817');
    fireEvent.click(screen.getByTestId('search-submit'));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Genesys Cloud could not be reached');
    expect(alert.textContent).toContain('ECONNRESET');

    reachable = true;
    fireEvent.click(screen.getByTestId('search-submit'));
    await screen.findByTestId('results-table');
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('opens a recording with Enter and moves between rows with the arrow keys', async () => {
    await renderApp({
      sessionGet: () => sampleSession(),
      recordingsSearch: () => sampleSearchResult(),
      recordingsGet: ({ recordingId }) => {
        const match = sampleMatches.find((m) => m.recordingId === recordingId);
        if (!match) throw new FakeIpcError('NOT_FOUND', 'no such recording');
        return { ...match, participants: [{ purpose: 'agent', name: 'James Whitfield', userId: 'u-1' }], cached: null };
      },
    });
    type('search-trading-id', 'T-2025');
    fireEvent.click(screen.getByTestId('search-submit'));
    const rows = within(await screen.findByTestId('results-table')).getAllByTestId('result-row');
    (rows[0] as HTMLElement).focus();
    fireEvent.keyDown(rows[0] as HTMLElement, { key: 'ArrowDown' });
    expect(document.activeElement).toBe(rows[1]);
    fireEvent.keyDown(rows[1] as HTMLElement, { key: 'Enter' });

    const view = await screen.findByTestId('recording-view');
    expect(rows[1]?.getAttribute('aria-current')).toBe('true');
    expect(view.textContent).toContain(sampleMatches[1]?.conversationId);
    expect((await within(view).findByTestId('participants')).textContent).toContain('James Whitfield');
  });
});
