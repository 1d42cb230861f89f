import { DeleteObjectCommand, GetObjectRetentionCommand, ListObjectVersionsCommand, type S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { ApprovalService } from '../../../electron/services/approvals/approval-service';
import { approvalSettingsSchema, type ApprovalSettings } from '../../../electron/services/approvals/approval-settings';
import { approvalKey, approvalRequestKey, ApprovalStore } from '../../../electron/services/approvals/approval-store';
import type { SignedInOfficer } from '../../../electron/services/auth/officer';
import { ApprovalRequiredError, SignInRequiredError } from '../../../electron/services/errors';
import { putLockedObject, readObjectText } from '../../../electron/services/worm/locked-objects';
import { canonicalJson } from '../../../shared/canonical-json';
import { FakeAuditWriter } from '../../fakes/audit-writer';
import { FakeOfficerSession, OFFICER_A, OFFICER_B } from '../../fakes/officer-session';
import { FakeClock } from '../../helpers/fake-clock';
import { MemoryLogger } from '../../helpers/memory-logger';
import { useTestBucket } from '../../helpers/worm';

let s3: S3Client;
let bucket: string;
useTestBucket('approvals', { mode: 'COMPLIANCE', defaultRetentionDays: 1 }, (fixture) => ({ s3, bucket } = fixture));

const HOUR_MS = 3_600_000;
const retention = { mode: 'COMPLIANCE' as const, durationMs: 2 * HOUR_MS };
const holdSubject = { holdId: 'hold-0001', tradingId: 'T-20261201-0007', caseReference: 'FCA-2026-0142' };

/** A workstation: its own audit log and officer sign-in, reading and writing the shared audit bucket. */
function workstation(hostname: string, officer: SignedInOfficer | null, clock: FakeClock, settings: Partial<ApprovalSettings> = {}) {
  const logger = new MemoryLogger();
  const audit = new FakeAuditWriter({ clock });
  const service = new ApprovalService({
    store: async () => new ApprovalStore({ s3, bucket, retention, logger }),
    audit: async () => audit,
    officer: new FakeOfficerSession(officer),
    workstation: { hostname, addresses: ['10.20.0.7'] },
    settings: approvalSettingsSchema.parse(settings),
    clock,
    logger,
  });
  return { service, audit, logger };
}

async function versionsOf(key: string): Promise<number> {
  const listing = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: key }));
  return (listing.Versions ?? []).filter((v) => v.Key === key).length;
}

describe('approvals in the WORM audit bucket', () => {
  it('A requests; A cannot approve on her own or a second workstation; B approves from hers; every object is COMPLIANCE-locked', async () => {
    const clock = new FakeClock();
    const deskA = workstation('desk-a', OFFICER_A, clock);
    const deskA2 = workstation('desk-a2', OFFICER_A, clock);
    const deskB = workstation('desk-b', OFFICER_B, clock);
    const { request } = await deskA.service.request('hold-release', holdSubject, 'FCA closed the request');

    const requestKey = approvalRequestKey(request.requestId);
    expect(await readObjectText(s3, bucket, requestKey)).toBe(canonicalJson(request));
    const lock = await s3.send(new GetObjectRetentionCommand({ Bucket: bucket, Key: requestKey }));
    expect(lock.Retention?.Mode).toBe('COMPLIANCE');
    expect(lock.Retention?.RetainUntilDate?.getTime()).toBeGreaterThanOrEqual(clock.now() + retention.durationMs - 1000);
    const versions = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: requestKey }));
    await expect(s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: requestKey, VersionId: versions.Versions![0]!.VersionId }))).rejects.toMatchObject({ name: 'AccessDenied' });

    for (const self of [deskA, deskA2]) {
      const error = await self.service.approve(request.requestId).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ApprovalRequiredError);
      expect((error as Error).message).toMatch(/Four-eyes rule: Olivia Adler requested the release of hold hold-0001/);
    }
    await expect(workstation('desk-x', null, clock).service.approve(request.requestId)).rejects.toBeInstanceOf(SignInRequiredError);
    expect(await versionsOf(approvalKey(request.requestId, OFFICER_A.genesysUserId))).toBe(0);

    const { approval } = await deskB.service.approve(request.requestId);
    expect(approval).toMatchObject({ approvedBy: { genesysUserId: OFFICER_B.genesysUserId, name: 'Oscar Brandt' }, workstation: { hostname: 'desk-b' } });
    const approvalObject = approvalKey(request.requestId, OFFICER_B.genesysUserId);
    expect((await s3.send(new GetObjectRetentionCommand({ Bucket: bucket, Key: approvalObject }))).Retention?.Mode).toBe('COMPLIANCE');
    expect(deskB.audit.of('approval')).toEqual([expect.objectContaining({ details: expect.objectContaining({ stage: 'approved', objectKey: approvalObject }) })]);

    // The requester's workstation reads B's approval from the bucket.
    expect(await deskA.service.show(request.requestId)).toMatchObject({ status: 'approved', approvals: [approval] });
    expect(await deskA.service.requireApproved(request.requestId, 'hold-release', holdSubject)).toMatchObject({ approval });
    expect((await deskA2.service.list()).map((v) => v.request.requestId)).toContain(request.requestId);
  });

  it('refuses an expired request and does not count an approval of it', async () => {
    const clock = new FakeClock();
    const deskA = workstation('desk-a', OFFICER_A, clock, { lifetimeHours: 1 });
    const deskB = workstation('desk-b', OFFICER_B, clock);
    const { request } = await deskA.service.request('hold-release', holdSubject, 'FCA closed the request');
    await clock.advance(HOUR_MS);
    await expect(deskB.service.approve(request.requestId)).rejects.toThrow(new RegExp(`expired at ${request.expiresAt}`));
    expect(await versionsOf(approvalKey(request.requestId, OFFICER_B.genesysUserId))).toBe(0);
    await expect(deskA.service.requireApproved(request.requestId, 'hold-release', holdSubject)).rejects.toBeInstanceOf(ApprovalRequiredError);
  });

  it('counts an approval only for its own kind and subject', async () => {
    const clock = new FakeClock();
    const deskA = workstation('desk-a', OFFICER_A, clock, { requireForExport: true });
    const deskB = workstation('desk-b', OFFICER_B, clock);
    const { request } = await deskA.service.request('export', { caseReference: 'FCA-2026-0142' }, 'FCA asked for the calls');
    await deskB.service.approve(request.requestId);
    await expect(deskA.service.requireApproved(request.requestId, 'hold-release', holdSubject)).rejects.toThrow(/is for exports under case FCA-2026-0142, not for this hold-release/);
    await expect(deskA.service.requireApproval('export', { caseReference: 'FCA-2026-0143' })).rejects.toBeInstanceOf(ApprovalRequiredError);
    expect(await deskA.service.requireApproval('export', { caseReference: 'FCA-2026-0142' })).toMatchObject({ request: { requestId: request.requestId } });
  });

  it('does not trust what was written around Custody: a rewritten request, a self-approval, an approval of other bytes', async () => {
    const clock = new FakeClock();
    const deskA = workstation('desk-a', OFFICER_A, clock);
    const deskB = workstation('desk-b', OFFICER_B, clock);
    const forge = (key: string, value: unknown) =>
      putLockedObject(s3, { bucket, key, body: canonicalJson(value), contentType: 'application/json', retainUntil: new Date(clock.now() + HOUR_MS), mode: 'COMPLIANCE' });

    const { request } = await deskA.service.request('hold-release', holdSubject, 'FCA closed the request');
    const approval = {
      schema: 'custody.approval.v1',
      requestId: request.requestId,
      requestSha256: ApprovalStore.encode(request).sha256,
      approvedBy: { genesysUserId: OFFICER_A.genesysUserId, name: OFFICER_A.name, email: OFFICER_A.email },
      workstation: { hostname: 'desk-a', addresses: [] },
      approvedAt: new Date(clock.now()).toISOString(),
    };
    await forge(approvalKey(request.requestId, OFFICER_A.genesysUserId), approval);
    await forge(approvalKey(request.requestId, OFFICER_B.genesysUserId), { ...approval, approvedBy: { ...approval.approvedBy, genesysUserId: OFFICER_B.genesysUserId }, requestSha256: '0'.repeat(64) });
    expect(await deskA.service.show(request.requestId)).toMatchObject({ status: 'pending', approvals: [] });
    await expect(deskA.service.requireApproved(request.requestId, 'hold-release', holdSubject)).rejects.toThrow(/is not approved yet/);
    const reported = deskA.logger.entries.filter((e) => e.message.includes('not valid')).map((e) => e.fields?.key);
    expect(new Set(reported)).toEqual(new Set([approvalKey(request.requestId, OFFICER_B.genesysUserId)]));

    const other = (await deskA.service.request('hold-release', { ...holdSubject, holdId: 'hold-0002' }, 'FCA closed the request')).request;
    await forge(approvalRequestKey(other.requestId), { ...other, subject: { ...other.subject, holdId: 'hold-0003' } });
    await expect(deskB.service.approve(other.requestId)).rejects.toThrow(/is stored in 2 versions .* written over and cannot be trusted/);
  });
});
