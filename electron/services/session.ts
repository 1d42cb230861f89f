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
  ) {}

  get caseReference(): string | null {
    return this.caseRef;
  }

  setCaseReference(value: string): void {
    const parsed = caseReferenceSchema.safeParse(value);
    if (!parsed.success) throw new ValidationError(parsed.error.issues[0]?.message ?? 'invalid case reference');
    this.caseRef = parsed.data;
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
