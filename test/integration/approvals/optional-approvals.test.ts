import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ApprovalRequest } from '../../../shared/approvals';
import type { AuditEvent } from '../../../shared/domain';
import { shareProfileWithCli } from '../../helpers/cli-profile';
import { startHarness, TEST_ANCHOR, type Harness } from '../../helpers/engine-harness';
import { OFFICER_B_LOGIN } from '../../helpers/officer-signin';
import { readEventChain } from '../../helpers/read-event-chain';
import { startWorkstation } from '../../helpers/workstation';
import type { SeedConversation } from '../../sandbox/server';

const DAY = 86_400_000;
let h: Harness;
let deskB: Awaited<ReturnType<typeof startWorkstation>>;

beforeAll(async () => {
  h = await startHarness({
    worm: inject('worm').connection,
    profile: (p) => ({ ...p, approvals: { lifetimeHours: 24, requireForExport: true, restrictedQueues: ['Rates Desk'] } }),
  });
  deskB = await startWorkstation(h, OFFICER_B_LOGIN);
});
afterAll(async () => {
  await deskB?.close();
  await h?.close();
});

/** A call of `queue` on a trade discussed on that call alone, with one short available recording. */
function callIn(queue: string): SeedConversation & { tradingId: string } {
  const { conversations, queues } = h.sandbox.dataset;
  const queueId = queues.find((q) => q.name === queue)!.id;
  const calls = new Map<string, number>();
  for (const c of conversations) if (c.tradingId) calls.set(c.tradingId, (calls.get(c.tradingId) ?? 0) + 1);
  const call = conversations.find(
    (c) =>
      c.queueId === queueId &&
      c.tradingId !== null &&
      calls.get(c.tradingId) === 1 &&
      Date.parse(c.startTime) < TEST_ANCHOR.getTime() - DAY &&
      Date.parse(c.startTime) > TEST_ANCHOR.getTime() - 25 * DAY &&
      c.recordings.length === 1 &&
      c.recordings[0]!.fileState === 'AVAILABLE' &&
      c.recordings[0]!.durationMs < 120_000,
  );
  if (!call) throw new Error(`no suitable call in ${queue}`);
  return call as SeedConversation & { tradingId: string };
}

async function actions(): Promise<Array<AuditEvent['action']>> {
  const events: Array<AuditEvent> = [];
  for await (const event of readEventChain(h.s3, h.bucket, h.composed.profile.logId)) events.push(event);
  return events.map((e) => e.action);
}

describe('approvals a profile asks for: restricted queues and exports', () => {
  it('plays a call of a restricted queue only once another officer approved it; other queues need nothing', async () => {
    const { engine, session, approvals } = h.composed;
    const rates = callIn('Rates Desk');
    const fx = callIn('FX Spot Desk');
    for (const call of [rates, fx]) await engine.search({ tradingId: call.tradingId }, { caseReference: null });
    session.setCaseReference('FCA-2026-0500');

    const before = await actions();
    const refused = await engine.authorizePlayback(rates.recordings[0]!.id, session.caseReference).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'APPROVAL_REQUIRED' });
    expect((refused as Error).message).toContain(`custody approvals request restricted-play --conversation ${rates.id} --reason TEXT`);
    expect(await actions()).toEqual(before);
    await engine.authorizePlayback(fx.recordings[0]!.id, session.caseReference);

    const { request } = await approvals.request('restricted-play', { conversationId: rates.id }, 'surveillance alert 4411');
    await expect(engine.authorizePlayback(rates.recordings[0]!.id, session.caseReference)).rejects.toThrow(new RegExp(`Request ${request.requestId} is waiting for another officer`));
    await deskB.composed.approvals.approve(request.requestId);
    const grant = await engine.authorizePlayback(rates.recordings[0]!.id, session.caseReference);
    expect(grant.mediaUrl).toMatch(/\?grant=/);
  });

  it('builds a pack and starts a bulk retrieval only with an approved export of the case', async () => {
    const { packs, jobs } = h.composed;
    const fx = callIn('FX Spot Desk');
    const packRequest = { selection: { kind: 'tradingIds' as const, tradingIds: [fx.tradingId] }, caseReference: 'FCA-2026-0501', outPath: join(h.root, 'pack-approved') };
    const jobRequest = {
      selection: { kind: 'queue' as const, queue: 'FX Spot Desk', from: new Date(Date.parse(fx.startTime) - 1000).toISOString(), to: new Date(Date.parse(fx.startTime) + 1000).toISOString() },
      caseReference: 'FCA-2026-0501',
      outDir: join(h.root, 'bulk-approved'),
    };
    const before = await actions();
    for (const attempt of [() => packs.build(packRequest), () => jobs.create(jobRequest)]) {
      const refused = await attempt().catch((e: unknown) => e);
      expect(refused).toMatchObject({ code: 'APPROVAL_REQUIRED' });
      expect((refused as Error).message).toMatch(/Exports under case "FCA-2026-0501" need a second officer's approval.*custody approvals request export --case "FCA-2026-0501"/);
    }
    expect(await actions()).toEqual(before);

    // Requested through the command line, which signs officer A in on its own.
    const cli = await shareProfileWithCli(h);
    let requestId: string;
    try {
      const made = await cli.run(['approvals', 'request', 'export', '--case', 'FCA-2026-0501', '--reason', 'FCA information request 2026/501', '--json']);
      expect(made.code, made.stderr).toBe(0);
      const { request } = JSON.parse(made.stdout) as { request: ApprovalRequest };
      expect(request).toMatchObject({ kind: 'export', subject: { caseReference: 'FCA-2026-0501' }, requestedBy: { name: 'Olivia Adler' } });
      requestId = request.requestId;
      const self = await cli.run(['approvals', 'approve', requestId]);
      expect(self.code).toBe(1);
      expect(self.stderr).toMatch(/Four-eyes rule: Olivia Adler requested exports under case FCA-2026-0501/);
    } finally {
      await cli.dispose();
    }
    await deskB.composed.approvals.approve(requestId);
    const pack = await packs.build(packRequest);
    expect(pack).toMatchObject({ verified: true, recordings: 1 });
    const { job } = await jobs.create(jobRequest);
    expect(job.caseReference).toBe('FCA-2026-0501');
    // The approval covers its case only.
    await expect(packs.build({ ...packRequest, caseReference: 'FCA-2026-0502', outPath: join(h.root, 'pack-other') })).rejects.toMatchObject({ code: 'APPROVAL_REQUIRED' });
  });
});
