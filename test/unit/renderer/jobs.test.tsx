// @vitest-environment jsdom
import { act, cleanup, fireEvent, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { SessionInfo } from '../../../shared/domain';
import type { JobProgress, JobSummary } from '../../../shared/jobs';
import { FakeIpcError } from '../../helpers/fake-ipc-transport';
import { renderApp } from '../../helpers/render-app';
import { sampleSearchResult, sampleSession } from '../../helpers/renderer-fixtures';

afterEach(cleanup);

const job = (extra: Partial<JobSummary> = {}): JobSummary => ({
  id: '3f2a9c1e-0000-4000-8000-000000000001',
  state: 'running',
  message: null,
  caseReference: 'FCA-2026-0042',
  selection: { kind: 'search', query: { queue: 'FX Desk' } },
  outDir: '/home/officer/.local/share/custody/default/exports/3f2a9c1e',
  api: 'auto',
  concurrency: 8,
  createdAt: '2026-11-20T09:00:00.000Z',
  updatedAt: '2026-11-20T09:00:00.000Z',
  finishedAt: null,
  counts: { total: 40, pending: 40, fetching: 0, done: 0, failed: 0, archived: 0 },
  bytes: 0,
  ratePerMinute: null,
  etaSeconds: null,
  inputProblems: 0,
  ...extra,
});

async function searchFx() {
  fireEvent.change(screen.getByTestId('search-queue'), { target: { value: 'FX Desk' } });
  fireEvent.click(screen.getByTestId('search-submit'));
  await screen.findByTestId('results-table');
}

describe('retrieval jobs', () => {
  it('asks for the case reference, starts "Retrieve all" on the search, and shows live progress to the end', async () => {
    let session: SessionInfo = sampleSession();
    const { transport } = await renderApp({
      sessionGet: () => session,
      sessionSetCaseReference: ({ caseReference }) => (session = { ...session, caseReference }),
      recordingsSearch: () => sampleSearchResult(),
      jobsStartFromSearch: () => job(),
      jobsList: () => ({ jobs: [job()] }),
    });
    await searchFx();
    fireEvent.click(screen.getByTestId('retrieve-all'));
    const dialog = await screen.findByTestId('case-reference-dialog');
    expect(dialog.textContent).toContain('Why are you retrieving these recordings?');
    fireEvent.change(screen.getByTestId('case-reference-input'), { target: { value: 'FCA-2026-0042' } });
    fireEvent.click(screen.getByTestId('case-reference-submit'));

    const card = await screen.findByTestId('job-card');
    expect(transport.callsTo('jobs:startFromSearch')).toEqual([{ query: { queue: 'FX Desk' } }]);
    expect(transport.callsTo('session:setCaseReference')).toEqual([{ caseReference: 'FCA-2026-0042' }]);
    expect(screen.getByTestId('nav-jobs').getAttribute('aria-current')).toBe('page');
    expect(card.getAttribute('data-state')).toBe('running');
    expect(within(card).getByTestId('job-out-dir').textContent).toContain('/exports/3f2a9c1e');

    const progress = (extra: Partial<JobProgress>): JobProgress => ({ ...job(), failures: [], ...extra });
    act(() =>
      transport.emit(
        'jobs:progress',
        progress({ counts: { total: 40, pending: 20, fetching: 2, done: 17, failed: 1, archived: 0 }, bytes: 2_200_000, ratePerMinute: 480, etaSeconds: 3, failures: [{ conversationId: 'c-9', recordingId: 'r-9', tradingId: 'T-9', state: 'failed', reason: 'Deleted in Genesys.' }] }),
      ),
    );
    const bar = within(card).getByTestId('job-progress');
    expect(bar.getAttribute('aria-valuenow')).toBe('45');
    expect(within(card).getByTestId('job-numbers').textContent).toBe('17 of 40 retrieved · 480/min · ETA 0:03 · 2.1 MB · 1 failed');
    expect(within(card).getByTestId('job-failures').textContent).toContain('Deleted in Genesys.');

    act(() => transport.emit('jobs:progress', progress({ state: 'done', counts: { total: 40, pending: 0, fetching: 0, done: 40, failed: 0, archived: 0 }, bytes: 5_000_000 })));
    expect(card.getAttribute('data-state')).toBe('done');
    expect(within(card).getByTestId('job-progress').getAttribute('aria-valuenow')).toBe('100');
    expect(within(card).queryByTestId('job-pause')).toBeNull();
  });

  it('pauses, resumes and cancels, and explains a blocked job', async () => {
    const blocked = job({ state: 'blocked', message: 'Genesys access is blocked: the client was revoked.' });
    const { transport } = await renderApp({
      sessionGet: () => sampleSession(),
      jobsList: () => ({ jobs: [blocked] }),
      jobsResume: () => job(),
      jobsPause: () => job({ state: 'paused', message: 'Paused by the officer.' }),
      jobsCancel: () => job({ state: 'cancelled' }),
    });
    fireEvent.click(screen.getByTestId('nav-jobs'));
    const card = await screen.findByTestId('job-card');
    expect(within(card).getByTestId('job-message').textContent).toMatch(/revoked/);
    fireEvent.click(within(card).getByTestId('job-resume'));
    await within(card).findByTestId('job-pause');
    fireEvent.click(within(card).getByTestId('job-pause'));
    await within(card).findByText('Paused by the officer.');
    fireEvent.click(within(card).getByTestId('job-cancel'));
    await within(card).findByText('Cancelled');
    expect(transport.callsTo('jobs:resume')).toEqual([{ jobId: blocked.id }]);
    expect(transport.callsTo('jobs:cancel')).toHaveLength(1);
  });

  it('lists the rows of a trading-ID list that were not used, with their reasons, when opened', async () => {
    const fromCsv = job({
      state: 'done',
      selection: { kind: 'trading-ids', source: 'regulator-request.csv', tradingIds: 3, from: '2026-08-01T00:00:00.000Z', to: '2026-11-01T00:00:00.000Z' },
      counts: { total: 3, pending: 0, fetching: 0, done: 3, failed: 0, archived: 0 },
      inputProblems: 2,
    });
    const inputReport = [
      { line: 4, value: '"T-BROKEN', problem: 'malformed CSV: a quoted field is not closed' },
      { line: 7, value: 'T-19990101-0001', problem: 'unknown trading ID: no call carries it between 2026-08-01 and 2026-11-01' },
    ];
    const { transport } = await renderApp({
      sessionGet: () => sampleSession(),
      jobsList: () => ({ jobs: [fromCsv] }),
      jobsGet: () => ({ ...fromCsv, failures: [], inputReport }),
    });
    fireEvent.click(screen.getByTestId('nav-jobs'));
    const card = await screen.findByTestId('job-card');
    const report = within(card).getByTestId('job-input-report');
    expect(report.closest('details')!.querySelector('summary')!.textContent).toBe('Rows of the trading-ID list not used (2)');
    const details = report.closest('details')!;
    details.open = true; // the browser (and jsdom) then fires "toggle"
    await within(report).findByText('T-19990101-0001');
    expect(report.textContent).toContain('line 4');
    expect(report.textContent).toContain('malformed CSV: a quoted field is not closed');
    expect(transport.callsTo('jobs:get')).toEqual([{ jobId: fromCsv.id }]);
  });

  it('shows why a retrieval could not start', async () => {
    await renderApp({
      sessionGet: () => sampleSession(Date.now(), 'FCA-2026-0042'),
      recordingsSearch: () => sampleSearchResult(),
      jobsStartFromSearch: () => {
        throw new FakeIpcError('AUDIT_UNAVAILABLE', 'Audit log unavailable, access refused.');
      },
    });
    await searchFx();
    fireEvent.click(screen.getByTestId('retrieve-all'));
    expect((await screen.findByTestId('retrieve-error')).textContent).toContain('Audit log unavailable');
    expect(screen.getByTestId('nav-recordings').getAttribute('aria-current')).toBe('page');
  });
});
