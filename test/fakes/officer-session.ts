import { CHECKED_PERMISSIONS, missingPermissions, type OfficerAction } from '../../shared/officer-permissions';
import type { OfficerSession, OfficerTokenSource, SignedInOfficer } from '../../electron/services/auth/officer';
import { PermissionDeniedError, SignInRequiredError } from '../../electron/services/errors';

/** Every permission Custody checks: a fully entitled compliance officer. */
export const ALL_CHECKED_PERMISSIONS: ReadonlyArray<string> = CHECKED_PERMISSIONS;

/** The sandbox's seeded sign-in users (test/sandbox/README.md), as a unit test's fake session names them. */
export const OFFICER_A: SignedInOfficer = {
  genesysUserId: '0ff1ce00-0000-4000-8000-00000000000a',
  name: 'Olivia Adler',
  email: 'officer.a@sandbox.custody.test',
  permissions: ALL_CHECKED_PERMISSIONS,
  signedInAt: new Date().toISOString(),
  accessExpiresAt: null,
};
export const OFFICER_B: SignedInOfficer = {
  ...OFFICER_A,
  genesysUserId: '0ff1ce00-0000-4000-8000-00000000000b',
  name: 'Oscar Brandt',
  email: 'officer.b@sandbox.custody.test',
};
export const AGENT_C: SignedInOfficer = {
  ...OFFICER_A,
  genesysUserId: 'a6e47000-0000-4000-8000-00000000000c',
  name: 'Carla Costa',
  email: 'agent.c@sandbox.custody.test',
  permissions: [],
};

/** An OfficerSession held in memory, for unit tests at the port (the real one is auth/officer-session.ts). */
export class FakeOfficerSession implements OfficerSession {
  private readonly listeners = new Set<(officer: SignedInOfficer | null) => void>();
  /** Set to make the next getToken fail as a revoked refresh token does. */
  revoked = false;

  constructor(
    private officer: SignedInOfficer | null = OFFICER_A,
    private readonly accessToken = 'fake-officer-access-token',
  ) {}

  signIn(officer: SignedInOfficer): void {
    this.officer = officer;
    this.revoked = false;
    for (const listener of this.listeners) listener(officer);
  }

  signOut(): void {
    this.officer = null;
    for (const listener of this.listeners) listener(null);
  }

  async current(): Promise<SignedInOfficer | null> {
    return this.officer;
  }

  async require(action: OfficerAction): Promise<SignedInOfficer> {
    const officer = this.officer;
    if (!officer) throw new SignInRequiredError();
    const missing = missingPermissions(officer.permissions, action);
    if (missing.length > 0) throw new PermissionDeniedError(action, missing, officer.name);
    return officer;
  }

  async tokens(): Promise<OfficerTokenSource> {
    const officer = this.officer;
    if (!officer) throw new SignInRequiredError();
    return {
      genesysUserId: officer.genesysUserId,
      getToken: async () => {
        if (this.revoked) throw new SignInRequiredError(`${officer.name}'s sign-in was revoked; sign in again.`);
        return this.accessToken;
      },
      invalidate: () => undefined,
    };
  }

  onChange(listener: (officer: SignedInOfficer | null) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
