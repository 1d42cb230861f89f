import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { FirmVerification } from '../../../shared/audit-views';
import { auditEventKey } from '../../../electron/services/audit/layout';
import { createKeyringSecretStore } from '../../../electron/services/auth/adapters/keyring-secret-store';
import { composeProfileSettings } from '../../../electron/services/composition/compose-settings';
import { shareProfileWithCli } from '../../helpers/cli-profile';
import { startHarness, uniqueTradingCall, type Harness } from '../../helpers/engine-harness';
import { OFFICER_B_LOGIN } from '../../helpers/officer-signin';
import { runCli } from '../../helpers/run-cli';

/** Two workstations of one firm on one store: A (officer A signed in) and B (officer B). */
let a: Harness;
let b: Harness;
beforeAll(async () => {
  const worm = inject('worm').connection;
  a = await startHarness({ worm });
  b = await startHarness({ worm, sameStoreAs: a, officer: OFFICER_B_LOGIN });
});
afterAll(async () => {
  await b?.close();
  await a?.close();
});

describe('every workstation\'s log, read and verified together', () => {
  it('B\'s trail shows A\'s accesses after catching up, filters across logs, and a second read reads nothing old', async () => {
    const call = uniqueTradingCall(a.sandbox);
    const caseReference = `FIRM-${randomBytes(3).toString('hex')}`;
    await a.composed.engine.search({ tradingId: call.tradingId }, { caseReference });
    a.composed.session.setCaseReference(caseReference);
    const played = await a.composed.engine.authorizePlayback(call.recording.id, caseReference, 0);
    const aLog = await a.composed.audit.log();
    await aLog.drain();
    await aLog.checkpointer.checkpointNow();
    await b.composed.engine.search({ queue: 'FX' }, { caseReference: null });
    const bLog = await b.composed.audit.log();
    await bLog.drain();
    await bLog.flush();
    expect(aLog.logId).not.toBe(bLog.logId);

    const requests: Array<string> = [];
    bLog.s3.middlewareStack.add(
      (next, context) => async (args) => {
        requests.push(context.commandName ?? 'unknown');
        return next(args);
      },
      { step: 'initialize', name: 'countFirmTrailRequests' },
    );
    const trail = await b.composed.audit.firmTrail();
    const page = await trail.list({ tradingId: call.tradingId });
    expect(page.entries.map((e) => [e.action, e.logId, e.operator.email])).toEqual([
      ['play', aLog.logId, 'officer.a@sandbox.custody.test'],
      ['search', aLog.logId, 'officer.a@sandbox.custody.test'],
    ]);
    expect(page.entries[0]).toMatchObject({ eventId: played.auditEventId, recordingId: call.recording.id, caseReference });
    expect(page.logs).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ logId: bLog.logId, own: true, events: 1 }),
        expect.objectContaining({ logId: aLog.logId, own: false, events: 2, workstation: expect.any(String) }),
      ]),
    );
    // A's events were read from the bucket: one GET each at most, besides the listings (B's witness, run after its
    // sync, may have read them already).
    expect(requests.filter((r) => r === 'GetObjectCommand').length).toBeLessThanOrEqual(2);

    // Filters across both logs: by workstation (a log id), officer, case.
    expect((await trail.list({ workstation: bLog.logId })).entries.map((e) => [e.action, e.operator.email])).toEqual([['search', 'officer.b@sandbox.custody.test']]);
    expect((await trail.list({ operator: 'officer.a@' })).total).toBe(2);
    expect((await trail.list({ caseReference })).entries.map((e) => e.action)).toEqual(['play', 'search']);
    expect((await trail.list({})).total).toBe(3);

    // Incremental: reading again lists each log once from where its mirror ends and GETs nothing.
    requests.length = 0;
    await trail.list({});
    expect(requests.filter((r) => r === 'GetObjectCommand')).toEqual([]);
    expect(requests.filter((r) => r === 'ListObjectVersionsCommand')).toHaveLength(2);
    expect(requests.filter((r) => r === 'ListObjectsV2Command')).toHaveLength(1);
    expect(requests).toHaveLength(3);
  });

  it('audit verify --all verifies every log and names the first bad event of a tampered one without hiding the other', async () => {
    const trail = await b.composed.audit.firmTrail();
    const aLogId = a.composed.profile.logId;
    const bLogId = b.composed.profile.logId;
    const clean = await trail.verifyAll();
    expect(clean.ok).toBe(true);
    expect(clean.logs.map((l) => [l.logId, l.own, l.report?.ok, l.error])).toEqual(
      [
        [aLogId, false, true, null],
        [bLogId, true, true, null],
      ].sort((x, y) => String(x[0]).localeCompare(String(y[0]))),
    );
    expect(clean.logs.find((l) => l.logId === aLogId)?.report).toMatchObject({ events: { read: 2 }, checkpoints: { latest: { treeSize: 2 } }, verifiedUpTo: { treeSize: 2 } });

    // A second version of A's event 1 (Object Lock keeps the first; a rewrite is still evidence of tampering).
    const key = auditEventKey(aLogId, 1);
    await a.s3.send(new PutObjectCommand({ Bucket: a.bucket, Key: key, Body: '{"rewritten":true}', ContentType: 'application/json' }));
    const tampered = await trail.verifyAll();
    expect(tampered.ok).toBe(false);
    const aReport = tampered.logs.find((l) => l.logId === aLogId)!.report!;
    expect(aReport.ok).toBe(false);
    expect(aReport.firstBad).toMatchObject({ seq: 1, key });
    expect(tampered.logs.find((l) => l.logId === bLogId)?.report?.ok).toBe(true);
    // Each log's integrity is kept per log: A's is failed in B's trail, B's own is not.
    const { logs } = await trail.list({});
    expect(logs?.find((l) => l.logId === aLogId)?.integrity).toMatchObject({ state: 'failed', firstBad: { seq: 1 } });
    expect(logs?.find((l) => l.logId === bLogId)?.integrity.state).toBe('ok');
  });

  it('worm connect --from-profile makes a third installation on the same store, whose audit verify --all covers every log', async () => {
    const cli = await shareProfileWithCli(a, { officer: null });
    const c = `firm-c-${randomBytes(3).toString('hex')}`;
    const env = { CUSTODY_CONFIG_DIR: a.env.CUSTODY_CONFIG_DIR, CUSTODY_DATA_DIR: a.env.CUSTODY_DATA_DIR };
    try {
      const connect = await runCli(['--profile', c, 'worm', 'connect', '--from-profile', a.profile, '--json'], { env });
      expect(connect.code, connect.stderr).toBe(0);
      const connected = JSON.parse(connect.stdout) as { logId: string; newLog: boolean; auditBucket: string; archiveBucket: string };
      expect(connected).toMatchObject({ newLog: true, auditBucket: a.bucket, archiveBucket: a.archiveBucket });
      expect([a.composed.profile.logId, b.composed.profile.logId]).not.toContain(connected.logId);
      const settings = composeProfileSettings({ profile: c, env: { ...process.env, ...env } });
      expect((await settings.load()).worm).toMatchObject({ endpoint: a.worm.endpoint, auditBucket: a.bucket });
      expect(await settings.vault.loadWorm()).toEqual({ accessKeyId: a.worm.accessKeyId, secretAccessKey: a.worm.secretAccessKey });
      expect(await readFile(settings.paths.profileFile, 'utf8')).not.toContain(a.worm.secretAccessKey);
      expect(connect.stdout + connect.stderr).not.toContain(a.worm.secretAccessKey);

      const verify = await runCli(['--profile', c, 'audit', 'verify', '--all', '--json'], { env });
      expect(verify.code, verify.stderr).toBe(2);
      const report = JSON.parse(verify.stdout) as FirmVerification;
      expect(report.logs.map((l) => l.logId)).toEqual(expect.arrayContaining([a.composed.profile.logId, b.composed.profile.logId, connected.logId]));
      expect(report.logs.find((l) => l.logId === a.composed.profile.logId)?.report?.firstBad?.seq).toBe(1);
      expect(report.logs.filter((l) => l.report?.ok).map((l) => l.logId).sort()).toEqual([b.composed.profile.logId, connected.logId].sort());
    } finally {
      await cli.dispose();
      const secrets = createKeyringSecretStore();
      for (const entry of ['worm', 'index-key', 'cache-key', 'signing-key']) await secrets.delete(`${c}/${entry}`);
    }
  });
});
