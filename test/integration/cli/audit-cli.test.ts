import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteObjectCommand, ListObjectVersionsCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { auditEventKey } from '../../../electron/services/audit/layout';
import { createKeyringSecretStore } from '../../../electron/services/auth/adapters/keyring-secret-store';
import { CredentialVault } from '../../../electron/services/auth/credentials';
import { composeEngine } from '../../../electron/services/composition/compose-engine';
import { profilePaths, updateProfile } from '../../../electron/services/config/profile';
import { SecretRedactor } from '../../../electron/services/logging/redactor';
import { createWormS3Client } from '../../../electron/services/worm/s3-client';
import type { AuditTrailPage, AuditVerification } from '../../../shared/audit-views';
import { runCli } from '../../helpers/run-cli';
import { createTestBucket } from '../../helpers/worm';
import { officerActor } from '../../helpers/audit-actors';
import { OFFICER_B } from '../../fakes/officer-session';

const { connection } = inject('worm');
const profile = `cli-${randomBytes(3).toString('hex')}`;
const secrets = createKeyringSecretStore();
let root: string;
let env: NodeJS.ProcessEnv;
let s3: S3Client;
let bucket: string;
let logId: string;

const cli = (...args: Array<string>) => runCli([...args, '--profile', profile], { env, timeoutMs: 60_000 });

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'custody-audit-cli-'));
  env = { CUSTODY_CONFIG_DIR: join(root, 'config'), CUSTODY_DATA_DIR: join(root, 'data') };
  s3 = createWormS3Client(connection);
  bucket = await createTestBucket(s3, 'audit-cli', { mode: 'GOVERNANCE', defaultRetentionDays: 1 });
  await new CredentialVault(secrets, profile, new SecretRedactor()).saveWorm({ accessKeyId: connection.accessKeyId, secretAccessKey: connection.secretAccessKey });
  const saved = await updateProfile(profilePaths(profile, { ...process.env, ...env }).profileFile, (p) => ({
    ...p,
    worm: { endpoint: connection.endpoint, region: connection.region, auditBucket: bucket, mode: 'GOVERNANCE', auditRetentionDays: 1 },
    audit: { ...p.audit, checkpoint: { everyEvents: 3, everyMinutes: 10 } },
  }));
  logId = saved.logId;
  // Accesses as the app would record them.
  const composed = await composeEngine({ profile, env: { ...process.env, ...env }, mediaUrlBase: 'media://recording/' });
  const trail = await composed.audit.log();
  await trail.writer.append({ action: 'search', tradingId: 'T-1001', details: { query: { tradingId: 'T-1001' } } }, await officerActor());
  await trail.writer.append({ action: 'preview', conversationId: 'conv-1', recordingId: 'rec-1', tradingId: 'T-1001' }, await officerActor());
  await trail.writer.append({ action: 'play', conversationId: 'conv-1', recordingId: 'rec-1', tradingId: 'T-1001', caseReference: 'FCA-2026-0042', details: { startOffsetMs: 0 } }, await officerActor());
  // Officer B seeks (another officer on the same workstation): each event names who was signed in.
  await trail.writer.append({ action: 'seek', conversationId: 'conv-1', recordingId: 'rec-1', tradingId: 'T-1001', caseReference: 'FCA-2026-0042', details: { positionMs: 83_000 } }, await officerActor(OFFICER_B));
  await trail.writer.append({ action: 'download', conversationId: 'conv-2', recordingId: 'rec-2', tradingId: 'T-2002', caseReference: 'SEC-17A4-7', details: { destination: 'out' } }, await officerActor());
  await composed.close();
});
afterAll(async () => {
  for (const kind of ['worm', 'signing-key']) await secrets.delete(`${profile}/${kind}`);
  s3?.destroy();
  await rm(root, { recursive: true, force: true });
});

describe('custody audit', () => {
  it('show: who accessed what, when, from where and why, filtered like the UI', async () => {
    const all = await cli('audit', 'show');
    expect(all.code, all.stderr).toBe(0);
    expect(all.stdout).toMatch(/time \(UTC\)\s+operator\s+workstation\s+action\s+trading id\s+recording\s+case\s+detail\s+alerts/);
    expect(all.stdout).toMatch(/Oscar Brandt <officer\.b@sandbox\.custody\.test> \(Genesys 0ff1ce00-0000-4000-8000-00000000000b\) \(\S+\) .* seek\s+T-1001\s+rec-1\s+FCA-2026-0042\s+to 1:23/);
    expect(all.stdout).toMatch(/Olivia Adler <officer\.a@sandbox\.custody\.test> \(Genesys 0ff1ce00-0000-4000-8000-00000000000a\) \(\S+\) .* play\s+T-1001/);
    const byOfficer = JSON.parse((await cli('audit', 'show', '--operator', OFFICER_B.genesysUserId, '--json')).stdout) as AuditTrailPage;
    expect(byOfficer.entries.map((e) => [e.action, e.operator.email])).toEqual([['seek', OFFICER_B.email]]);
    expect(all.stdout).toMatch(/5 of 5 event\(s\), newest first; log verified up to tree size 3/);

    const byCase = await cli('audit', 'show', '--case', 'fca-2026-0042', '--json');
    const page = JSON.parse(byCase.stdout) as AuditTrailPage;
    expect(page.entries.map((e) => [e.action, e.summary])).toEqual([
      ['seek', 'to 1:23'],
      ['play', 'from 0:00'],
    ]);
    const byTrade = JSON.parse((await cli('audit', 'show', '--trading-id', 'T-2002', '--json')).stdout) as AuditTrailPage;
    expect(byTrade.entries.map((e) => e.action)).toEqual(['download']);

    const bad = await cli('audit', 'show', '--action', 'delete');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/action: Invalid option/);
  });

  it('key: prints the public key, published in the bucket, and verify accepts it pinned', async () => {
    const run = await cli('audit', 'key');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`published at s3://${bucket}/audit/v1/${logId}/keys/[0-9a-f]{64}\\.pem`));
    expect(run.stdout).toContain('-----BEGIN PUBLIC KEY-----');
    const pem = run.stdout.slice(run.stdout.indexOf('-----BEGIN PUBLIC KEY-----'));
    const file = join(root, 'custody-audit.pem');
    await writeFile(file, pem);
    const pinned = await cli('audit', 'verify', '--key', file, '--json');
    expect(pinned.code, pinned.stderr).toBe(0);
    expect((JSON.parse(pinned.stdout) as AuditVerification).keys).toEqual([{ keyId: expect.stringMatching(/^[0-9a-f]{64}$/), source: 'pinned' }]);
    await writeFile(file, 'not a key');
    const wrong = await cli('audit', 'verify', '--key', file);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/not a PEM public key/);
  });

  it('checkpoint, verify and status on an intact log; verify exits 2 naming the first bad event once one is removed', async () => {
    const checkpoint = await cli('audit', 'checkpoint');
    expect(checkpoint.code, checkpoint.stderr).toBe(0);
    expect(checkpoint.stdout).toMatch(/checkpoint at tree size 5: root [0-9a-f]{64}/);

    const intact = await cli('audit', 'verify');
    expect(intact.code, intact.stderr).toBe(0);
    expect(intact.stdout).toMatch(/VERIFIED up to tree size 5/);
    expect((await cli('audit', 'status')).stdout).toMatch(/integrity\s+OK: /);

    const key = auditEventKey(logId, 1);
    const listing = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: key }));
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key, VersionId: listing.Versions![0]!.VersionId!, BypassGovernanceRetention: true }));
    const broken = await cli('audit', 'verify');
    expect(broken.code).toBe(2);
    expect(broken.stdout).toMatch(/FAILED \(first bad event: 1\): event 1 is missing/);
    const json = JSON.parse((await cli('audit', 'verify', '--json')).stdout) as AuditVerification;
    expect(json).toMatchObject({ ok: false, firstBad: { kind: 'missing-event', seq: 1 } });
    const status = await cli('audit', 'status');
    expect(status.code).toBe(2);
    expect(status.stdout).toMatch(/integrity\s+FAILED: verification failed: event 1 is missing/);
  });
});
