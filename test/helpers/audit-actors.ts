import { AuditActor, auditActors, type AuditActors } from '../../electron/services/audit/audit-actor';
import type { OfficerSession, SignedInOfficer } from '../../electron/services/auth/officer';
import type { Operator } from '../../shared/domain';
import { FakeOfficerSession, OFFICER_A } from '../fakes/officer-session';

/** The OAuth client id tests give the service account (not the sandbox's: unit tests run without it). */
export const TEST_SERVICE_CLIENT_ID = '5e441ce0-0000-4000-8000-0000000c11e7';

/** A profile's actors over `session` (officer A signed in unless given), the service account named by TEST_SERVICE_CLIENT_ID. */
export function testActors(session: OfficerSession = new FakeOfficerSession()): AuditActors {
  return auditActors({ session, serviceClientId: async () => TEST_SERVICE_CLIENT_ID });
}

/** For tests that append themselves: `officer` signed in (officer A unless given). */
export function officerActor(officer: SignedInOfficer = OFFICER_A): Promise<AuditActor> {
  return AuditActor.officer(new FakeOfficerSession(officer), 'search');
}

/** Who the event chain's own tests append as: officer A on the OS account "jdoe". */
export const TEST_OPERATOR: Operator = {
  kind: 'officer',
  genesysUserId: OFFICER_A.genesysUserId,
  name: OFFICER_A.name,
  email: OFFICER_A.email,
  osAccount: 'jdoe',
};
