import { useCallback, useEffect, useMemo, useState } from 'react';
import type { OfficerView } from '../../shared/ipc/channels/auth';
import type { CustodyApi } from '../../shared/ipc/client';
import { isCustodyError, logIfUnexpected, toUiError, type UiError } from './errors';

/**
 * Who is signed in, as main says: asked at start, told by `auth:changed`, asked again when the window
 * regains focus (a `custody signin` or `signout` elsewhere on this profile) and every minute (the expiry).
 */
export type OfficerState =
  | { kind: 'loading' }
  /** `reason`: why the officer is on the sign-in screen again (her sign-in ended while she worked). */
  | { kind: 'signed-out'; reason: UiError | null }
  | { kind: 'signed-in'; officer: OfficerView }
  | { kind: 'unavailable'; error: UiError };

const RECHECK_MS = 60_000;

export function useOfficer(api: CustodyApi): {
  state: OfficerState;
  /** An officer action answered SIGNIN_REQUIRED: back to the sign-in screen, saying why. */
  signInLost(error: UiError): void;
  signedIn(officer: OfficerView): void;
  signOut(): Promise<void>;
} {
  const [state, setState] = useState<OfficerState>({ kind: 'loading' });

  useEffect(() => {
    let current = true;
    async function check() {
      try {
        const { officer } = await api.authCurrent({});
        if (!current) return;
        setState((previous) => {
          if (officer) return { kind: 'signed-in', officer };
          return previous.kind === 'signed-out' ? previous : { kind: 'signed-out', reason: null };
        });
      } catch (caught) {
        if (current) setState({ kind: 'unavailable', error: toUiError(caught) });
        await logIfUnexpected(api, 'auth', caught);
      }
    }
    void check();
    const stop = api.on('auth:changed', ({ officer }) =>
      setState((previous) => (officer ? { kind: 'signed-in', officer } : previous.kind === 'signed-out' ? previous : { kind: 'signed-out', reason: null })),
    );
    const onFocus = () => void check();
    window.addEventListener('focus', onFocus);
    const timer = window.setInterval(() => void check(), RECHECK_MS);
    return () => {
      current = false;
      stop();
      window.removeEventListener('focus', onFocus);
      window.clearInterval(timer);
    };
  }, [api]);

  const signOut = useCallback(async () => {
    await api.authSignOut({});
    setState({ kind: 'signed-out', reason: null });
  }, [api]);

  return {
    state,
    signInLost: useCallback((error: UiError) => setState({ kind: 'signed-out', reason: error }), []),
    signedIn: useCallback((officer: OfficerView) => setState({ kind: 'signed-in', officer }), []),
    signOut,
  };
}

/**
 * The API the officer's workspace calls through: any call main refuses with SIGNIN_REQUIRED (nobody signed in
 * any more, the sign-in revoked or expired) also tells `onSignInRequired`, once per error, before the caller sees it.
 */
export function useSignInGuardedApi(api: CustodyApi, onSignInRequired: (error: UiError) => void): CustodyApi {
  return useMemo(() => {
    const guarded: Record<string, unknown> = {};
    for (const [name, member] of Object.entries(api)) {
      guarded[name] =
        name === 'on' || typeof member !== 'function'
          ? member
          : async (request: unknown) => {
              try {
                return await (member as (r: unknown) => Promise<unknown>)(request);
              } catch (caught) {
                if (isCustodyError(caught, 'SIGNIN_REQUIRED')) onSignInRequired(toUiError(caught));
                throw caught;
              }
            };
    }
    return guarded as CustodyApi;
  }, [api, onSignInRequired]);
}
