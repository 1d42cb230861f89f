import type { OfficerTokenSource, SignedInOfficer } from '../../electron/services/auth/officer';
import { FakeOfficerSession } from './officer-session';

/**
 * A FakeOfficerSession whose access tokens name their officer and behave as real ones do: the token
 * in hand serves until Genesys rejects it (invalidate); the next one then comes from a refresh, which
 * fails with SignInRequiredError once `revoked` is set. Each sign-in issues a new token. So a test can
 * tell whose token a request carried, and revoke a sign-in the way the sandbox does (401, then no refresh).
 */
export class IssuingOfficerSession extends FakeOfficerSession {
  private readonly generations = new Map<string, number>();
  private readonly rejected = new Set<string>();

  /** The token `officer` holds now. */
  tokenOf(officer: Pick<SignedInOfficer, 'genesysUserId'>): string {
    return `officer-token-${officer.genesysUserId}-${this.generations.get(officer.genesysUserId) ?? 1}`;
  }

  override signIn(officer: SignedInOfficer): void {
    const id = officer.genesysUserId;
    this.generations.set(id, (this.generations.get(id) ?? 0) + 1);
    this.rejected.delete(id);
    super.signIn(officer);
  }

  override async tokens(): Promise<OfficerTokenSource> {
    const source = await super.tokens();
    const id = source.genesysUserId;
    return {
      genesysUserId: id,
      getToken: async () => {
        if (this.rejected.has(id)) {
          await source.getToken(); // the refresh: SignInRequiredError once revoked
          this.rejected.delete(id);
          this.generations.set(id, (this.generations.get(id) ?? 1) + 1);
        }
        return this.tokenOf({ genesysUserId: id });
      },
      invalidate: (token) => {
        if (token === this.tokenOf({ genesysUserId: id })) this.rejected.add(id);
      },
    };
  }
}
