// @vitest-environment jsdom
import { act, cleanup, fireEvent, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { OfficerView } from '../../../shared/ipc/channels/auth';
import { FakeIpcError } from '../../helpers/fake-ipc-transport';
import { renderApp } from '../../helpers/render-app';
import { sampleOfficer, sampleSearchResult, sampleSession } from '../../helpers/renderer-fixtures';

afterEach(cleanup);

/** A sign-in main is still waiting on (the browser has the login page), settled by the test. */
function pendingSignIn() {
  let settle!: { resolve: (officer: OfficerView) => void; reject: (error: Error) => void };
  const answer = new Promise<{ officer: OfficerView }>((resolve, reject) => {
    settle = { resolve: (officer) => resolve({ officer }), reject };
  });
  return { answer, ...settle };
}

const nobody = { sessionGet: () => sampleSession(), authCurrent: () => ({ officer: null }) };

function search(tradingId: string) {
  fireEvent.change(screen.getByTestId('search-trading-id'), { target: { value: tradingId } });
  fireEvent.click(screen.getByTestId('search-submit'));
}

describe('officer sign-in', () => {
  it('shows only the sign-in screen while nobody is signed in, waits for the browser, then opens the sections as her', async () => {
    const signIn = pendingSignIn();
    const { transport } = await renderApp({ ...nobody, authSignIn: () => signIn.answer });
    const screenEl = screen.getByTestId('sign-in-screen');
    expect(within(screenEl).getByRole('heading', { level: 2 }).textContent).toBe('Sign in');
    expect(screen.queryByTestId('nav-recordings')).toBeNull();
    expect(screen.queryByTestId('search-submit')).toBeNull();
    expect(screen.getByTestId('header-officer').textContent).toBe('Not signed in');
    expect(screen.queryByTestId('sign-out')).toBeNull();

    fireEvent.click(screen.getByRole('button', { name: 'Sign in with Genesys Cloud' }));
    const waiting = await screen.findByTestId('sign-in-waiting');
    expect(waiting.getAttribute('role')).toBe('status');
    expect(waiting.textContent).toContain('Genesys Cloud page that opened in your browser');
    expect(screen.getByTestId('sign-in-cancel').textContent).toBe('Cancel');
    expect(transport.callsTo('auth:signIn')).toEqual([{}]);

    await act(async () => signIn.resolve(sampleOfficer()));
    expect((await screen.findByTestId('header-officer-name')).textContent).toBe('Olivia Adler');
    expect(screen.getByTestId('nav-recordings')).toBeTruthy();
    expect(screen.queryByTestId('sign-in-screen')).toBeNull();
  });

  it('cancels a waiting sign-in without calling it an error', async () => {
    const signIn = pendingSignIn();
    const { transport } = await renderApp({
      ...nobody,
      authSignIn: () => signIn.answer,
      authCancelSignIn: () => {
        signIn.reject(new FakeIpcError('SIGNIN_REQUIRED', 'Sign-in was cancelled; nobody was signed in.'));
        return { cancelled: true };
      },
    });
    fireEvent.click(screen.getByTestId('sign-in'));
    fireEvent.click(await screen.findByTestId('sign-in-cancel'));
    expect((await screen.findByText('Sign-in cancelled. Nobody is signed in.')).getAttribute('role')).toBe('status');
    expect(transport.callsTo('auth:cancelSignIn')).toEqual([{}]);
    expect(screen.queryByTestId('sign-in-error')).toBeNull();
    expect(screen.getByTestId('sign-in')).toBeTruthy();
    expect(screen.queryByTestId('nav-recordings')).toBeNull();
  });

  it.each([
    ['a redirect with the wrong state', 'The sign-in redirect carried the wrong state (not the request Custody made); nobody was signed in. Start the sign-in again.'],
    ['a closed browser', 'No sign-in arrived within 300 s (was the browser closed?); nobody was signed in.'],
    ['a refused code', 'Genesys refused the sign-in code (Genesys answered invalid_grant).'],
  ])('explains %s and offers to sign in again', async (_what, message) => {
    await renderApp({
      ...nobody,
      authSignIn: () => {
        throw new FakeIpcError('SIGNIN_REQUIRED', message);
      },
    });
    fireEvent.click(screen.getByTestId('sign-in'));
    const alert = await screen.findByTestId('sign-in-error');
    expect(alert.getAttribute('role')).toBe('alert');
    expect(alert.textContent).toBe(`Sign-in not completed${message}`);
    expect(screen.getByTestId('sign-in').textContent).toBe('Sign in with Genesys Cloud');
    expect(screen.queryByTestId('nav-recordings')).toBeNull();
  });

  it('signs out from the header, back to the sign-in screen, and forgets what the officer had on screen', async () => {
    const { transport } = await renderApp({ sessionGet: () => sampleSession(), recordingsSearch: () => sampleSearchResult(), authSignOut: () => ({ revoked: true }) });
    search('T-2025-0048');
    await screen.findByTestId('results-table');
    fireEvent.click(screen.getByRole('button', { name: 'Sign out' }));
    await screen.findByTestId('sign-in-screen');
    expect(transport.callsTo('auth:signOut')).toEqual([{}]);
    expect(screen.getByTestId('header-officer').textContent).toBe('Not signed in');

    act(() => transport.emit('auth:changed', { officer: sampleOfficer() }));
    await screen.findByTestId('nav-recordings');
    expect(screen.queryByTestId('results-table')).toBeNull();
  });

  it('follows sign-ins and sign-outs main pushes (another window, a revoked sign-in)', async () => {
    const { transport } = await renderApp({ sessionGet: () => sampleSession() });
    act(() => transport.emit('auth:changed', { officer: null }));
    expect(await screen.findByTestId('sign-in-screen')).toBeTruthy();
    expect(screen.queryByTestId('sign-in-reason')).toBeNull();
    act(() => transport.emit('auth:changed', { officer: { ...sampleOfficer(), name: 'Oscar Brandt', genesysUserId: '0ff1ce00-0000-4000-8000-00000000000b' } }));
    expect((await screen.findByTestId('header-officer-name')).textContent).toBe('Oscar Brandt');
  });

  it('returns to the sign-in screen, saying why, when an officer action answers SIGNIN_REQUIRED', async () => {
    await renderApp({
      sessionGet: () => sampleSession(),
      recordingsSearch: () => {
        throw new FakeIpcError('SIGNIN_REQUIRED', "Olivia Adler's sign-in is no longer valid (expired or revoked); sign in again (Genesys answered invalid_grant).");
      },
    });
    search('T-2025-0048');
    const reason = await screen.findByTestId('sign-in-reason');
    expect(reason.textContent).toBe("Your sign-in has endedOlivia Adler's sign-in is no longer valid (expired or revoked); sign in again (Genesys answered invalid_grant).");
    expect(screen.queryByTestId('nav-recordings')).toBeNull();
    expect(screen.getByTestId('sign-in')).toBeTruthy();
  });

  it('names the Genesys permission a refused action lacks, and keeps the officer where she was', async () => {
    await renderApp({
      sessionGet: () => sampleSession(),
      authCurrent: () => ({ officer: { ...sampleOfficer(), name: 'Carla Costa' } }),
      recordingsSearch: () => {
        throw new FakeIpcError('PERMISSION_DENIED', 'Carla Costa may not search: missing Genesys permission recording:recording:view.', {
          action: 'search',
          missing: ['recording:recording:view'],
        });
      },
    });
    search('T-2025-0048');
    const alert = await screen.findByRole('alert');
    expect(alert.getAttribute('data-error-code')).toBe('PERMISSION_DENIED');
    expect(alert.textContent).toContain('Your Genesys Cloud account lacks a permission for this');
    expect(within(alert).getByRole('listitem').textContent).toBe('Missing Genesys permission: recording:recording:view');
    expect(screen.getByTestId('nav-recordings')).toBeTruthy();
  });

  it('says so when main cannot tell who is signed in (the keychain is locked)', async () => {
    await renderApp({
      sessionGet: () => sampleSession(),
      authCurrent: () => {
        throw new FakeIpcError('KEYCHAIN_UNAVAILABLE', 'The Secret Service is not running.');
      },
    });
    const alert = screen.getByTestId('officer-error');
    expect(alert.textContent).toContain('The OS keychain is unavailable');
    expect(screen.queryByTestId('nav-recordings')).toBeNull();
    expect(screen.queryByTestId('sign-in-screen')).toBeNull();
  });
});
