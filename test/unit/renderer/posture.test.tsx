// @vitest-environment jsdom
import { cleanup, fireEvent, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { PostureReport } from '../../../shared/posture';
import { FakeIpcError } from '../../helpers/fake-ipc-transport';
import { renderApp } from '../../helpers/render-app';
import { sampleSession } from '../../helpers/renderer-fixtures';

afterEach(cleanup);

const report: PostureReport = {
  id: 'p-1',
  checkedAt: '2025-03-14T09:30:00.000Z',
  profile: 'production',
  provider: 'aws',
  jurisdiction: 'UK (FCA)',
  checks: [
    { id: 'archive-bucket.object-lock', target: 'archive-bucket', subject: 'custody-archive', title: 'Object Lock', status: 'pass', summary: 'COMPLIANCE, 1826 days by default.', evidence: { configuration: { ObjectLockEnabled: 'Enabled' } } },
    { id: 'archive-bucket.encryption', target: 'archive-bucket', subject: 'custody-archive', title: 'Default encryption', status: 'fail', summary: 'SSE-S3 only.', evidence: { configuration: {} } },
    { id: 'audit-bucket.replication', target: 'audit-bucket', subject: 'custody-audit', title: 'Replication', status: 'unknown', summary: 'Could not tell: access denied.', evidence: { answer: 'AccessDenied (HTTP 403)' } },
    { id: 'genesys.trading-metadata', target: 'genesys', subject: 'Firm (org-1)', title: 'Identifiers on trading calls', status: 'fail', summary: '3 calls lack identifiers.', evidence: { count: 3 } },
  ],
  counts: { pass: 1, fail: 2, unknown: 1 },
  auditEventId: 'evt-posture-1',
};

describe('posture section', () => {
  it('runs the check on request and shows each result with its evidence, grouped by what was checked', async () => {
    const { transport } = await renderApp({ sessionGet: () => sampleSession(), postureLatest: () => ({ report: null }), postureRun: () => report });
    fireEvent.click(await screen.findByTestId('nav-posture'));
    expect((await screen.findByTestId('posture-empty')).textContent).toContain('No posture check has been run');
    fireEvent.click(screen.getByTestId('posture-run'));
    expect((await screen.findByTestId('posture-summary')).textContent).toContain('1 pass2 fail1 unknown');
    expect(transport.callsTo('posture:run')).toEqual([{}]);
    const archive = screen.getByTestId('posture-group-archive-bucket');
    expect(within(archive).getByText('custody-archive')).toBeTruthy();
    const checks = screen.getAllByTestId('posture-check');
    expect(checks.map((c) => [c.getAttribute('data-check-id'), c.getAttribute('data-status')])).toEqual([
      ['archive-bucket.object-lock', 'pass'],
      ['archive-bucket.encryption', 'fail'],
      ['audit-bucket.replication', 'unknown'],
      ['genesys.trading-metadata', 'fail'],
    ]);
    expect(within(checks[2]!).getByTestId('posture-evidence').textContent).toContain('AccessDenied (HTTP 403)');
  });

  it('shows the last report on opening, and a failure to run as an error', async () => {
    await renderApp({
      sessionGet: () => sampleSession(),
      postureLatest: () => ({ report }),
      postureRun: () => {
        throw new FakeIpcError('AUDIT_UNAVAILABLE', 'Audit log unavailable, access refused: WORM store did not answer');
      },
    });
    fireEvent.click(await screen.findByTestId('nav-posture'));
    await screen.findByTestId('posture-summary');
    fireEvent.click(screen.getByTestId('posture-run'));
    expect((await screen.findByTestId('posture-error')).textContent).toContain('Audit log unavailable');
    expect(screen.getByTestId('posture-summary')).toBeTruthy();
  });
});
