import { useEffect, useRef, useState } from 'react';
import type { OfficerView } from '../../../shared/ipc/channels/auth';
import { useCustodyApi } from '../api';
import { logIfUnexpected, toUiError, type UiError } from '../errors';
import { ErrorAlert } from './ErrorAlert';

type SignInScreenProps = {
  /** Why the officer is here again (her sign-in ended while she worked); null on a plain start. */
  reason: UiError | null;
  onSignedIn: (officer: OfficerView) => void;
};

type Attempt = { kind: 'idle' } | { kind: 'waiting' } | { kind: 'cancelled' } | { kind: 'failed'; error: UiError };

/**
 * Shown while nobody is signed in: every search, play and export is done as a named Genesys Cloud user.
 * Main opens Genesys's login page in the browser and waits for its redirect; this screen waits with it.
 */
export function SignInScreen({ reason, onSignedIn }: SignInScreenProps) {
  const api = useCustodyApi();
  const [attempt, setAttempt] = useState<Attempt>({ kind: 'idle' });
  /** Each click starts a new attempt; answers of an attempt cancelled or replaced are ignored. */
  const attemptId = useRef(0);
  const mounted = useRef(true);
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);

  async function signIn() {
    const id = ++attemptId.current;
    setAttempt({ kind: 'waiting' });
    try {
      const { officer } = await api.authSignIn({});
      if (mounted.current && id === attemptId.current) onSignedIn(officer);
    } catch (caught) {
      if (!mounted.current || id !== attemptId.current) return;
      setAttempt({ kind: 'failed', error: { ...toUiError(caught), title: 'Sign-in not completed' } });
      await logIfUnexpected(api, 'sign-in', caught);
    }
  }

  async function cancel() {
    attemptId.current += 1;
    setAttempt({ kind: 'cancelled' });
    try {
      await api.authCancelSignIn({});
    } catch (caught) {
      setAttempt({ kind: 'failed', error: toUiError(caught) });
      await logIfUnexpected(api, 'sign-in', caught);
    }
  }

  const waiting = attempt.kind === 'waiting';
  return (
    <main className="sign-in" data-testid="sign-in-screen">
      <section className="panel sign-in__panel" aria-labelledby="sign-in-title">
        <div className="panel__header">
          <h2 className="panel__title" id="sign-in-title">
            Sign in
          </h2>
        </div>
        <div className="sign-in__body">
          <p>
            Custody acts as you: every search, playback and export is recorded in the WORM audit log with your Genesys Cloud user ID,
            name and email, and checked against your Genesys Cloud permissions.
          </p>
          {reason && attempt.kind === 'idle' ? <ErrorAlert error={{ ...reason, title: 'Your sign-in has ended' }} inWords testId="sign-in-reason" /> : null}
          {attempt.kind === 'failed' ? <ErrorAlert error={attempt.error} inWords testId="sign-in-error" /> : null}
          {waiting ? (
            <div className="sign-in__waiting" role="status" data-testid="sign-in-waiting">
              Waiting for you to sign in on the Genesys Cloud page that opened in your browser…
            </div>
          ) : (
            <p className="sign-in__status muted" role="status">
              {attempt.kind === 'cancelled' ? 'Sign-in cancelled. Nobody is signed in.' : ''}
            </p>
          )}
          <div className="sign-in__actions">
            {waiting ? (
              <button type="button" className="button" data-testid="sign-in-cancel" onClick={() => void cancel()}>
                Cancel
              </button>
            ) : (
              <button type="button" className="button button--primary" data-testid="sign-in" onClick={() => void signIn()}>
                Sign in with Genesys Cloud
              </button>
            )}
          </div>
        </div>
      </section>
    </main>
  );
}
