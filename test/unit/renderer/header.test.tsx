// @vitest-environment jsdom
import { act, cleanup, fireEvent, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { formatLocalTime } from '../../../renderer/src/format';
import { FakeIpcError } from '../../helpers/fake-ipc-transport';
import { renderApp } from '../../helpers/render-app';
import { sampleOfficer, sampleSearchResult, sampleSession } from '../../helpers/renderer-fixtures';

afterEach(cleanup);

describe('header', () => {
  it('shows the signed-in officer and until when her access runs, the workstation, case reference and how fresh the index is', async () => {
    const now = Date.now();
    const officer = sampleOfficer(now);
    await renderApp({ sessionGet: () => sampleSession(now), authCurrent: () => ({ officer }) });
    expect((await screen.findByTestId('header-officer-name')).textContent).toBe('Olivia Adler');
    expect(screen.getByTestId('header-officer-expiry').textContent).toBe(`· access until ${formatLocalTime(officer.accessExpiresAt!).slice(11, 16)}`);
    expect(screen.getByTestId('header-officer').getAttribute('title')).toBe(`Olivia Adler <officer.a@sandbox.custody.test> (Genesys user ${officer.genesysUserId})`);
    expect(screen.queryByTestId('header-operator')).toBeNull();
    expect(screen.queryByTestId('header-officer-missing')).toBeNull();
    expect(screen.getByTestId('header-workstation').textContent).toBe('LON-CMP-0142');
    expect(screen.getByTestId('header-case-reference').textContent).toBe('No case reference');
    expect(screen.getByTestId('header-index').textContent).toBe('Index synced 3 min ago');
  });

  it("gives the date as well when the officer's access runs beyond the next 12 hours (Genesys's default token lives 24 h)", async () => {
    const officer = { ...sampleOfficer(), accessExpiresAt: new Date(Date.now() + 24 * 3_600_000).toISOString() };
    await renderApp({ sessionGet: () => sampleSession(), authCurrent: () => ({ officer }) });
    expect((await screen.findByTestId('header-officer-expiry')).textContent).toBe(`· access until ${formatLocalTime(officer.accessExpiresAt).slice(0, 16)}`);
  });

  it('says the access token renews on use once its expiry has passed, or before Custody first used it', async () => {
    const expired = { ...sampleOfficer(), accessExpiresAt: new Date(Date.now() - 60_000).toISOString() };
    await renderApp({ sessionGet: () => sampleSession(), authCurrent: () => ({ officer: expired }) });
    expect((await screen.findByTestId('header-officer-expiry')).textContent).toBe('· access renews on next use');
    cleanup();
    await renderApp({ sessionGet: () => sampleSession(), authCurrent: () => ({ officer: { ...expired, accessExpiresAt: null } }) });
    expect((await screen.findByTestId('header-officer-expiry')).textContent).toBe('· access renews on next use');
  });

  it('names the permissions Custody checks that Genesys has not granted the officer', async () => {
    const officer = sampleOfficer();
    const agent = {
      ...officer,
      name: 'Carla Costa',
      permissions: officer.permissions.map((p) => ({ ...p, granted: !p.permission.startsWith('recording:recording') })),
    };
    await renderApp({ sessionGet: () => sampleSession(), authCurrent: () => ({ officer: agent }) });
    expect((await screen.findByTestId('header-officer-missing')).textContent).toBe(
      'Missing Genesys permissions: recording:recording:download, recording:recording:view',
    );
  });

  it('says the index is offline, from when, with the warning of the search result', async () => {
    const lastSyncedAt = '2025-03-14T07:30:00.000Z';
    await renderApp({
      sessionGet: () => sampleSession(Date.now(), 'FCA-2025-0193'),
      recordingsSearch: () => ({
        ...sampleSearchResult(),
        index: {
          lastSyncedAt,
          coveredFrom: null,
          coveredTo: lastSyncedAt,
          source: 'offline',
          warning: 'Genesys Cloud unreachable: results may miss calls after the last sync.',
        },
      }),
    });
    expect((await screen.findByTestId('header-case-reference')).textContent).toBe('FCA-2025-0193');
    fireEvent.change(screen.getByTestId('search-queue'), { target: { value: 'FX Desk' } });
    fireEvent.click(screen.getByTestId('search-submit'));
    await screen.findByTestId('results-table');
    const index = screen.getByTestId('header-index');
    expect(index.textContent).toContain(`Offline — index from ${formatLocalTime(lastSyncedAt)}`);
    expect(index.textContent).toContain('results may miss calls after the last sync');
  });

  it('follows the sync pushes from main', async () => {
    const start = Date.now();
    const { transport } = await renderApp({ sessionGet: () => sampleSession(start) });
    await screen.findByText('Index synced 3 min ago');
    act(() => transport.emit('index:syncStatus', { state: 'started', lastSyncedAt: null, message: null }));
    expect(screen.getByTestId('header-index').textContent).toBe('Index synced 3 min ago · syncing…');
    const now = new Date().toISOString();
    act(() => transport.emit('index:syncStatus', { state: 'finished', lastSyncedAt: now, message: null }));
    expect(screen.getByTestId('header-index').textContent).toBe('Index synced just now');
    act(() => transport.emit('index:syncStatus', { state: 'failed', lastSyncedAt: null, message: 'HTTP 503 from Genesys' }));
    expect(screen.getByTestId('header-index').textContent).toBe(`Offline — index from ${formatLocalTime(now)}HTTP 503 from Genesys`);
  });

  it('explains a session that could not be loaded', async () => {
    await renderApp({
      sessionGet: () => {
        throw new FakeIpcError('KEYCHAIN_UNAVAILABLE', 'The Secret Service is not running.');
      },
    });
    const alert = await screen.findByTestId('session-error');
    expect(alert.textContent).toContain('The OS keychain is unavailable');
    expect(alert.textContent).toContain('The Secret Service is not running.');
  });
});
