import type { authChannels, OfficerView } from '../../../../shared/ipc/channels/auth';
import { checkedPermissionGrants } from '../../../../shared/officer-permissions';
import type { OfficerSession, OfficerSignIn, SignedInOfficer } from '../../../services/auth/officer';
import { genesysHosts } from '../../../services/auth/officer-signin';
import type { GenesysEndpoint } from '../../../services/config/profile';
import { AppError, SignInRequiredError } from '../../../services/errors';
import type { HandlersFor } from '../server';

/** Opens Genesys's login page where the officer signs in: the system browser (Electron), a new tab (the browser shell). */
export type SignInPageOpener = (url: string) => Promise<void>;

export type AuthHandlerDeps = {
  officer: Pick<OfficerSession, 'current'>;
  /** Null where sign-in is not this host's to run (a test injected its own session). */
  officerSignIn: OfficerSignIn | null;
  /** The profile's Genesys org: the only place a sign-in page may be opened from. */
  genesys: GenesysEndpoint | null;
  openSignInPage: SignInPageOpener;
  /** Ends a sign-in still waiting when the host goes away (its loopback listener closes). */
  hostLifetime: AbortSignal;
  /** How long to wait for the browser's redirect; default: the sign-in's own (5 minutes). */
  signInTimeoutMs?: number;
};

/** The officer as the renderer may see her: names, permissions checked, expiry. Never a token. */
export function officerView(officer: SignedInOfficer): OfficerView {
  return {
    genesysUserId: officer.genesysUserId,
    name: officer.name,
    email: officer.email,
    permissions: checkedPermissionGrants(officer.permissions),
    signedInAt: officer.signedInAt,
    accessExpiresAt: officer.accessExpiresAt,
  };
}

/** Only an http(s) page of the configured Genesys login host is ever handed to a browser (no file:, no other host). */
export function isSignInPageUrl(url: string, genesys: GenesysEndpoint): boolean {
  let page: URL;
  let login: URL;
  try {
    page = new URL(url);
    login = new URL(genesysHosts(genesys).login);
  } catch {
    return false;
  }
  return (page.protocol === 'https:' || page.protocol === 'http:') && page.origin === login.origin && page.username === '' && page.password === '';
}

/**
 * Officer sign-in over IPC. Main runs the whole PKCE flow (listener, state, code exchange); the renderer
 * only asks for it and hears who signed in. One sign-in waits at a time: a new one ends the one before.
 */
export function authHandlers(deps: AuthHandlerDeps): HandlersFor<typeof authChannels> {
  let pending: AbortController | null = null;
  deps.hostLifetime.addEventListener('abort', () => pending?.abort(), { once: true });

  const signInService = (): OfficerSignIn => {
    if (!deps.officerSignIn) throw new AppError('VALIDATION', 'Signing in is not available in this window.');
    return deps.officerSignIn;
  };

  return {
    'auth:current': async () => {
      const officer = await deps.officer.current();
      return { officer: officer ? officerView(officer) : null };
    },
    'auth:signIn': async () => {
      const service = signInService();
      pending?.abort();
      const attempt = new AbortController();
      pending = attempt;
      try {
        const officer = await service.signIn({
          signal: attempt.signal,
          ...(deps.signInTimeoutMs ? { timeoutMs: deps.signInTimeoutMs } : {}),
          onAuthorizeUrl: async (url) => {
            if (!deps.genesys || !isSignInPageUrl(url, deps.genesys)) {
              throw new SignInRequiredError('The sign-in page is not on the Genesys Cloud login host this profile is set up for; nobody was signed in.');
            }
            try {
              await deps.openSignInPage(url);
            } catch (error) {
              throw new SignInRequiredError('No browser could be opened for the Genesys Cloud sign-in; nobody was signed in.', error);
            }
          },
        });
        return { officer: officerView(officer) };
      } finally {
        if (pending === attempt) pending = null;
      }
    },
    'auth:cancelSignIn': async () => {
      const cancelled = pending !== null;
      pending?.abort();
      pending = null;
      return { cancelled };
    },
    'auth:signOut': async () => {
      const { revoked } = await signInService().signOut();
      return { revoked };
    },
  };
}
