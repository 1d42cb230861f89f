import { caseReferenceSchema, type Operator, type SessionInfo, type Workstation } from '../../shared/domain';
import { officerOf, type OfficerSession } from './auth/officer';
import { ValidationError } from './errors';

/**
 * One sitting at the app: who is signed in (asked each time, never remembered here), where they sit and
 * why they are accessing recordings (the case reference asked before the first play of a session).
 */
export class Session {
  private caseRef: string | null = null;

  constructor(
    readonly profile: string,
    private readonly officer: OfficerSession,
    readonly osAccount: string,
    readonly workstation: Workstation,
    /** Told of each change of case: plays audited under the old one must end. */
    private readonly onCaseChange: (caseReference: string) => void = () => undefined,
  ) {}

  get caseReference(): string | null {
    return this.caseRef;
  }

  /** The officer's sitting ended: the next officer gives her own case reference. */
  clearCaseReference(): void {
    this.caseRef = null;
  }

  setCaseReference(value: string): void {
    const parsed = caseReferenceSchema.safeParse(value);
    if (!parsed.success) throw new ValidationError(parsed.error.issues[0]?.message ?? 'invalid case reference');
    if (parsed.data === this.caseRef) return;
    this.caseRef = parsed.data;
    this.onCaseChange(parsed.data);
  }

  async info(index: SessionInfo['index']): Promise<SessionInfo> {
    return {
      profile: this.profile,
      operator: await this.operator(),
      workstation: this.workstation,
      caseReference: this.caseRef,
      index,
    };
  }

  /** The officer signed in now, as the audit records name her; the OS account alone when nobody is. */
  private async operator(): Promise<Operator> {
    const officer = await this.officer.current();
    return officer ? { kind: 'officer', ...officerOf(officer), osAccount: this.osAccount } : { osAccount: this.osAccount, name: this.osAccount };
  }
}
