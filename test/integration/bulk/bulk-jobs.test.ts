import { DeleteBucketPolicyCommand, PutBucketPolicyCommand } from '@aws-sdk/client-s3';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { SANDBOX_CLIENT, type FaultName } from '../../sandbox/server';
import { createKeyringSecretStore } from '../../../electron/services/auth/adapters/keyring-secret-store';
import { composeEngine } from '../../../electron/services/composition/compose-engine';
import { startHarness, TEST_ANCHOR, type Harness } from '../../helpers/engine-harness';
import { auditedDownloads, auditEvents, filesUnder, partialsUnder, readManifest, recordingsInQueue, restoreInGenesys } from '../../helpers/bulk';

const DAY = 86_400_000;
let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const window = (days: number) => ({ from: new Date(TEST_ANCHOR.getTime() - days * DAY).toISOString(), to: TEST_ANCHOR.toISOString() });

async function queueJob(harness: Harness, options: { days: number; api?: 'auto' | 'batch' | 'per-conversation'; concurrency?: number; queue?: string; unattended?: boolean }) {
  const { from, to } = window(options.days);
  const outDir = join(harness.root, 'out');
  const queue = options.queue ?? 'FX Spot Desk';
  const { job } = await harness.composed.jobs.create({
    selection: { kind: 'queue', queue, from, to },
    caseReference: 'FCA-2026-0042',
    outDir,
    api: options.api ?? 'per-conversation',
    ...(options.concurrency ? { concurrency: options.concurrency } : {}),
    ...(options.unattended ? { unattended: true } : {}),
  });
  return { job, outDir, expected: recordingsInQueue(harness.sandbox, queue, Date.parse(from), Date.parse(to)) };
}

/** Every expected recording is on disk exactly once, matching the manifest, with no temporary file left. */
async function expectComplete(outDir: string, recordingIds: ReadonlyArray<string>) {
  const files = await filesUnder(outDir);
  const manifest = await readManifest(outDir);
  expect(manifest.files.map((f) => f.recordingId).sort()).toEqual([...recordingIds].sort());
  expect(files.size).toBe(recordingIds.length);
  for (const f of manifest.files) expect(files.get(f.file), f.file).toBe(f.sha256);
  expect(await partialsUnder(outDir)).toEqual([]);
  return manifest;
}

describe('bulk retrieval jobs', () => {
  it('retrieves every recording of a queue and date range, each audited with the job id and case, verified, with a manifest', async () => {
    h = await startHarness({ worm: inject('worm').connection, sandbox: { recordings: 40, days: 20, archivedFraction: 0 } });
    const { job, outDir, expected } = await queueJob(h, { days: 20 });
    expect(await h.composed.jobs.run(job.id)).toEqual({ state: 'done', message: null });
    expect((await h.composed.jobs.detail(job.id)).counts).toMatchObject({ total: expected.length, done: expected.length, failed: 0, archived: 0 });
    const manifest = await expectComplete(outDir, expected.map((r) => r.id));
    const events = await auditEvents(h);
    const downloads = events.filter((e) => e.action === 'download');
    const recorded = auditedDownloads(events);
    expect(recorded.map((d) => d.recordingId).sort()).toEqual(expected.map((r) => r.id).sort());
    for (const e of downloads) expect(e).toMatchObject({ caseReference: 'FCA-2026-0042', details: { jobId: job.id } });
    expect(new Set(manifest.files.map((f) => f.auditEventId))).toEqual(new Set(downloads.map((e) => e.eventId)));
    // Each file names the event that lists its recording; a batch of recordings shares one event.
    const eventOf = new Map(recorded.map((d) => [d.recordingId, d.eventId]));
    for (const f of manifest.files) expect(f.auditEventId, f.recordingId).toBe(eventOf.get(f.recordingId));
    // The lookup that chose the recordings is audited too, before them.
    const lookup = events.find((e) => e.action === 'search' && e.details.jobId === job.id)!;
    expect(lookup.seq).toBeLessThan(Math.min(...downloads.map((e) => e.seq)));
  });

  it('uses the batch download API for many conversations: a few calls instead of one per conversation', async () => {
    h = await startHarness({ worm: inject('worm').connection, sandbox: { recordings: 60, days: 20, archivedFraction: 0, batchDelayMs: 200 } });
    const { job, outDir, expected } = await queueJob(h, { days: 20, api: 'auto' });
    h.sandbox.resetStats();
    expect((await h.composed.jobs.run(job.id)).state).toBe('done');
    const manifest = await expectComplete(outDir, expected.map((r) => r.id));
    expect(new Set(manifest.files.map((f) => f.source))).toEqual(new Set(['batch']));
    const stats = h.sandbox.stats();
    expect(stats.byEndpoint['POST /api/v2/recording/batchrequests']).toBe(1);
    expect(stats.byEndpoint['GET /api/v2/conversations/{conversationId}/recordings'] ?? 0).toBe(0);
    expect(stats.requests.api).toBeLessThan(expected.length / 3);
    // The batch's recordings are audited a batch at a time: each event lists several, each recording is listed once.
    const downloads = (await auditEvents(h)).filter((e) => e.action === 'download');
    expect(downloads.length).toBeLessThan(expected.length / 4);
    expect(auditedDownloads(downloads).map((d) => d.recordingId).sort()).toEqual(expected.map((r) => r.id).sort());
  });

  it('marks archived recordings as needing a restore, finishes with failures, and retrieves them once restored', async () => {
    h = await startHarness({ worm: inject('worm').connection, sandbox: { recordings: 40, days: 30, archivedFraction: 0.3, restoreDelayMs: 0 } });
    const { job, outDir, expected } = await queueJob(h, { days: 30, api: 'batch' });
    const archived = expected.filter((r) => r.fileState === 'ARCHIVED');
    expect(archived.length).toBeGreaterThan(0);
    const first = await h.composed.jobs.run(job.id);
    expect(first.state).toBe('done-with-failures');
    const detail = await h.composed.jobs.detail(job.id);
    expect(detail.counts).toMatchObject({ archived: archived.length, failed: 0, done: expected.length - archived.length });
    expect(detail.failures.map((f) => [f.recordingId, f.state])).toEqual(expect.arrayContaining(archived.map((r) => [r.id, 'archived'])));
    expect(detail.failures[0]!.reason).toMatch(/Archived in Genesys: restore it/);
    expect((await readManifest(outDir)).notRetrieved.map((n) => n.recordingId).sort()).toEqual(archived.map((r) => r.id).sort());

    for (const r of archived) await restoreInGenesys(h.sandbox, r.conversationId, r.id);
    expect((await h.composed.jobs.run(job.id)).state).toBe('done');
    await expectComplete(outDir, expected.map((r) => r.id));
  });

  it('keeps secrets, tokens and signed media links out of SQLite, the logs, the manifests and the progress events', async () => {
    h = await startHarness({ worm: inject('worm').connection, sandbox: { recordings: 30, days: 10, archivedFraction: 0, tokenTtlSeconds: 2, batchDelayMs: 50 } });
    const { job, outDir } = await queueJob(h, { days: 10, api: 'batch', concurrency: 1 });
    const events: Array<string> = [];
    const unsubscribe = h.composed.events.subscribe((event) => events.push(JSON.stringify(event)));
    expect((await h.composed.jobs.run(job.id)).state).toBe('done');
    unsubscribe();
    await h.composed.close();
    const tokens = h.sandbox.issuedTokens();
    expect(tokens.length).toBeGreaterThanOrEqual(2);
    const secrets = [SANDBOX_CLIENT.clientSecret, h.worm.secretAccessKey, ...tokens, `${h.sandbox.url}/media/`];
    const files = (await readdir(h.root, { recursive: true, withFileTypes: true }))
      .filter((e) => e.isFile() && !e.name.endsWith('.wav'))
      .map((e) => join(e.parentPath, e.name));
    expect(files.some((f) => f.endsWith('index.sqlite'))).toBe(true);
    expect(files).toContain(join(outDir, 'manifest.json'));
    const haystacks: Array<[string, string]> = [
      ...(await Promise.all(files.map(async (f) => [f, (await readFile(f)).toString('latin1')] as [string, string]))),
      ['progress events', events.join('\n')],
    ];
    for (const [where, text] of haystacks) for (const secret of secrets) expect(text.includes(secret), `a secret appears in ${where}`).toBe(false);
  });

  const faults: Array<[FaultName, number]> = [
    ['http5xx', 0.2],
    ['reset', 0.15],
    ['slow', 0.3],
    ['truncate', 0.2],
    ['malformedJson', 0.2],
    ['expiredMedia', 0.25],
    ['tokenExpiry', 0.3],
  ];
  it.each(faults)('completes without loss or duplicates under the "%s" fault', async (fault, rate) => {
    h = await startHarness({ worm: inject('worm').connection, sandbox: { recordings: 30, days: 10, archivedFraction: 0, slowFaultMs: { minMs: 100, maxMs: 400 }, rateLimitPerMinute: 6000 } });
    const { job, outDir, expected } = await queueJob(h, { days: 10, concurrency: 4 });
    h.sandbox.setFaults({ [fault]: rate });
    expect(await h.composed.jobs.run(job.id)).toEqual({ state: 'done', message: null });
    expect(h.sandbox.stats().faultsInjected[fault]).toBeGreaterThan(0);
    await expectComplete(outDir, expected.map((r) => r.id));
  });

  it('fails recordings whose API answers stay malformed, naming the endpoint, and retrieves them on resume once the answers are sound', async () => {
    h = await startHarness({ worm: inject('worm').connection, sandbox: { recordings: 30, days: 10, archivedFraction: 0, rateLimitPerMinute: 100_000 } });
    const { job, expected } = await queueJob(h, { days: 10 });
    // Its own engine on the same profile, with jitter drawn as 0 so that retries do not wait.
    const impatient = await composeEngine({ profile: h.profile, env: h.env, secrets: createKeyringSecretStore('custody-test'), mediaUrlBase: 'media://recording/', random: () => 0 });
    try {
      h.sandbox.setFaults({ malformedJson: 1 });
      const outcome = await impatient.jobs.run(job.id);
      expect(outcome.state).toBe('done-with-failures');
      const detail = await impatient.jobs.detail(job.id);
      expect(detail.counts).toMatchObject({ failed: detail.counts.total, done: 0 });
      expect(detail.counts.total).toBeGreaterThanOrEqual(new Set(expected.map((r) => r.conversationId)).size);
      for (const failure of detail.failures) {
        expect(failure.reason).toBe('Malformed response from GET /api/v2/conversations/{conversationId}/recordings: the body is not valid JSON');
      }
      h.sandbox.setFaults({});
      expect((await impatient.jobs.run(job.id)).state).toBe('done');
    } finally {
      await impatient.close();
    }
  });

  it('outlives its tokens and its media links: new tokens ahead of expiry, new links when old ones expire', async () => {
    h = await startHarness({
      worm: inject('worm').connection,
      sandbox: { recordings: 30, days: 10, archivedFraction: 0, tokenTtlSeconds: 2, batchUrlTtlMinutes: 0.002, batchDelayMs: 50 },
    });
    const { job, outDir, expected } = await queueJob(h, { days: 10, api: 'batch', concurrency: 1 });
    h.sandbox.resetStats();
    expect(await h.composed.jobs.run(job.id)).toEqual({ state: 'done', message: null });
    const stats = h.sandbox.stats();
    expect(stats.tokensIssued).toBeGreaterThanOrEqual(2);
    // Batch result links (120 ms) expired while waiting in the download queue: 403, then a fresh link per conversation.
    expect(stats.byStatus['403']).toBeGreaterThan(0);
    expect(stats.byStatus['401'] ?? 0).toBe(0);
    const manifest = await expectComplete(outDir, expected.map((r) => r.id));
    expect(new Set(manifest.files.map((f) => f.source))).toContain('per-conversation');
  });

  it('blocks an unattended job, not fails it, when the OAuth client is revoked mid-job, and resumes once it works again', async () => {
    h = await startHarness({ worm: inject('worm').connection, sandbox: { recordings: 30, days: 10, archivedFraction: 0, transcodeFraction: 0 } });
    // Unattended: under the service account (an officer's job would not notice the client's revocation).
    const { job, outDir, expected } = await queueJob(h, { days: 10, concurrency: 1, unattended: true });
    expect(job.runAs).toMatchObject({ kind: 'service', scheduledBy: { name: 'Olivia Adler' } });
    const unsubscribe = h.composed.events.subscribe((event) => {
      if (event.kind === 'job.progress' && event.progress.counts.done >= 2) h!.sandbox.revokeClient(SANDBOX_CLIENT.clientId);
    });
    const blocked = await h.composed.jobs.run(job.id);
    unsubscribe();
    expect(blocked.state).toBe('blocked');
    expect(blocked.message).toMatch(/Genesys access is blocked: .*revoked.*not failed.*custody login.*resume/s);
    const detail = await h.composed.jobs.detail(job.id);
    expect(detail.state).toBe('blocked');
    expect(detail.counts.failed).toBe(0);
    expect(detail.counts.done).toBeGreaterThanOrEqual(2);
    expect(detail.counts.done).toBeLessThan(expected.length);
    h.sandbox.restoreClient(SANDBOX_CLIENT.clientId);
    expect((await h.composed.jobs.run(job.id)).state).toBe('done');
    await expectComplete(outDir, expected.map((r) => r.id));
  });

  it('pauses with a clear message when the WORM audit log refuses writes, and writes nothing unaudited', async () => {
    h = await startHarness({ worm: inject('worm').connection, sandbox: { recordings: 20, days: 10, archivedFraction: 0 } });
    const { job, outDir, expected } = await queueJob(h, { days: 10 });
    const deny = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Deny', Principal: '*', Action: ['s3:PutObject'], Resource: [`arn:aws:s3:::${h.bucket}/*`] }],
    };
    await h.s3.send(new PutBucketPolicyCommand({ Bucket: h.bucket, Policy: JSON.stringify(deny) }));
    const paused = await h.composed.jobs.run(job.id);
    expect(paused.state).toBe('paused');
    expect(paused.message).toMatch(/The WORM audit log is unavailable .*Nothing was written/);
    expect((await filesUnder(outDir)).size).toBe(0);
    expect((await h.composed.jobs.detail(job.id)).counts).toMatchObject({ done: 0, failed: 0 });
    await h.s3.send(new DeleteBucketPolicyCommand({ Bucket: h.bucket }));
    expect((await h.composed.jobs.run(job.id)).state).toBe('done');
    await expectComplete(outDir, expected.map((r) => r.id));
  });
});
