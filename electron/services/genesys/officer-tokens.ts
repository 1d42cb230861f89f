import type { Officer } from '../../../shared/domain';
import type { OfficerSession, OfficerTokenSource } from '../auth/officer';
import type { AccessTokenSource } from '../auth/token-manager';
import { SignInRequiredError } from '../errors';
import type { SecretRedactor } from '../logging/redactor';

/**
 * One officer's tokens, taken from the session while she is the one signed in: another officer's
 * sign-in (or none) is a SignInRequiredError naming her, and what the session throws (her refresh
 * token revoked) propagates. The session's token source is kept until a sign-in change or a lost sign-in.
 */
export class OfficerTokens implements AccessTokenSource {
  private source: OfficerTokenSource | null = null;

  constructor(
    private readonly session: OfficerSession,
    private readonly officer: Officer,
    private readonly redactor: SecretRedactor,
  ) {}

  async getToken(): Promise<string> {
    let source = this.source;
    if (!source) {
      try {
        source = await this.session.tokens();
      } catch (error) {
        throw error instanceof SignInRequiredError ? this.signInAgain(error) : error;
      }
    }
    if (source.genesysUserId !== this.officer.genesysUserId) throw this.signInAgain();
    this.source = source;
    try {
      const token = await source.getToken();
      this.redactor.register(token);
      return token;
    } catch (error) {
      if (error instanceof SignInRequiredError) this.forget();
      throw error;
    }
  }

  invalidate(token: string): void {
    this.source?.invalidate(token);
  }

  /** The signed-in officer changed (or lost her sign-in): ask the session again next time. */
  forget(): void {
    this.source = null;
  }

  private signInAgain(cause?: SignInRequiredError): SignInRequiredError {
    return new SignInRequiredError(`${this.officer.name} must sign in again: this work runs only under her own sign-in.`, cause);
  }
}
