import type { Officer, Operator } from '../../../shared/domain';
import type { OfficerAction } from '../../../shared/officer-permissions';
import { officerOf, type OfficerSession, type SignedInOfficer } from '../auth/officer';

/** Who an audit event names, apart from the OS account (the writer adds that, with the workstation). */
export type ActorIdentity = Readonly<Omit<Operator, 'osAccount'>>;

/**
 * The "who" of one audit append. Only two ways make one: `AuditActor.officer` asks the officer
 * session at that moment (the officer signed in now and allowed the action: her Genesys user id, name
 * and email from her token), `AuditActor.service` names the OAuth client of unattended work and the
 * officer who scheduled it. The writer takes nothing else, so no typed name reaches an event and no
 * caller can append without saying who acts.
 */
export class AuditActor {
  private constructor(readonly identity: ActorIdentity) {}

  /** The officer signed in now, if allowed to do `action`: SignInRequiredError or PermissionDeniedError otherwise. */
  static async officer(session: OfficerSession, action: OfficerAction): Promise<AuditActor> {
    return (await AuditActor.signedIn(session, action)).actor;
  }

  /** The same, with the officer herself, for callers that also record her elsewhere (a request, a hold): one read for both. */
  static async signedIn(session: OfficerSession, action: OfficerAction): Promise<{ officer: SignedInOfficer; actor: AuditActor }> {
    const officer = await session.require(action);
    return { officer, actor: new AuditActor({ kind: 'officer', ...officerOf(officer) }) };
  }

  /** Unattended work under the service account's OAuth client; `scheduledBy` is the officer who set it going, when there was one. */
  static service(oauthClientId: string, scheduledBy: Officer | null): AuditActor {
    return new AuditActor({
      kind: 'service',
      name: `service account ${oauthClientId}`,
      oauthClientId,
      ...(scheduledBy ? { scheduledBy: officerOf(scheduledBy) } : {}),
    });
  }

  /** The audit record's `operator`: this actor on the OS account the process runs as. */
  operator(osAccount: string): Operator {
    return { ...this.identity, ...(this.identity.scheduledBy ? { scheduledBy: { ...this.identity.scheduledBy } } : {}), osAccount };
  }
}


/** The actors of one profile, resolved when asked: the signed-in officer of its session, or its service account. */
export type AuditActors = {
  /** The officer signed in now, allowed to do `action`; refuses (SIGNIN_REQUIRED, PERMISSION_DENIED) before anything is written. */
  officer(action: OfficerAction): Promise<AuditActor>;
  /**
   * The service account for unattended work. `scheduledBy` defaults to the officer signed in now (if any);
   * pass the officer who scheduled the work when she is not the one signed in, or null for none.
   */
  service(options?: { scheduledBy?: Officer | null }): Promise<AuditActor>;
};

export function auditActors(deps: { session: OfficerSession; serviceClientId: () => Promise<string> }): AuditActors {
  return {
    officer: (action) => AuditActor.officer(deps.session, action),
    service: async (options = {}) => {
      const scheduledBy = options.scheduledBy !== undefined ? options.scheduledBy : await deps.session.current();
      return AuditActor.service(await deps.serviceClientId(), scheduledBy);
    },
  };
}
