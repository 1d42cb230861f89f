import { DeleteObjectCommand, GetObjectLegalHoldCommand, ListObjectVersionsCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readEventChain } from '../../helpers/read-event-chain';
import type { AuditEvent } from '../../../shared/domain';
import type { HoldView } from '../../../shared/holds';
import { shareProfileWithCli } from '../../helpers/cli-profile';
import { startHarness, type Harness } from '../../helpers/engine-harness';
import { OFFICER_A_LOGIN, OFFICER_B_LOGIN, signInOfficer } from '../../helpers/officer-signin';
import { startWorkstation } from '../../helpers/workstation';
import type { SeedConversation } from '../../sandbox/server';
import { apis, loggedInClient } from '../sandbox/sdk';

const OFFICER_A_ID = '0ff1ce00-0000-4000-8000-00000000000a';
const OFFICER_B_ID = '0ff1ce00-0000-4000-8000-00000000000b';

let h: Harness;
/** Officer B on her own workstation (own profile and index): the four-eyes approver. */
let deskB: Awaited<ReturnType<typeof startWorkstation>>;
/** Officer A signed in on a second workstation too. */
let deskA2: Awaited<ReturnType<typeof startWorkstation>>;

beforeAll(async () => {
  h = await startHarness({ worm: inject('worm').connection });
  deskB = await startWorkstation(h, OFFICER_B_LOGIN);
  deskA2 = await startWorkstation(h, OFFICER_A_LOGIN);
});
afterAll(async () => {
  await deskA2?.close();
  await deskB?.close();
  await h?.close();
});

/** Who is signed in on the harness's workstation (officers take turns at one desk). */
async function signInAtDeskA(user: typeof OFFICER_A_LOGIN): Promise<void> {
  await signInOfficer({ profile: h.profile, env: h.env, secrets: h.secrets, user });
}

/** A trade discussed on two calls with available recordings (under 16 MB in all). */
function twoCallTrade(skip: ReadonlySet<string> = new Set()): { tradingId: string; conversations: Array<SeedConversation> } {
  const byTrade = new Map<string, Array<SeedConversation>>();
  for (const c of h.sandbox.dataset.conversations) if (c.tradingId) byTrade.set(c.tradingId, [...(byTrade.get(c.tradingId) ?? []), c]);
  const DAY = 86_400_000;
  const [tradingId, conversations] = [...byTrade].find(
    ([id, calls]) =>
      !skip.has(id) &&
      calls.length === 2 &&
      calls.flatMap((c) => c.recordings).reduce((sum, r) => sum + r.sizeBytes, 0) < 16_000_000 &&
      calls.every((c) => c.recordings.length > 0 && c.recordings.every((r) => r.fileState === 'AVAILABLE') && Date.parse(c.startTime) > Date.now() - 25 * DAY && Date.parse(c.startTime) < Date.now() - 2 * DAY),
  )!;
  return { tradingId, conversations };
}

async function archive(conversations: ReadonlyArray<SeedConversation>): Promise<void> {
  for (const c of conversations) {
    const start = Date.parse(c.startTime);
    const run = await (await h.composed.archive.job()).run({ sinceMs: start, untilMs: start + 1 });
    expect(run.state).toBe('done');
  }
}

async function archivedTrade(): Promise<{ tradingId: string; conversations: Array<SeedConversation> }> {
  const trade = twoCallTrade();
  await archive(trade.conversations);
  return trade;
}

async function versions(tradingId: string): Promise<Array<{ key: string; versionId: string }>> {
  const listing = await h.s3.send(new ListObjectVersionsCommand({ Bucket: h.archiveBucket, Prefix: `archive/v1/trades/${tradingId}/` }));
  return (listing.Versions ?? []).map((v) => ({ key: v.Key!, versionId: v.VersionId! }));
}

async function legalHold(v: { key: string; versionId: string }): Promise<string | undefined> {
  try {
    return (await h.s3.send(new GetObjectLegalHoldCommand({ Bucket: h.archiveBucket, Key: v.key, VersionId: v.versionId }))).LegalHold?.Status;
  } catch {
    return undefined;
  }
}

async function protectedInGenesys(conversationIds: Array<string>): Promise<Array<string>> {
  const client = await loggedInClient(h.sandbox);
  const result = (await apis(client).recording.postRecordingsDeletionprotection({ conversationIds })) as unknown as { body: Array<{ id: string }> };
  return result.body.map((r) => r.id).sort();
}

async function auditEvents(): Promise<Array<AuditEvent>> {
  const events: Array<AuditEvent> = [];
  for await (const event of readEventChain(h.s3, h.bucket, h.composed.profile.logId)) events.push(event);
  return events;
}

describe('legal holds', () => {
  let trade: { tradingId: string; conversations: Array<SeedConversation> };
  let hold: HoldView;

  it('places an S3 legal hold on every archived object of the trade and protects its conversations in Genesys, audited first', async () => {
    trade = await archivedTrade();
    const recordings = trade.conversations.flatMap((c) => c.recordings);
    hold = await h.composed.archive.holds.place({ tradingId: trade.tradingId, caseReference: 'FCA-2026-0142', reason: 'FCA information request 2026/142' });
    expect(hold).toMatchObject({
      tradingId: trade.tradingId,
      caseReference: 'FCA-2026-0142',
      state: 'active',
      complete: true,
      placedBy: { name: 'Olivia Adler', genesysUserId: OFFICER_A_ID },
      objects: { held: 2 * recordings.length, failed: 0 },
      conversations: { total: 2, protected: 2, capReached: 0, failed: 0 },
    });
    const stored = await versions(trade.tradingId);
    expect(stored).toHaveLength(2 * recordings.length);
    for (const v of stored) expect(await legalHold(v)).toBe('ON');
    expect(await protectedInGenesys(trade.conversations.map((c) => c.id))).toEqual(trade.conversations.map((c) => c.id).sort());

    const event = (await auditEvents()).find((e) => e.eventId === hold.auditEventIds[0]);
    expect(event).toMatchObject({ action: 'hold', tradingId: trade.tradingId, caseReference: 'FCA-2026-0142', details: { holdId: hold.id, stage: 'placed' } });
    expect(await h.composed.archive.holds.list()).toEqual([expect.objectContaining({ id: hold.id })]);
  });

  it('refuses a hold on an unknown trade with a clear error, writing nothing', async () => {
    const before = (await auditEvents()).length;
    const error = await h.composed.archive.holds.place({ tradingId: 'T-00000000-9999', caseReference: 'FCA-2026-0142', reason: 'typo check' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'NOT_FOUND' });
    expect((error as Error).message).toMatch(/Unknown trade "T-00000000-9999"/);
    expect((await auditEvents()).length).toBe(before);
    expect(await h.composed.archive.holds.list(true)).toHaveLength(1);
  });

  it('needs a second signed-in officer to release (four-eyes, across workstations); a second hold on the trade keeps its locks', async () => {
    const other = await h.composed.archive.holds.place({ tradingId: trade.tradingId, caseReference: 'INT-2026-007', reason: 'internal investigation' });
    expect(other.objects.held).toBe(hold.objects.held);

    const requested = await h.composed.archive.holds.requestRelease(hold.id, 'FCA closed the request');
    expect(requested).toMatchObject({ state: 'release-requested', releaseRequest: { by: { name: 'Olivia Adler', genesysUserId: OFFICER_A_ID }, reason: 'FCA closed the request' } });
    const requestId = requested.releaseRequest!.requestId!;
    const same = await h.composed.archive.holds.approveRelease(hold.id).catch((e: unknown) => e);
    expect(same).toMatchObject({ code: 'APPROVAL_REQUIRED' });
    expect((same as Error).message).toMatch(/Four-eyes rule: Olivia Adler requested the release of hold .* and cannot also approve it/);
    // Signed in as A on another workstation, she still cannot.
    await expect(deskA2.composed.approvals.approve(requestId)).rejects.toMatchObject({ code: 'APPROVAL_REQUIRED' });

    // B approves on her own workstation, which reads the request from the audit bucket; it does not record the hold.
    const approved = await deskB.composed.approvals.approve(requestId);
    expect(approved.approval.approvedBy).toMatchObject({ genesysUserId: OFFICER_B_ID, name: 'Oscar Brandt' });
    expect(await deskB.composed.archive.holds.completeReleaseIfHere(approved.request)).toBeNull();
    for (const v of await versions(trade.tradingId)) expect(await legalHold(v)).toBe('ON');

    // A's next step finds the approval in the bucket and runs the release.
    const released = await h.composed.archive.holds.completeRelease(hold.id);
    expect(released).toMatchObject({ state: 'released', released: { by: { name: 'Oscar Brandt', genesysUserId: OFFICER_B_ID } }, objects: { kept: hold.objects.held, released: 0 } });
    // The internal hold still protects everything.
    for (const v of await versions(trade.tradingId)) expect(await legalHold(v)).toBe('ON');
    expect(await protectedInGenesys(trade.conversations.map((c) => c.id))).toHaveLength(2);

    // At a shared desk: A requests, then B signs in there and approves; the release runs at once.
    const secondRequest = (await h.composed.archive.holds.requestRelease(other.id, 'investigation closed')).releaseRequest!.requestId!;
    await signInAtDeskA(OFFICER_B_LOGIN);
    try {
      const done = await h.composed.archive.holds.approveRelease(other.id);
      expect(done).toMatchObject({ state: 'released', objects: { released: hold.objects.held } });
    } finally {
      await signInAtDeskA(OFFICER_A_LOGIN);
    }
    for (const v of await versions(trade.tradingId)) expect(await legalHold(v)).toBe('OFF');
    expect(await protectedInGenesys(trade.conversations.map((c) => c.id))).toEqual([]);

    const releases = (await auditEvents()).filter((e) => e.action === 'release').map((e) => e.details);
    expect(releases).toEqual([
      expect.objectContaining({ holdId: hold.id, stage: 'executed', requestId, requestedBy: { genesysUserId: OFFICER_A_ID, name: 'Olivia Adler' }, approvedBy: { genesysUserId: OFFICER_B_ID, name: 'Oscar Brandt' } }),
      expect.objectContaining({ holdId: other.id, stage: 'executed', requestId: secondRequest, approvedBy: { genesysUserId: OFFICER_B_ID, name: 'Oscar Brandt' } }),
    ]);
    const approvals = (await auditEvents()).filter((e) => e.action === 'approval').map((e) => [e.details.stage, e.details.requestId]);
    expect(approvals).toEqual([
      ['requested', requestId],
      ['requested', secondRequest],
      ['approved', secondRequest],
    ]);
  });

  it('objects archived while a hold is open are held at upload and released with it', async () => {
    const fresh = twoCallTrade(new Set([trade.tradingId]));
    await h.composed.engine.search({ tradingId: fresh.tradingId }, { caseReference: null });
    const placed = await h.composed.archive.holds.place({ tradingId: fresh.tradingId, caseReference: 'FCA-2026-0200', reason: 'before archiving' });
    expect(placed.objects.held).toBe(0);
    expect(placed.notes.join(' ')).toMatch(/No archived copy yet/);

    await archive(fresh.conversations);
    const held = await versions(fresh.tradingId);
    expect(held).toHaveLength(2 * fresh.conversations.flatMap((c) => c.recordings).length);
    for (const v of held) expect(await legalHold(v)).toBe('ON');
    expect((await h.composed.archive.holds.get(placed.id)).objects.held).toBe(held.length);
    await expect(h.s3.send(new DeleteObjectCommand({ Bucket: h.archiveBucket, Key: held[0]!.key, VersionId: held[0]!.versionId }))).rejects.toMatchObject({ name: 'AccessDenied' });

    const { releaseRequest } = await h.composed.archive.holds.requestRelease(placed.id, 'done');
    await deskB.composed.approvals.approve(releaseRequest!.requestId!);
    expect(await h.composed.archive.holds.completeRelease(placed.id)).toMatchObject({ state: 'released', objects: { released: held.length } });
    for (const v of held) expect(await legalHold(v)).toBe('OFF');
  });

  it('works from the command line as the signed-in officer: place, list, request, refused self-approval, complete after another officer approved', async () => {
    const cli = await shareProfileWithCli(h, { through: 'cli' });
    try {
      const placed = await cli.run(['hold', 'place', '--trading-id', trade.tradingId, '--case', 'SEC-2026-0001', '--reason', 'SEC subpoena', '--json']);
      expect(placed.code, placed.stderr).toBe(0);
      const view = JSON.parse(placed.stdout) as HoldView;
      expect(view).toMatchObject({ state: 'active', complete: true, caseReference: 'SEC-2026-0001', placedBy: { name: 'Olivia Adler' } });

      const list = await cli.run(['hold', 'list']);
      expect(list.code).toBe(0);
      expect(list.stdout).toContain(view.id);
      expect(list.stdout).toContain('SEC-2026-0001');

      const request = await cli.run(['hold', 'release', '--trading-id', trade.tradingId, '--reason', 'subpoena withdrawn']);
      expect(request.code, request.stderr).toBe(0);
      const requestId = /\(request ([0-9a-f-]{36})\)/.exec(request.stdout)?.[1];
      expect(request.stdout).toContain('release requested by Olivia Adler');
      expect(requestId).toBeDefined();
      const removed = await cli.run(['hold', 'release', '--hold', view.id, '--approve', '--operator', 'Bob Reviewer']);
      expect(removed.code).toBe(1);
      expect(removed.stderr).toMatch(/Unknown option '--operator'/);
      for (const self of [['hold', 'release', '--hold', view.id, '--approve'], ['approvals', 'approve', requestId!]]) {
        const refused = await cli.run(self);
        expect(refused.code).toBe(1);
        expect(refused.stderr).toMatch(/Four-eyes rule: Olivia Adler requested/);
      }
      const early = await cli.run(['hold', 'release', '--hold', view.id, '--complete']);
      expect(early.code).toBe(1);
      expect(early.stderr).toMatch(/is not approved yet/);
      const pending = await cli.run(['approvals', 'list', '--json']);
      expect(JSON.parse(pending.stdout)).toMatchObject({ requests: expect.arrayContaining([expect.objectContaining({ status: 'pending', request: expect.objectContaining({ requestId }) })]) });

      await deskB.composed.approvals.approve(requestId!);
      const shown = await cli.run(['approvals', 'show', requestId!]);
      expect(shown.code, shown.stderr).toBe(0);
      expect(shown.stdout).toMatch(/approved by Oscar Brandt <officer\.b@sandbox\.custody\.test> \(Genesys user 0ff1ce00-0000-4000-8000-00000000000b\)/);
      const complete = await cli.run(['hold', 'release', '--hold', view.id, '--complete', '--json']);
      expect(complete.code, complete.stderr).toBe(0);
      expect(JSON.parse(complete.stdout)).toMatchObject({ state: 'released', released: { by: { name: 'Oscar Brandt', genesysUserId: OFFICER_B_ID } } });

      const unknown = await cli.run(['hold', 'place', '--trading-id', 'NO-SUCH-TRADE', '--case', 'SEC-2026-0001', '--reason', 'x y z']);
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toMatch(/Unknown trade "NO-SUCH-TRADE"/);
    } finally {
      await cli.dispose();
    }
  });
});

describe('Genesys deletion protection cap', () => {
  let capped: Harness;
  beforeAll(async () => {
    capped = await startHarness({ worm: inject('worm').connection, sandbox: { deletionProtectionCap: 1 } });
  });
  afterAll(async () => capped?.close());

  it('records conversations Genesys refuses over its cap, says the archive hold still protects them, and stays usable', async () => {
    const byTrade = new Map<string, Array<SeedConversation>>();
    for (const c of capped.sandbox.dataset.conversations) if (c.tradingId) byTrade.set(c.tradingId, [...(byTrade.get(c.tradingId) ?? []), c]);
    const [tradingId] = [...byTrade].find(([, calls]) => calls.length >= 2 && calls.every((c) => Date.parse(c.startTime) > Date.now() - 25 * 86_400_000))!;
    await capped.composed.engine.search({ tradingId }, { caseReference: null });
    const hold = await capped.composed.archive.holds.place({ tradingId, caseReference: 'FCA-2026-0300', reason: 'cap test' });
    expect(hold.conversations.protected).toBe(1);
    expect(hold.conversations.capReached).toBe(hold.conversations.total - 1);
    expect(hold.notes.join(' ')).toMatch(/over Genesys's deletion-protection cap; only the archive's legal hold protects them/);
    expect(hold.state).toBe('active');
  });
});
