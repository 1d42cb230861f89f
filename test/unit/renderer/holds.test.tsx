// @vitest-environment jsdom
import { cleanup, fireEvent, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { HoldView } from '../../../shared/holds';
import { FakeIpcError } from '../../helpers/fake-ipc-transport';
import { renderApp } from '../../helpers/render-app';
import { sampleSession } from '../../helpers/renderer-fixtures';

afterEach(cleanup);

function sampleHold(overrides: Partial<HoldView> = {}): HoldView {
  return {
    id: '0f6c1c52-2c5e-4a55-9d1e-6b1f3a2b9c01',
    tradingId: 'T-2025-004817',
    caseReference: 'FCA-2025-0193',
    reason: 'FCA information request',
    state: 'active',
    placedBy: { name: 'Maria Hartmann', osAccount: 'CORP\\mhartmann' },
    placedAt: '2025-03-14T09:30:00.000Z',
    releaseRequest: null,
    released: null,
    objects: { held: 4, failed: 0, released: 0, kept: 0 },
    conversations: { total: 2, protected: 2, capReached: 0, failed: 0, released: 0, kept: 0 },
    complete: true,
    notes: [],
    auditEventIds: ['evt-hold-1'],
    ...overrides,
  };
}

async function openHolds() {
  fireEvent.click(await screen.findByTestId('nav-holds'));
  return screen.findByTestId('holds-view');
}

describe('holds section', () => {
  it('lists holds with what they lock, and places a new one after checking the form', async () => {
    let holds = [sampleHold()];
    const { transport } = await renderApp({
      sessionGet: () => sampleSession(Date.now(), 'FCA-2025-0200'),
      holdsList: () => ({ holds }),
      holdsPlace: (request) => {
        const placed = sampleHold({ id: '1f6c1c52-2c5e-4a55-9d1e-6b1f3a2b9c02', ...request, objects: { held: 2, failed: 0, released: 0, kept: 0 } });
        holds = [placed, ...holds];
        return placed;
      },
    });
    await openHolds();
    const row = (await screen.findAllByTestId('hold-row'))[0]!;
    expect(within(row).getByTestId('hold-state').textContent).toBe('active');
    expect(within(row).getByTestId('hold-objects').textContent).toBe('4 object versions under S3 legal hold');
    expect(within(row).getByTestId('hold-conversations').textContent).toBe('2 of 2 calls deletion-protected');

    // The case reference comes from the session; an empty trading id and reason are refused here.
    expect((screen.getByTestId('hold-case') as HTMLInputElement).value).toBe('FCA-2025-0200');
    fireEvent.click(screen.getByTestId('hold-place'));
    expect(await screen.findByText('give a reason of at least 3 characters')).toBeTruthy();
    expect(screen.getByTestId('hold-trading-id').getAttribute('aria-invalid')).toBe('true');
    expect(transport.callsTo('holds:place')).toEqual([]);

    fireEvent.change(screen.getByTestId('hold-trading-id'), { target: { value: 'T-2025-004829' } });
    fireEvent.change(screen.getByTestId('hold-reason'), { target: { value: 'Client complaint 2025/17' } });
    fireEvent.click(screen.getByTestId('hold-place'));
    await screen.findByText('T-2025-004829');
    expect(transport.callsTo('holds:place')).toEqual([{ tradingId: 'T-2025-004829', caseReference: 'FCA-2025-0200', reason: 'Client complaint 2025/17' }]);
    expect(screen.getAllByTestId('hold-row')).toHaveLength(2);
  });

  it('says clearly when the trade is unknown', async () => {
    await renderApp({
      sessionGet: () => sampleSession(),
      holdsList: () => ({ holds: [] }),
      holdsPlace: () => {
        throw new FakeIpcError('NOT_FOUND', 'Unknown trade "T-9": no conversation in the index and no archived recording carries this trading id.');
      },
    });
    await openHolds();
    expect((await screen.findByTestId('holds-empty')).textContent).toContain('No open legal holds');
    fireEvent.change(screen.getByTestId('hold-trading-id'), { target: { value: 'T-9' } });
    fireEvent.change(screen.getByTestId('hold-case'), { target: { value: 'FCA-1' } });
    fireEvent.change(screen.getByTestId('hold-reason'), { target: { value: 'typo?' } });
    fireEvent.click(screen.getByTestId('hold-place'));
    const alert = await screen.findByTestId('holds-error');
    expect(alert.getAttribute('data-error-code')).toBe('NOT_FOUND');
    expect(alert.textContent).toContain('Unknown trade "T-9"');
  });

  it('asks a reason to request a release, and will not let the requester approve it (four-eyes)', async () => {
    let hold = sampleHold();
    const { transport } = await renderApp({
      sessionGet: () => sampleSession(),
      holdsList: () => ({ holds: [hold] }),
      holdsRequestRelease: ({ reason }) => {
        hold = sampleHold({ state: 'release-requested', releaseRequest: { by: { name: 'Maria Hartmann', osAccount: 'CORP\\mhartmann' }, at: '2025-03-15T08:00:00.000Z', reason, requestedByYou: true } });
        return hold;
      },
    });
    await openHolds();
    fireEvent.click(await screen.findByTestId('hold-request-release'));
    fireEvent.change(screen.getByTestId('hold-release-reason'), { target: { value: 'FCA closed the request' } });
    fireEvent.click(screen.getByTestId('hold-release-submit'));
    expect((await screen.findByTestId('hold-release-request')).textContent).toContain('FCA closed the request');
    expect(transport.callsTo('holds:requestRelease')).toEqual([{ holdId: hold.id, reason: 'FCA closed the request' }]);
    expect((screen.getByTestId('hold-approve') as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByTestId('hold-four-eyes-note').textContent).toBe('You asked for this release: another officer must approve it.');
  });

  it('lets another officer approve, and shows the release', async () => {
    let hold = sampleHold({ state: 'release-requested', releaseRequest: { by: { name: 'Tom Okafor', osAccount: 'CORP\\tokafor' }, at: '2025-03-15T08:00:00.000Z', reason: 'closed', requestedByYou: false } });
    await renderApp({
      sessionGet: () => sampleSession(),
      holdsList: ({ includeReleased }) => ({ holds: hold.state === 'released' && !includeReleased ? [] : [hold] }),
      holdsApproveRelease: () => {
        hold = { ...hold, state: 'released', released: { by: { name: 'Maria Hartmann', osAccount: 'CORP\\mhartmann' }, at: '2025-03-15T09:00:00.000Z' }, objects: { held: 0, failed: 0, released: 4, kept: 0 } };
        return hold;
      },
    });
    await openHolds();
    const approve = await screen.findByTestId('hold-approve');
    expect((approve as HTMLButtonElement).disabled).toBe(false);
    fireEvent.click(approve);
    await screen.findByTestId('holds-empty');
    fireEvent.click(screen.getByTestId('holds-show-released'));
    expect((await screen.findByTestId('hold-released')).textContent).toContain('approved by Maria Hartmann');
  });
});
