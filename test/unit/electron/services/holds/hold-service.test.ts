import { describe, expect, it } from 'vitest';
import { openDatabaseSync } from '../../../../../electron/db/connection';
import { createArchiveRepository } from '../../../../../electron/db/repositories/archive-repository';
import { createHoldRepository } from '../../../../../electron/db/repositories/hold-repository';
import { createIndexRepository } from '../../../../../electron/db/repositories/index-repository';
import { createMediaRepository } from '../../../../../electron/db/repositories/media-repository';
import { archiveKeys } from '../../../../../electron/services/archive/archive-keys';
import { MediaCache } from '../../../../../electron/services/cache/media-cache';
import { ApprovalService } from '../../../../../electron/services/approvals/approval-service';
import { approvalSettingsSchema } from '../../../../../electron/services/approvals/approval-settings';
import type { SignedInOfficer } from '../../../../../electron/services/auth/officer';
import { ApprovalRequiredError, SignInRequiredError } from '../../../../../electron/services/errors';
import { HoldService } from '../../../../../electron/services/holds/hold-service';
import { FakeClock } from '../../../../helpers/fake-clock';
import { MemoryLogger } from '../../../../helpers/memory-logger';
import { testTempDir } from '../../../../helpers/temp-dir';
import { InMemoryArchiveStore } from '../../../../fakes/archive-store';
import { InMemoryApprovalStore } from '../../../../fakes/approval-store';
import { FakeAuditWriter } from '../../../../fakes/audit-writer';
import { FakeGenesysOrg } from '../../../../fakes/genesys-org';
import { indexCalls } from '../../../../fakes/indexed-calls';
import { FakeOfficerSession, OFFICER_A, OFFICER_B } from '../../../../fakes/officer-session';
import { testAtRestKey } from '../../../../helpers/sealed-files';

const DAY_MS = 86_400_000;
const audio = new Uint8Array([1, 2, 3]);

/**
 * Two signed-in officers' HoldServices over one workstation database, one archive bucket, one Genesys org,
 * one audit log and the audit bucket's approvals; `approvalsFor` is an officer on another workstation.
 */
async function setUp(options: { protectionCap?: number } = {}) {
  const root = await testTempDir('custody-holds-');
  const clock = new FakeClock();
  const logger = new MemoryLogger();
  const db = openDatabaseSync(':memory:');
  const index = createIndexRepository(db);
  const holds = createHoldRepository(db);
  const archive = createArchiveRepository(db);
  const cache = new MediaCache({ dir: root, repository: createMediaRepository(db), clock, key: testAtRestKey() });
  const startMs = clock.now() - 2 * DAY_MS;
  await indexCalls(
    index,
    [
      { conversationId: 'c-1', recordingId: 'r-1', tradingId: 'T-1', startMs },
      { conversationId: 'c-2', recordingId: 'r-2', tradingId: 'T-1', startMs: startMs + 1 },
      { conversationId: 'c-3', recordingId: 'r-3', tradingId: 'T-2', startMs },
    ],
    clock.now(),
  );
  const org = new FakeGenesysOrg().add(
    { id: 'r-1', conversationId: 'c-1', audio },
    { id: 'r-2', conversationId: 'c-2', audio },
    { id: 'r-3', conversationId: 'c-3', audio },
  );
  const store = new InMemoryArchiveStore('archive-bucket', 'COMPLIANCE', () => clock.now());
  const retainUntil = new Date(clock.now() + 5 * 365 * DAY_MS);
  const archived = [
    archiveKeys({ tradingId: 'T-1', startMs, conversationId: 'c-1', recordingId: 'r-1' }, 'wav'),
    archiveKeys({ tradingId: 'T-1', startMs, conversationId: 'c-2', recordingId: 'r-2' }, 'wav'),
    archiveKeys({ tradingId: 'T-2', startMs, conversationId: 'c-3', recordingId: 'r-3' }, 'wav'),
  ];
  for (const keys of archived) {
    await store.putJson(keys.media, 'audio', retainUntil, false);
    await store.putJson(keys.sidecar, '{}', retainUntil, false);
  }
  const audit = new FakeAuditWriter({ clock });
  const genesys = await org.connection({ clock, random: () => 0, logger, index, cache });
  let ids = 0;
  const approvalStore = new InMemoryApprovalStore();
  const approvalsFor = (officer: FakeOfficerSession, hostname: string) =>
    new ApprovalService({
      store: async () => approvalStore,
      audit: async () => audit,
      officer,
      workstation: { hostname, addresses: [] },
      settings: approvalSettingsSchema.parse({}),
      clock,
      logger,
    });
  const serviceFor = (officer: SignedInOfficer | null) => {
    const session = new FakeOfficerSession(officer);
    return new HoldService({
      holds,
      archive,
      index,
      store: async () => store.asArchiveStore(),
      genesys: genesys.admin,
      audit: async () => audit,
      clock,
      logger,
      newId: () => `hold-000${(ids += 1)}`,
      officer: session,
      osAccount: 'officer',
      approvals: approvalsFor(session, 'desk-1'),
      protectionCap: options.protectionCap ?? 1_000,
    });
  };
  const heldKeys = () => store.versions.filter((v) => v.legalHold).map((v) => v.key).sort();
  return { clock, org, store, audit, holds, officerA: serviceFor(OFFICER_A), officerB: serviceFor(OFFICER_B), serviceFor, approvalsFor, heldKeys, archived };
}

const request = { tradingId: 'T-1', caseReference: 'CASE-9', reason: 'FCA information request' };

describe('HoldService: placing a hold', () => {
  it('audits the hold, then puts a legal hold on every archived version of the trade and deletion protection on its conversations', async () => {
    const { officerA, audit, heldKeys, archived, org } = await setUp();
    const hold = await officerA.place(request);
    expect(hold).toMatchObject({
      state: 'active',
      tradingId: 'T-1',
      caseReference: 'CASE-9',
      complete: true,
      placedBy: { name: 'Olivia Adler', genesysUserId: OFFICER_A.genesysUserId, osAccount: 'officer' },
    });
    expect(hold.objects).toEqual({ held: 4, failed: 0, released: 0, kept: 0 });
    expect(hold.conversations).toMatchObject({ total: 2, protected: 2 });
    expect(heldKeys()).toEqual([archived[0]!.media, archived[0]!.sidecar, archived[1]!.media, archived[1]!.sidecar].sort());
    expect([...org.protectedConversations].sort()).toEqual(['c-1', 'c-2']);
    expect(audit.of('hold')).toEqual([
      expect.objectContaining({ tradingId: 'T-1', caseReference: 'CASE-9', details: expect.objectContaining({ holdId: hold.id, stage: 'placed', conversations: 2, archivedObjectVersions: 4 }) }),
    ]);
    expect(hold.auditEventIds).toEqual([audit.events[0]!.eventId]);
  });

  it('locks nothing and records no hold when the audit log refuses the record', async () => {
    const { officerA, audit, heldKeys, holds, org } = await setUp();
    audit.refuse();
    await expect(officerA.place(request)).rejects.toMatchObject({ code: 'AUDIT_UNAVAILABLE' });
    expect(heldKeys()).toEqual([]);
    expect(org.protectedConversations.size).toBe(0);
    expect(await holds.list(true)).toEqual([]);
  });

  it('refuses a hold without a signed-in officer, before anything is written', async () => {
    const { serviceFor, audit, heldKeys, holds } = await setUp();
    await expect(serviceFor(null).place(request)).rejects.toBeInstanceOf(SignInRequiredError);
    expect(audit.events).toEqual([]);
    expect(heldKeys()).toEqual([]);
    expect(await holds.list(true)).toEqual([]);
  });

  it('placing it again completes what failed and leaves what is locked alone', async () => {
    const { officerA, store, archived, audit } = await setUp();
    store.refuseLegalHold.add(archived[1]!.media);
    const first = await officerA.place(request);
    expect(first.objects).toMatchObject({ held: 3, failed: 1 });
    expect(first.complete).toBe(false);
    expect(first.notes.join(' ')).toMatch(/1 archived object version\(s\) could not be held.*place the hold again/);
    store.refuseLegalHold.clear();
    store.calls.length = 0;
    const second = await officerA.place(request);
    expect(second.id).toBe(first.id);
    expect(second.objects).toMatchObject({ held: 4, failed: 0 });
    expect(second.complete).toBe(true);
    expect(store.calls.filter((c) => c === 'setLegalHold')).toHaveLength(1);
    expect(audit.of('hold').map((e) => e.details.stage)).toEqual(['placed', 'completed']);
  });

  it('keeps within Genesys\'s deletion-protection cap and says the archive alone protects the rest', async () => {
    const { officerA, org } = await setUp({ protectionCap: 1 });
    const hold = await officerA.place(request);
    expect(hold.conversations).toMatchObject({ protected: 1, capReached: 1 });
    expect(org.protectedConversations.size).toBe(1);
    expect(hold.notes.join(' ')).toMatch(/over Genesys's deletion-protection cap/);
  });

  it('refuses a trade neither the index nor the archive knows, after one sync that asks Genesys nothing it already covered', async () => {
    const { officerA, audit, org } = await setUp();
    await expect(officerA.place({ ...request, tradingId: 'T-404' })).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringMatching(/Unknown trade "T-404"/) });
    expect(audit.events).toEqual([]);
    expect(org.requests).toEqual([]);
  });
});

describe('HoldService: four-eyes release', () => {
  it('needs a request by one signed-in officer and the approval of another; then every lock of the hold is lifted', async () => {
    const { officerA, officerB, audit, heldKeys, org } = await setUp();
    const hold = await officerA.place(request);
    const requested = await officerA.requestRelease(hold.id, 'case closed by the FCA');
    expect(requested).toMatchObject({
      state: 'release-requested',
      releaseRequest: { by: { name: 'Olivia Adler', genesysUserId: OFFICER_A.genesysUserId }, reason: 'case closed by the FCA', requestId: expect.any(String), requestedByYou: true },
    });
    expect((await officerB.get(hold.id)).releaseRequest?.requestedByYou).toBe(false);
    expect(requested.notes.join(' ')).toContain(`custody approvals approve ${requested.releaseRequest!.requestId}`);
    expect(heldKeys()).toHaveLength(4);
    const released = await officerB.approveRelease(hold.id);
    expect(released).toMatchObject({ state: 'released', released: { by: { name: 'Oscar Brandt', genesysUserId: OFFICER_B.genesysUserId } }, complete: true });
    expect(released.objects).toMatchObject({ held: 0, released: 4 });
    expect(heldKeys()).toEqual([]);
    expect(org.protectedConversations.size).toBe(0);
    const requestId = requested.releaseRequest!.requestId;
    expect(audit.of('approval').map((e) => [e.details.stage, e.details.requestId, e.tradingId])).toEqual([
      ['requested', requestId, 'T-1'],
      ['approved', requestId, 'T-1'],
    ]);
    const [executed] = audit.of('release');
    expect(executed!.details).toMatchObject({
      holdId: hold.id,
      stage: 'executed',
      requestId,
      requestedBy: { genesysUserId: OFFICER_A.genesysUserId },
      approvedBy: { genesysUserId: OFFICER_B.genesysUserId },
    });
    expect(released.auditEventIds).toEqual([audit.of('hold')[0]!.eventId, audit.of('approval')[0]!.eventId, executed!.eventId]);
  });

  it('refuses an approval by the officer who asked (by Genesys user id, whatever her name), and unlocks nothing', async () => {
    const { officerA, serviceFor, audit, heldKeys } = await setUp();
    const hold = await officerA.place(request);
    await officerA.requestRelease(hold.id, 'case closed');
    await expect(officerA.approveRelease(hold.id)).rejects.toThrow(/Four-eyes rule: Olivia Adler requested the release of hold/);
    await expect(serviceFor({ ...OFFICER_A, name: 'Oscar Brandt' }).approveRelease(hold.id)).rejects.toBeInstanceOf(ApprovalRequiredError);
    await expect(serviceFor(null).approveRelease(hold.id)).rejects.toBeInstanceOf(SignInRequiredError);
    await expect(officerA.completeRelease(hold.id)).rejects.toThrow(/is not approved yet: another signed-in officer must run "custody approvals approve/);
    expect(heldKeys()).toHaveLength(4);
    expect(audit.of('approval').map((e) => e.details.stage)).toEqual(['requested']);
    expect(audit.of('release')).toEqual([]);
    expect((await officerA.get(hold.id)).state).toBe('release-requested');
  });

  it('runs at the requester\'s next step when the approval was given on a workstation without the hold', async () => {
    const { officerA, approvalsFor, heldKeys } = await setUp();
    const hold = await officerA.place(request);
    const { releaseRequest } = await officerA.requestRelease(hold.id, 'case closed');
    await approvalsFor(new FakeOfficerSession(OFFICER_B), 'desk-2').approve(releaseRequest!.requestId!);
    expect(heldKeys()).toHaveLength(4);
    expect(await officerA.completeRelease(hold.id)).toMatchObject({ state: 'released', released: { by: { name: 'Oscar Brandt' } } });
    expect(heldKeys()).toEqual([]);
  });

  it('refuses an expired request, which can then be requested again', async () => {
    const { officerA, officerB, approvalsFor, clock, heldKeys } = await setUp();
    const hold = await officerA.place(request);
    const first = (await officerA.requestRelease(hold.id, 'case closed')).releaseRequest!.requestId!;
    await expect(officerA.requestRelease(hold.id, 'again')).rejects.toThrow(/already has a release request .* waiting for another officer's approval/);
    await approvalsFor(new FakeOfficerSession(OFFICER_B), 'desk-2').approve(first);
    await clock.advance(24 * 3_600_000);
    await expect(officerA.completeRelease(hold.id)).rejects.toThrow(new RegExp(`Approval request ${first} .* expired at`));
    expect(heldKeys()).toHaveLength(4);
    const second = (await officerA.requestRelease(hold.id, 'case closed, asked again')).releaseRequest!.requestId!;
    expect(second).not.toBe(first);
    expect((await officerB.approveRelease(hold.id)).state).toBe('released');
  });

  it('takes a new request for a release asked for before requests were stored in the audit bucket', async () => {
    const { officerA, officerB, holds } = await setUp();
    const hold = await officerA.place(request);
    await holds.setState(hold.id, 'releasing');
    await expect(officerB.completeRelease(hold.id)).rejects.toThrow(/has no release request; an officer must request the release first/);
    const renewed = await officerA.requestRelease(hold.id, 'case closed');
    expect(renewed).toMatchObject({ state: 'release-requested', releaseRequest: { requestId: expect.any(String) } });
    expect((await officerB.approveRelease(hold.id)).state).toBe('released');
  });

  it('refuses an approval without a request, a request on a hold that is not active, and ids that are not ids', async () => {
    const { officerA, officerB } = await setUp();
    const hold = await officerA.place(request);
    await expect(officerB.approveRelease(hold.id)).rejects.toThrow(/has no release request/);
    await officerA.requestRelease(hold.id, 'case closed');
    await officerB.approveRelease(hold.id);
    await expect(officerB.approveRelease(hold.id)).rejects.toThrow(/already released/);
    await expect(officerA.requestRelease(hold.id, 'again')).rejects.toThrow(/is released; only an active hold/);
    await expect(officerA.requestRelease('../x', 'case closed')).rejects.toMatchObject({ code: 'VALIDATION' });
    await expect(officerA.requestRelease(hold.id, 'no')).rejects.toThrow(/at least 3 characters/);
  });

  it('lifts nothing when the release cannot be audited, and it can be completed again', async () => {
    const { officerA, officerB, audit, heldKeys } = await setUp();
    const hold = await officerA.place(request);
    await officerA.requestRelease(hold.id, 'case closed');
    audit.refuse();
    await expect(officerB.approveRelease(hold.id)).rejects.toMatchObject({ code: 'AUDIT_UNAVAILABLE' });
    expect(heldKeys()).toHaveLength(4);
    audit.refuse('the WORM store did not acknowledge the record', 1);
    await expect(officerB.approveRelease(hold.id)).rejects.toMatchObject({ code: 'AUDIT_UNAVAILABLE' });
    expect(heldKeys()).toHaveLength(4);
    audit.acknowledge();
    expect((await officerA.completeRelease(hold.id)).state).toBe('released');
  });

  it('keeps what another open hold on the trade still protects', async () => {
    const { officerA, officerB, heldKeys, org } = await setUp();
    const first = await officerA.place(request);
    await officerA.place({ ...request, caseReference: 'CASE-10' });
    await officerA.requestRelease(first.id, 'case closed');
    const released = await officerB.approveRelease(first.id);
    expect(released.state).toBe('released');
    expect(released.objects).toMatchObject({ kept: 4, released: 0 });
    expect(released.conversations).toMatchObject({ kept: 2 });
    expect(heldKeys()).toHaveLength(4);
    expect(org.protectedConversations.size).toBe(2);
  });

  it('stays releasing while a lock cannot be lifted, and finishes when completed again, even after the request expired', async () => {
    const { officerA, officerB, store, archived, heldKeys, clock } = await setUp();
    const hold = await officerA.place(request);
    await officerA.requestRelease(hold.id, 'case closed');
    store.refuseLegalHold.add(archived[0]!.media);
    const partial = await officerB.approveRelease(hold.id);
    expect(partial.state).toBe('releasing');
    expect(partial.notes.join(' ')).toMatch(/custody hold release --hold .* --complete" to retry/);
    expect(heldKeys()).toEqual([archived[0]!.media]);
    store.refuseLegalHold.clear();
    await clock.advance(25 * 3_600_000);
    expect((await officerA.completeRelease(hold.id)).state).toBe('released');
    expect(heldKeys()).toEqual([]);
  });
});
