import { describe, expect, it } from 'vitest';
import { ApprovalService } from '../../../../../electron/services/approvals/approval-service';
import { approvalSettingsSchema, type ApprovalSettings } from '../../../../../electron/services/approvals/approval-settings';
import { newRequestId } from '../../../../../electron/services/approvals/approval-store';
import { ApprovalRequiredError, PermissionDeniedError, SignInRequiredError } from '../../../../../electron/services/errors';
import { InMemoryApprovalStore } from '../../../../fakes/approval-store';
import { FakeAuditWriter } from '../../../../fakes/audit-writer';
import { AGENT_C, FakeOfficerSession, OFFICER_A, OFFICER_B } from '../../../../fakes/officer-session';
import { FakeClock } from '../../../../helpers/fake-clock';
import { MemoryLogger } from '../../../../helpers/memory-logger';

const HOUR_MS = 3_600_000;
const holdSubject = { holdId: 'hold-0001', tradingId: 'T-1', caseReference: 'CASE-9' };

/** Workstations sharing one audit bucket and one audit log, each with its own officer sign-in. */
function setUp(settings: Partial<ApprovalSettings> = {}) {
  const clock = new FakeClock();
  const store = new InMemoryApprovalStore();
  const audit = new FakeAuditWriter({ clock });
  const workstation = (hostname: string, officer: FakeOfficerSession) => {
    const service = new ApprovalService({
      store: async () => store,
      audit: async () => audit,
      officer,
      workstation: { hostname, addresses: ['10.20.0.5'] },
      settings: approvalSettingsSchema.parse(settings),
      clock,
      logger: new MemoryLogger(),
    });
    return { service, officer };
  };
  return { clock, store, audit, workstation };
}

describe('ApprovalService: four-eyes between two signed-in officers', () => {
  it('records a request under the requester\'s token identity: audited, then stored, valid for the profile\'s lifetime', async () => {
    const { workstation, store, audit, clock } = setUp({ lifetimeHours: 8 });
    const a = workstation('desk-a', new FakeOfficerSession(OFFICER_A));
    const { request, eventId } = await a.service.request('hold-release', holdSubject, 'case closed by the FCA');
    expect(request).toMatchObject({
      kind: 'hold-release',
      subject: holdSubject,
      requestedBy: { genesysUserId: OFFICER_A.genesysUserId, name: 'Olivia Adler', email: OFFICER_A.email },
      workstation: { hostname: 'desk-a' },
      requestedAt: new Date(clock.now()).toISOString(),
      expiresAt: new Date(clock.now() + 8 * HOUR_MS).toISOString(),
    });
    expect(audit.of('approval')).toEqual([
      expect.objectContaining({
        eventId,
        tradingId: 'T-1',
        caseReference: 'CASE-9',
        details: expect.objectContaining({ stage: 'requested', requestId: request.requestId, kind: 'hold-release', objectKey: `approvals/v1/${request.requestId}/request.json` }),
      }),
    ]);
    expect(store.requests.get(request.requestId)).toEqual(request);
  });

  it('stores no request when the audit log refuses it, and none without a signed-in officer', async () => {
    const { workstation, store, audit } = setUp();
    const a = workstation('desk-a', new FakeOfficerSession(OFFICER_A));
    audit.refuse();
    await expect(a.service.request('hold-release', holdSubject, 'case closed')).rejects.toMatchObject({ code: 'AUDIT_UNAVAILABLE' });
    audit.acknowledge();
    const nobody = workstation('desk-a', new FakeOfficerSession(null));
    await expect(nobody.service.request('hold-release', holdSubject, 'case closed')).rejects.toBeInstanceOf(SignInRequiredError);
    expect(store.written).toEqual([]);
    expect(audit.events).toEqual([]);
  });

  it('refuses the requester\'s own approval on her workstation and on another one she is signed in on; no name is compared', async () => {
    const { workstation, store, audit } = setUp();
    const a = workstation('desk-a', new FakeOfficerSession(OFFICER_A));
    const { request } = await a.service.request('hold-release', holdSubject, 'case closed');
    const aElsewhere = workstation('desk-z', new FakeOfficerSession({ ...OFFICER_A, name: 'Someone Else', email: 'other@example.test' }));
    for (const self of [a, aElsewhere]) {
      const error = await self.service.approve(request.requestId).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ApprovalRequiredError);
      expect((error as Error).message).toMatch(/^Four-eyes rule: .* requested the release of hold hold-0001 .* and cannot also approve it/);
    }
    // A different officer who happens to carry the requester's name is a different officer.
    const namesake = workstation('desk-n', new FakeOfficerSession({ ...OFFICER_B, name: OFFICER_A.name }));
    expect((await namesake.service.approve(request.requestId)).approval.approvedBy.genesysUserId).toBe(OFFICER_B.genesysUserId);
    expect(store.written.filter((k) => k.startsWith('approval-'))).toEqual([`approval-${OFFICER_B.genesysUserId}`]);
    expect(audit.of('approval').map((e) => e.details.stage)).toEqual(['requested', 'approved']);
  });

  it('refuses an approval without a sign-in, and one by an officer without the action\'s permission, writing nothing', async () => {
    const { workstation, store, audit } = setUp();
    const { request } = await workstation('desk-a', new FakeOfficerSession(OFFICER_A)).service.request('hold-release', holdSubject, 'case closed');
    const written = store.written.length;
    await expect(workstation('desk-b', new FakeOfficerSession(null)).service.approve(request.requestId)).rejects.toBeInstanceOf(SignInRequiredError);
    const denied = await workstation('desk-c', new FakeOfficerSession(AGENT_C)).service.approve(request.requestId).catch((e: unknown) => e);
    expect(denied).toBeInstanceOf(PermissionDeniedError);
    expect((denied as Error).message).toMatch(/Carla Costa may not release: missing Genesys permission recording:deletionProtection:revoke/);
    expect(store.written).toHaveLength(written);
    expect(audit.of('approval')).toHaveLength(1);
  });

  it('records the approver\'s token identity and workstation; approving again changes nothing', async () => {
    const { workstation, audit } = setUp();
    const a = workstation('desk-a', new FakeOfficerSession(OFFICER_A));
    const b = workstation('desk-b', new FakeOfficerSession(OFFICER_B));
    const { request } = await a.service.request('hold-release', holdSubject, 'case closed');
    expect((await b.service.show(request.requestId)).status).toBe('pending');
    const first = await b.service.approve(request.requestId);
    expect(first.approval).toMatchObject({ requestId: request.requestId, approvedBy: { genesysUserId: OFFICER_B.genesysUserId, name: 'Oscar Brandt' }, workstation: { hostname: 'desk-b' } });
    expect(audit.of('approval').at(-1)).toMatchObject({
      eventId: first.eventId,
      details: { stage: 'approved', requestId: request.requestId, requestedBy: { genesysUserId: OFFICER_A.genesysUserId } },
    });
    const again = await b.service.approve(request.requestId);
    expect(again).toMatchObject({ eventId: null, approval: first.approval });
    expect(audit.of('approval')).toHaveLength(2);
    expect(await a.service.show(request.requestId)).toMatchObject({ status: 'approved', approvals: [first.approval] });
    expect(await a.service.requireApproved(request.requestId, 'hold-release', holdSubject)).toMatchObject({ approval: first.approval });
  });

  it('refuses an approval of an expired request, and an approval once its request expired', async () => {
    const { workstation, clock } = setUp({ lifetimeHours: 2 });
    const a = workstation('desk-a', new FakeOfficerSession(OFFICER_A));
    const b = workstation('desk-b', new FakeOfficerSession(OFFICER_B));
    const late = (await a.service.request('hold-release', holdSubject, 'case closed')).request;
    await clock.advance(1000);
    const early = (await a.service.request('hold-release', { ...holdSubject, holdId: 'hold-0002' }, 'case closed')).request;
    await b.service.approve(early.requestId);
    await clock.advance(2 * HOUR_MS);
    const error = await b.service.approve(late.requestId).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApprovalRequiredError);
    expect((error as Error).message).toMatch(new RegExp(`Approval request ${late.requestId} .* expired at ${late.expiresAt}; it must be requested again`));
    await expect(a.service.requireApproved(early.requestId, 'hold-release', { ...holdSubject, holdId: 'hold-0002' })).rejects.toThrow(/expired at/);
    expect(await a.service.requireApproved(early.requestId, 'hold-release', { ...holdSubject, holdId: 'hold-0002' }, { allowExpired: true })).toBeTruthy();
    expect((await a.service.show(early.requestId)).status).toBe('expired');
    expect(await a.service.list()).toEqual([]);
    expect((await a.service.list({ includeExpired: true })).map((v) => v.request.requestId)).toEqual([early.requestId, late.requestId]);
  });

  it('counts an approval only for its own request\'s kind and subject', async () => {
    const { workstation } = setUp({ requireForExport: true });
    const a = workstation('desk-a', new FakeOfficerSession(OFFICER_A));
    const b = workstation('desk-b', new FakeOfficerSession(OFFICER_B));
    const { request } = await a.service.request('export', { caseReference: 'CASE-9' }, 'FCA asked for the calls');
    await b.service.approve(request.requestId);
    await expect(a.service.requireApproved(request.requestId, 'hold-release', holdSubject)).rejects.toThrow(/is for exports under case CASE-9, not for this hold-release/);
    await expect(a.service.requireApproval('export', { caseReference: 'CASE-10' })).rejects.toBeInstanceOf(ApprovalRequiredError);
    expect(await a.service.requireApproval('export', { caseReference: 'CASE-9' })).toMatchObject({ request: { requestId: request.requestId } });
  });

  it('checks a request as it will be stored before auditing it: subjects, and the Genesys user id that names objects', async () => {
    const { workstation, audit, store } = setUp({ requireForExport: true });
    const a = workstation('desk-a', new FakeOfficerSession(OFFICER_A));
    await expect(a.service.request('hold-release', { ...holdSubject, holdId: '../../x' }, 'case closed')).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringMatching(/holdId: not a hold id/) });
    await expect(a.service.requireApproval('export', { caseReference: 'x' })).rejects.toMatchObject({ code: 'VALIDATION' });
    const odd = workstation('desk-o', new FakeOfficerSession({ ...OFFICER_B, genesysUserId: '../officer' }));
    await expect(odd.service.request('export', { caseReference: 'CASE-9' }, 'case closed')).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringMatching(/not a Genesys user id/) });
    expect(audit.events).toEqual([]);
    expect(store.written).toEqual([]);
  });

  it('refuses a request id that is not one, and says when there is no such request', async () => {
    const { workstation } = setUp();
    const b = workstation('desk-b', new FakeOfficerSession(OFFICER_B));
    await expect(b.service.approve('../request')).rejects.toMatchObject({ code: 'VALIDATION' });
    await expect(b.service.approve(newRequestId(Date.now()))).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('ApprovalService.requireApproval: optional approvals of exports and restricted plays', () => {
  it('lets exports through when the profile does not ask for approvals', async () => {
    const { workstation } = setUp();
    expect(await workstation('desk-a', new FakeOfficerSession(OFFICER_A)).service.requireApproval('export', { caseReference: 'CASE-9' })).toBeNull();
  });

  it('refuses an export without an approved request of the exporting officer, saying how to get one', async () => {
    const { workstation } = setUp({ requireForExport: true });
    const a = workstation('desk-a', new FakeOfficerSession(OFFICER_A));
    const b = workstation('desk-b', new FakeOfficerSession(OFFICER_B));
    const none = await a.service.requireApproval('export', { caseReference: 'CASE-9' }).catch((e: unknown) => e);
    expect(none).toBeInstanceOf(ApprovalRequiredError);
    expect((none as Error).message).toMatch(/Exports under case "CASE-9" need a second officer's approval.*custody approvals request export --case "CASE-9" --reason TEXT/);
    const { request } = await a.service.request('export', { caseReference: 'CASE-9' }, 'FCA asked for the calls');
    await expect(a.service.requireApproval('export', { caseReference: 'CASE-9' })).rejects.toThrow(new RegExp(`Request ${request.requestId} is waiting for another officer`));
    await b.service.approve(request.requestId);
    expect(await a.service.requireApproval('export', { caseReference: 'CASE-9' })).toMatchObject({ approval: { approvedBy: { genesysUserId: OFFICER_B.genesysUserId } } });
    // The approver cannot export on the strength of someone else's request.
    await expect(b.service.requireApproval('export', { caseReference: 'CASE-9' })).rejects.toBeInstanceOf(ApprovalRequiredError);
    await expect(workstation('desk-x', new FakeOfficerSession(null)).service.requireApproval('export', { caseReference: 'CASE-9' })).rejects.toBeInstanceOf(SignInRequiredError);
  });

  it('asks for an approval before playing a call of a restricted queue only, and names an expired request', async () => {
    const { workstation, clock } = setUp({ restrictedQueues: ['Rates Desk'], lifetimeHours: 1 });
    const a = workstation('desk-a', new FakeOfficerSession(OFFICER_A));
    const b = workstation('desk-b', new FakeOfficerSession(OFFICER_B));
    const play = { conversationId: 'c-1' };
    expect(await a.service.requireApproval('restricted-play', play, { queues: ['q-fx', 'FX Desk'] })).toBeNull();
    await expect(a.service.requireApproval('restricted-play', play, { queues: ['q-rates', 'rates desk'] })).rejects.toThrow(
      /Playing conversation c-1 \(a restricted queue\).*custody approvals request restricted-play --conversation c-1/,
    );
    const { request } = await a.service.request('restricted-play', play, 'surveillance alert 4411');
    await b.service.approve(request.requestId);
    expect(await a.service.requireApproval('restricted-play', play, { queues: ['Rates Desk'] })).not.toBeNull();
    await expect(a.service.requireApproval('restricted-play', { conversationId: 'c-2' }, { queues: ['Rates Desk'] })).rejects.toBeInstanceOf(ApprovalRequiredError);
    await clock.advance(HOUR_MS);
    await expect(a.service.requireApproval('restricted-play', play, { queues: ['Rates Desk'] })).rejects.toThrow(new RegExp(`Request ${request.requestId} expired at`));
  });
});
