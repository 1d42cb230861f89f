// @vitest-environment jsdom
import { cleanup, fireEvent, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { AuditVerification, FirmVerification } from '../../../shared/audit-views';
import type { FakeHandlers } from '../../helpers/fake-ipc-transport';
import { renderApp } from '../../helpers/render-app';
import { SAMPLE_LOG_ID, sampleAuditStatus, sampleSession, sampleTrailEntry } from '../../helpers/renderer-fixtures';

afterEach(cleanup);

const LOG = SAMPLE_LOG_ID;
const entry = sampleTrailEntry;

const entries = [
  entry(2, { action: 'seek', summary: 'to 1:01', alerts: [{ rule: 'outside-business-hours', message: 'Sat 22:14 Europe/London is outside UK business hours (Mon-Fri 07:00-19:00)' }] }),
  entry(1),
  entry(0, { action: 'search', recordingId: null, conversationId: null, caseReference: null, summary: 'tradingId=T-2025-004817' }),
];

const status = sampleAuditStatus;

const failedVerification: AuditVerification = {
  ok: false,
  logId: LOG,
  bucket: 'custody-audit',
  checkedAt: '2026-11-26T09:05:00.000Z',
  window: { from: null, to: null },
  bucketLock: { enabled: true, mode: 'COMPLIANCE', days: 1826 },
  events: { read: 3, inWindow: 3, lastSeq: 2 },
  checkpoints: { total: 1, valid: 0, latest: { treeSize: 3, rootHash: 'ab'.repeat(32), time: '2026-11-26T09:03:00.000Z' } },
  keys: [{ keyId: 'cd'.repeat(32), source: 'bucket' }],
  verifiedUpTo: null,
  uncheckpointed: 0,
  firstBad: { kind: 'missing-event', seq: 1, treeSize: null, key: `audit/v1/${LOG}/events/000000000001.json`, message: 'event 1 is missing: s3://custody-audit/… does not exist' },
  problems: [{ kind: 'missing-event', seq: 1, treeSize: null, key: null, message: 'event 1 is missing: s3://custody-audit/… does not exist' }],
  problemsTruncated: false,
  warnings: [],
};

const PARIS_LOG = '22222222-2222-4222-8222-222222222222';
/** "Verify now" covers every log: this workstation's (tampered) and Paris's (intact). */
const firmVerification: FirmVerification = {
  ok: false,
  bucket: 'custody-audit',
  logs: [
    { logId: LOG, own: true, workstation: 'LON-CMP-0142', report: failedVerification, error: null },
    {
      logId: PARIS_LOG,
      own: false,
      workstation: 'PAR-CMP-0007',
      report: { ...failedVerification, ok: true, logId: PARIS_LOG, checkpoints: { ...failedVerification.checkpoints, valid: 1 }, firstBad: null, problems: [] },
      error: null,
    },
  ],
};

function main(overrides: FakeHandlers = {}): FakeHandlers {
  return {
    sessionGet: () => sampleSession(),
    auditList: (filter) => ({ logId: LOG, total: entries.length, entries: filter.tradingId === 'T-NONE' ? [] : entries }),
    auditStatus: () => status(),
    auditVerify: () => firmVerification,
    ...overrides,
  };
}

async function openAuditTrail() {
  fireEvent.click(await screen.findByTestId('nav-audit'));
  return screen.findByTestId('audit-table');
}

describe('audit trail view', () => {
  it('lists who accessed what, when, from where and why, with the alerts, and the verification status', async () => {
    const { transport } = await renderApp(main());
    expect(transport.callsTo('audit:list')).toEqual([]);
    const table = await openAuditTrail();
    const rows = within(table).getAllByTestId('audit-row');
    expect(rows.map((r) => r.getAttribute('data-action'))).toEqual(['seek', 'play', 'search']);
    expect(rows[0]!.textContent).toContain('Maria Hartmann');
    expect(rows[0]!.textContent).toContain('LON-CMP-0142');
    expect(rows[0]!.textContent).toContain('FCA-2025-0193');
    expect(rows[0]!.textContent).toContain('to 1:01');
    const alert = within(rows[0]!).getByTestId('audit-alert');
    expect(alert.textContent).toBe('Out of hours');
    expect(alert.getAttribute('title')).toMatch(/outside UK business hours/);
    expect(rows[0]!.className).toBe('row--finding');
    const verdict = screen.getByTestId('audit-integrity');
    expect(verdict.getAttribute('data-state')).toBe('ok');
    expect(verdict.textContent).toContain('Verified up to tree size 3');
    expect(screen.getByTestId('audit-last-checkpoint').textContent).toContain('tree size 3');
    expect(transport.callsTo('audit:list')).toEqual([{}]);
  });

  it('shows the signed-in officer by name with her email and Genesys id, and unattended work as the service account and who scheduled it', async () => {
    const olivia = { genesysUserId: '0ff1ce00-0000-4000-8000-00000000000a', name: 'Olivia Adler', email: 'officer.a@sandbox.custody.test' };
    const trail = [
      entry(2, { action: 'export', operator: { kind: 'service', name: 'service account c-1', oauthClientId: 'c-1', scheduledBy: olivia, osAccount: 'svc' } }),
      entry(1, { operator: { kind: 'officer', ...olivia, osAccount: 'mhartmann' } }),
      entry(0),
    ];
    renderApp(main({ auditList: () => ({ logId: LOG, total: trail.length, entries: trail }) }));
    const table = await openAuditTrail();
    const [service, officer, before] = within(table).getAllByTestId('audit-operator');
    expect(service!.textContent).toBe('service (client c-1)scheduled by Olivia Adler');
    expect(service!.getAttribute('title')).toMatch(/^service \(client c-1\) scheduled by Olivia Adler <officer.a@sandbox.custody.test> \(Genesys 0ff1ce00-0000-4000-8000-00000000000a\) \(svc\)/);
    expect(officer!.textContent).toBe('Olivia Adlerofficer.a@sandbox.custody.test');
    expect(officer!.getAttribute('title')).toMatch(/^Olivia Adler <officer.a@sandbox.custody.test> \(Genesys 0ff1ce00-0000-4000-8000-00000000000a\) \(mhartmann\) on LON-CMP-0142/);
    // An event from before sign-in keeps showing the name it carries.
    expect(before!.textContent).toBe('Maria Hartmann');
    expect(within(table).getAllByTestId('audit-workstation')[0]!.textContent).toBe(`LON-CMP-014210.20.4.17 · log ${LOG.slice(0, 8)}`);
  });

  it('filters like `custody audit show`, and checks the filter before asking main', async () => {
    const { transport } = await renderApp(main());
    await openAuditTrail();
    fireEvent.change(screen.getByTestId('audit-filter-trading-id'), { target: { value: 'T-NONE' } });
    fireEvent.change(screen.getByTestId('audit-filter-action'), { target: { value: 'play' } });
    fireEvent.click(screen.getByTestId('audit-filter-alerts'));
    fireEvent.click(screen.getByTestId('audit-filter-submit'));
    expect((await screen.findByTestId('audit-empty')).textContent).toBe('No recorded access matches.');
    expect(transport.callsTo('audit:list').at(-1)).toEqual({ tradingId: 'T-NONE', action: 'play', alertsOnly: true });

    const calls = transport.callsTo('audit:list').length;
    fireEvent.change(screen.getByTestId('audit-filter-from'), { target: { value: '2026-11-27T10:00:00' } });
    fireEvent.change(screen.getByTestId('audit-filter-to'), { target: { value: '2026-11-26T10:00:00' } });
    fireEvent.click(screen.getByTestId('audit-filter-submit'));
    expect((await screen.findByTestId('audit-filter-error')).textContent).toContain('"from" must not be after "to"');
    expect(transport.callsTo('audit:list')).toHaveLength(calls);
  });

  it('verifies on demand and shows the first bad event when the log is not intact', async () => {
    let verified = false;
    await renderApp(
      main({
        auditStatus: () =>
          verified
            ? status({ integrity: { state: 'failed', source: 'verify', checkedAt: '2026-11-26T09:05:00.000Z', message: 'verification failed: event 1 is missing', firstBad: failedVerification.firstBad } })
            : status(),
        auditVerify: () => {
          verified = true;
          return firmVerification;
        },
      }),
    );
    await openAuditTrail();
    fireEvent.click(screen.getByTestId('audit-verify'));
    const result = await screen.findByTestId('audit-verification');
    expect(result.getAttribute('data-ok')).toBe('false');
    expect(within(result).getByTestId('audit-problems').textContent).toContain('missing-event event 1 is missing');
    const logs = within(result).getAllByTestId('audit-verification-log');
    expect(logs.map((log) => [log.getAttribute('data-log'), log.getAttribute('data-ok')])).toEqual([
      [LOG, 'false'],
      [PARIS_LOG, 'true'],
    ]);
    expect(within(logs[0]!).getByTestId('audit-verification-result').textContent).toBe('FAILED: first bad event 1: event 1 is missing: s3://custody-audit/… does not exist');
    expect(logs[0]!.textContent).toContain('LON-CMP-0142');
    expect(within(logs[1]!).getByTestId('audit-verification-result').textContent).toBe('VERIFIED');
    expect(logs[1]!.textContent).toContain('PAR-CMP-0007');
    await within(screen.getByTestId('audit-status')).findByText('Integrity check failed');
    expect(screen.getByTestId('audit-first-bad').textContent).toBe('First bad event: 1. verification failed: event 1 is missing');
  });

  it('marks the section when an access raises an alert or the log fails a check, and refreshes the list', async () => {
    const { transport } = await renderApp(main());
    await screen.findByTestId('app-header');
    expect(screen.queryByTestId('nav-audit-badge')).toBeNull();
    transport.emit('audit:recorded', entry(3, { alerts: [{ rule: 'participant-playback', message: 'Maria Hartmann is a participant of this call (Maria Hartmann)' }] }));
    expect((await screen.findByTestId('nav-audit-badge')).textContent).toBe('1');
    await openAuditTrail();
    expect(screen.getByTestId('audit-session-alerts').textContent).toContain('is a participant of this call');
    const before = transport.callsTo('audit:list').length;
    transport.emit('audit:recorded', entry(4));
    await expect.poll(() => transport.callsTo('audit:list').length).toBeGreaterThan(before);
    transport.emit('audit:integrity', { state: 'failed', source: 'consistency', checkedAt: null, message: 'the log shrank', firstBad: null });
    await expect.poll(() => screen.getByTestId('nav-audit-badge').textContent).toBe('!');
  });
});

describe('audit trail across every workstation\'s log', () => {
  const PARIS = '22222222-2222-4222-8222-222222222222';
  const firmPage = () => ({
    logId: LOG,
    total: 2,
    entries: [entry(5, { logId: PARIS, workstation: { hostname: 'PAR-CMP-0007', addresses: [] }, eventId: 'par-5' }), entry(1)],
    logs: [
      { logId: LOG, own: true, workstation: 'LON-CMP-0142', events: 3, newestEventTime: null, verifiedHead: { treeSize: 3, rootHash: 'ab'.repeat(32), time: '2026-11-26T09:03:00.000Z' }, integrity: status().integrity },
      {
        logId: PARIS,
        own: false,
        workstation: 'PAR-CMP-0007',
        events: 6,
        newestEventTime: null,
        verifiedHead: null,
        integrity: { state: 'failed' as const, source: 'verify' as const, checkedAt: null, message: 'event 4 was rewritten', firstBad: { kind: 'rewritten-event' as const, seq: 4, treeSize: null, key: null, message: 'event 4 was rewritten' } },
      },
    ],
  });

  it('names each entry\'s workstation and log, shows each log\'s integrity, and filters by workstation', async () => {
    const { transport } = await renderApp(main({ auditList: () => firmPage() }));
    const table = await openAuditTrail();
    expect(screen.getByTestId('audit-summary').textContent).toContain("2 workstations' logs");
    const [paris, london] = within(table).getAllByTestId('audit-row');
    expect(paris!.getAttribute('data-log')).toBe(PARIS);
    expect(within(paris!).getByTestId('audit-workstation').textContent).toBe('PAR-CMP-0007log 22222222');
    expect(within(london!).getByTestId('audit-workstation').getAttribute('title')).toBe(`log ${LOG} (this workstation)`);
    const logs = screen.getAllByTestId('audit-log');
    expect(logs.map((l) => [l.getAttribute('data-log'), l.getAttribute('data-state')])).toEqual([
      [LOG, 'ok'],
      [PARIS, 'failed'],
    ]);
    expect(logs[0]!.textContent).toContain('(this workstation) · 3 events · verified up to tree size 3');
    expect(logs[1]!.textContent).toContain('PAR-CMP-0007');
    expect(logs[1]!.textContent).toContain('integrity FAILED at event 4');

    fireEvent.change(screen.getByTestId('audit-filter-workstation'), { target: { value: ' PAR-CMP ' } });
    fireEvent.click(screen.getByTestId('audit-filter-submit'));
    await screen.findByTestId('audit-table');
    expect(transport.callsTo('audit:list').at(-1)).toEqual({ workstation: 'PAR-CMP' });
  });
});
