import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../../../shared/logger';
import { missingPermissions, type OfficerAction } from '../../../shared/officer-permissions';
import type { GenesysEndpoint } from '../config/profile';
import { PermissionDeniedError, SignInRequiredError } from '../errors';
import type { SecretRedactor } from '../logging/redactor';
import type { Clock, HttpClient } from '../ports';
import type { CredentialVault, StoredOfficerSignIn } from './credentials';
import type { OfficerSession, OfficerSignIn, OfficerTokenSource, SignedInOfficer } from './officer';
import { readOfficerProfile, requestOfficerTokens, revokeOfficerToken, signInWithBrowser } from './officer-signin';
import { TokenManager } from './token-manager';

export type KeychainOfficerSessionDeps = {
  vault: CredentialVault;
  /** The profile's Genesys org and the sign-in settings, read when needed (they change with `custody login`). */
  settings: () => Promise<{ endpoint: GenesysEndpoint | null; clientId: string; redirectPort: number }>;
  http: HttpClient;
  clock: Clock;
  logger: Logger;
  redactor: SecretRedactor;
};

/** How often to look again for a refresh token another process rotated, before calling a refusal a lost sign-in. */
const ROTATION_RETRIES = 3;
const ROTATION_WAIT_MS = 250;

/**
 * The profile's officer sign-in, kept in the OS keychain: the refresh token (the only secret) with the identity
 * Genesys gave for it. Access tokens live in memory only, refreshed single-flight by a TokenManager; a refresh
 * token Genesys refuses ends the sign-in (the entry is removed, listeners told), so there is never half a sign-in.
 * One officer per profile: signing in as another signs the previous one out first.
 */
export class KeychainOfficerSession implements OfficerSession, OfficerSignIn {
  private readonly listeners = new Set<(officer: SignedInOfficer | null) => void>();
  /** Tokens of the officer this process last used, dropped when the keychain names someone else. */
  private tokenState: { genesysUserId: string; manager: TokenManager } | null = null;

  constructor(private readonly deps: KeychainOfficerSessionDeps) {}

  async current(): Promise<SignedInOfficer | null> {
    const stored = await this.deps.vault.loadOfficerSignIn();
    return stored ? this.view(stored) : null;
  }

  async require(action: OfficerAction): Promise<SignedInOfficer> {
    const officer = await this.current();
    if (!officer) throw new SignInRequiredError();
    const missing = missingPermissions(officer.permissions, action);
    if (missing.length > 0) throw new PermissionDeniedError(action, missing, officer.name);
    return officer;
  }

  async tokens(): Promise<OfficerTokenSource> {
    const officer = await this.current();
    if (!officer) throw new SignInRequiredError();
    const manager = this.managerFor(officer.genesysUserId);
    return {
      genesysUserId: officer.genesysUserId,
      getToken: () => manager.getToken(),
      invalidate: (token) => manager.invalidate(token),
    };
  }

  onChange(listener: (officer: SignedInOfficer | null) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Runs the browser sign-in and keeps its result. Whoever was signed in before is signed out first, and only once
   * the new sign-in is complete (code exchanged, profile read), so a failed attempt leaves the previous one intact.
   */
  async signIn(options: Parameters<OfficerSignIn['signIn']>[0]): Promise<SignedInOfficer> {
    const settings = await this.settings();
    const result = await signInWithBrowser({ ...settings, http: this.deps.http, ...options });
    this.deps.redactor.register(result.tokens.refreshToken);
    this.deps.redactor.register(result.tokens.accessToken);
    const previous = await this.deps.vault.loadOfficerSignIn();
    if (previous && previous.genesysUserId !== result.profile.genesysUserId) await this.signOut();
    const stored: StoredOfficerSignIn = {
      refreshToken: result.tokens.refreshToken,
      genesysUserId: result.profile.genesysUserId,
      name: result.profile.name,
      email: result.profile.email,
      permissions: result.profile.permissions,
      signedInAt: new Date(this.deps.clock.now()).toISOString(),
    };
    await this.deps.vault.saveOfficerSignIn(stored);
    this.managerFor(stored.genesysUserId).adopt({ accessToken: result.tokens.accessToken, expiresInMs: result.tokens.expiresInMs });
    this.deps.logger.info('officer signed in', { genesysUserId: stored.genesysUserId });
    const officer = this.view(stored);
    this.emit(officer);
    return officer;
  }

  /**
   * Revokes the officer's token at Genesys (`DELETE /api/v2/tokens/me`) where it still can, then removes the
   * keychain entry whatever Genesys answered. Returns who was signed out and whether Genesys confirmed.
   */
  async signOut(): Promise<{ officer: SignedInOfficer | null; revoked: boolean }> {
    const stored = await this.deps.vault.loadOfficerSignIn();
    if (!stored) return { officer: null, revoked: false };
    let revoked = false;
    try {
      const { endpoint } = await this.settings();
      const token = await this.managerFor(stored.genesysUserId).getToken();
      revoked = await revokeOfficerToken(this.deps.http, endpoint, token);
    } catch (error) {
      // A sign-in Genesys already refuses has nothing left to revoke.
      this.deps.logger.warn('officer token not revoked at sign-out', { error: String(error) });
    }
    await this.deps.vault.deleteOfficerSignIn();
    this.tokenState = null;
    this.deps.logger.info('officer signed out', { genesysUserId: stored.genesysUserId, revoked });
    this.emit(null);
    return { officer: this.view(stored), revoked };
  }

  private managerFor(genesysUserId: string): TokenManager {
    if (this.tokenState?.genesysUserId !== genesysUserId) {
      this.tokenState = {
        genesysUserId,
        manager: new TokenManager({
          login: () => this.refresh(genesysUserId),
          clock: this.deps.clock,
          logger: this.deps.logger.child('officer-auth'),
          onToken: (token) => this.deps.redactor.register(token),
        }),
      };
    }
    return this.tokenState.manager;
  }

  /**
   * Redeems the stored refresh token. Genesys rotates refresh tokens, so another process (the app and a CLI
   * command) may have redeemed it a moment ago: a refusal is believed only once the keychain still holds the
   * refused token after a short wait. Then the sign-in is over.
   */
  private async refresh(genesysUserId: string): Promise<{ accessToken: string; expiresInMs: number }> {
    const { endpoint, clientId } = await this.settings();
    let refusedToken: string | null = null;
    let lost: SignInRequiredError = new SignInRequiredError();
    for (let attempt = 0; attempt <= ROTATION_RETRIES; attempt += 1) {
      const stored = await this.deps.vault.loadOfficerSignIn();
      if (!stored || stored.genesysUserId !== genesysUserId) throw new SignInRequiredError('The officer who started this is no longer signed in; sign in again.');
      if (stored.refreshToken === refusedToken) {
        await sleep(ROTATION_WAIT_MS);
        continue;
      }
      try {
        const tokens = await requestOfficerTokens(
          this.deps.http,
          endpoint,
          { grant_type: 'refresh_token', refresh_token: stored.refreshToken, client_id: clientId },
          `${stored.name}'s sign-in is no longer valid (expired or revoked); sign in again`,
        );
        this.deps.redactor.register(tokens.refreshToken);
        this.deps.redactor.register(tokens.accessToken);
        // The old refresh token is spent: keep the new one before anything else can fail.
        await this.deps.vault.saveOfficerSignIn({ ...stored, refreshToken: tokens.refreshToken });
        try {
          const profile = await readOfficerProfile(this.deps.http, endpoint, tokens.accessToken);
          await this.deps.vault.saveOfficerSignIn({ ...stored, refreshToken: tokens.refreshToken, permissions: profile.permissions });
        } catch (error) {
          this.deps.logger.warn('permissions not re-read after refresh', { error: String(error) });
        }
        return { accessToken: tokens.accessToken, expiresInMs: tokens.expiresInMs };
      } catch (error) {
        if (!(error instanceof SignInRequiredError)) throw error;
        refusedToken = stored.refreshToken;
        lost = error;
      }
    }
    const stored = await this.deps.vault.loadOfficerSignIn();
    if (stored?.genesysUserId === genesysUserId) await this.deps.vault.deleteOfficerSignIn();
    this.tokenState = null;
    this.deps.logger.warn('officer sign-in lost: Genesys refused the refresh token', { genesysUserId });
    this.emit(null);
    throw lost;
  }

  private async settings(): Promise<{ endpoint: GenesysEndpoint; clientId: string; redirectPort: number }> {
    const settings = await this.deps.settings();
    if (!settings.endpoint) throw new SignInRequiredError('No Genesys org is configured for this profile (run "custody login" or "custody sandbox").');
    return { ...settings, endpoint: settings.endpoint };
  }

  private view(stored: StoredOfficerSignIn): SignedInOfficer {
    const expiresAt = this.tokenState?.genesysUserId === stored.genesysUserId ? this.tokenState.manager.expiresAt : null;
    return {
      genesysUserId: stored.genesysUserId,
      name: stored.name,
      email: stored.email,
      permissions: stored.permissions,
      signedInAt: stored.signedInAt,
      accessExpiresAt: expiresAt === null ? null : new Date(expiresAt).toISOString(),
    };
  }

  private emit(officer: SignedInOfficer | null): void {
    for (const listener of this.listeners) {
      try {
        listener(officer);
      } catch (error) {
        this.deps.logger.warn('sign-in listener failed', { error: String(error) });
      }
    }
  }
}
