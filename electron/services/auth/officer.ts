import type { Officer } from '../../../shared/domain';
import type { OfficerAction } from '../../../shared/officer-permissions';

/** The officer signed in on this profile, as read from Genesys at sign-in (`users/me?expand=authorization`). */
export type SignedInOfficer = Officer & {
  /** Genesys permissions of the user (`authorization.permissions`), as read at sign-in or the last refresh. */
  permissions: ReadonlyArray<string>;
  signedInAt: string;
  /** When the current access token expires (ISO), for the header; null before the first token. */
  accessExpiresAt: string | null;
};

/** Access tokens on the signed-in officer's behalf. */
export type OfficerTokenSource = {
  readonly genesysUserId: string;
  /** A valid access token (refreshed single-flight); SignInRequiredError when the refresh token is gone, expired or revoked. */
  getToken(): Promise<string>;
  /** Forget `token` after Genesys answered 401 to it; the next getToken refreshes. */
  invalidate(token: string): void;
};

/**
 * The profile's officer sign-in. Implemented by auth/officer-session.ts over the keychain; tests may
 * build it with a fake. Every officer action asks `require(action)` before it writes anything.
 */
export type OfficerSession = {
  /** The signed-in officer, or null. */
  current(): Promise<SignedInOfficer | null>;
  /** The signed-in officer allowed to do `action`: SignInRequiredError with nobody signed in, PermissionDeniedError naming the missing permission. */
  require(action: OfficerAction): Promise<SignedInOfficer>;
  /** Tokens for Genesys calls on the officer's behalf; SignInRequiredError with nobody signed in. */
  tokens(): Promise<OfficerTokenSource>;
  /** Told after every sign-in, sign-out and lost sign-in (revoked refresh token). */
  onChange(listener: (officer: SignedInOfficer | null) => void): () => void;
}

/** Starting and ending a sign-in (the keychain session does both; a host wires `onAuthorizeUrl` to a browser). */
export type OfficerSignIn = {
  signIn(options: { onAuthorizeUrl: (url: string) => void | Promise<void>; timeoutMs?: number; signal?: AbortSignal }): Promise<SignedInOfficer>;
  signOut(): Promise<{ officer: SignedInOfficer | null; revoked: boolean }>;
};

/** An officer's identity alone (no permissions, no times), as records (audit events, jobs, approvals) carry it. */
export function officerOf(officer: Officer | SignedInOfficer): Officer {
  return { genesysUserId: officer.genesysUserId, name: officer.name, email: officer.email };
}
