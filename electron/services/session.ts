import { caseReferenceSchema, type Operator, type SessionInfo, type Workstation } from '../../shared/domain';
import { ValidationError } from './errors';

/**
 * One officer's sitting at the app: who they are, where they sit and why they are accessing
 * recordings (the case reference asked before the first play of a session).
 */
export class Session {
  private caseRef: string | null = null;

  constructor(
    readonly profile: string,
    readonly operator: Operator,
    readonly workstation: Workstation,
    /** Told of each change of case: plays audited under the old one must end. */
    private readonly onCaseChange: (caseReference: string) => void = () => undefined,
  ) {}

  get caseReference(): string | null {
    return this.caseRef;
  }

  setCaseReference(value: string): void {
    const parsed = caseReferenceSchema.safeParse(value);
    if (!parsed.success) throw new ValidationError(parsed.error.issues[0]?.message ?? 'invalid case reference');
    if (parsed.data === this.caseRef) return;
    this.caseRef = parsed.data;
    this.onCaseChange(parsed.data);
  }

  info(index: SessionInfo['index']): SessionInfo {
    return {
      profile: this.profile,
      operator: this.operator,
      workstation: this.workstation,
      caseReference: this.caseRef,
      index,
    };
  }
}
