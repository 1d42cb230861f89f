import { sha256 } from '../../../electron/crypto/sha256';
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectVersionsCommand, type S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { auditEventKey } from '../../../electron/services/audit/layout';
import { auditCheckpointKey, auditPublicKeyKey, checkpointSignatureValid, leafHashOfStoredEvent, parseStoredCheckpoint, serializeCheckpoint, signCheckpoint, toHex } from '../../../electron/services/audit/layout';
import { putLockedObject } from '../../../electron/services/worm/locked-objects';
import { rootFromLeafHashes } from '../../../shared/crypto/merkle';
import type { AuditEvent } from '../../../shared/domain';
import { createTestAudit, memorySecretStore } from '../../helpers/audit-module';
import { useTestBucket } from '../../helpers/worm';
import { officerActor } from '../../helpers/audit-actors';
import { OFFICER_A, OFFICER_B } from '../../fakes/officer-session';

let s3: S3Client;
let bucket: string;
let dir: string;

useTestBucket('audit-trail', { mode: 'GOVERNANCE', defaultRetentionDays: 1 }, (fixture) => ({ s3, bucket, dir } = fixture));

async function text(key: string): Promise<string> {
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return (await object.Body?.transformToString('utf8')) ?? '';
}

async function keysUnder(prefix: string): Promise<Array<string>> {
  const listing = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: prefix }));
  return (listing.Versions ?? []).map((v) => v.Key!).sort();
}

/** The root anyone can compute from the bucket: RFC 9162 over the stored event objects. */
async function bucketRoot(logId: string, size: number): Promise<string> {
  const leaves = [];
  for (let seq = 0; seq < size; seq += 1) leaves.push(leafHashOfStoredEvent(await text(auditEventKey(logId, seq))));
  return toHex(rootFromLeafHashes(sha256, leaves));
}

describe('audit trail: the suite\'s clock', () => {
  // The suite also runs with CUSTODY_TEST_CLOCK_SHIFT_DAYS=365 (build/scripts/test.sh): it must pass on any day.
  it('starts from the real time, shifted as asked, so radosgw accepts every retention date it computes', async () => {
    const shiftMs = Number(process.env.CUSTODY_TEST_CLOCK_SHIFT_DAYS ?? 0) * 86_400_000;
    const t = createTestAudit({ s3, bucket, dir });
    expect(Math.abs(t.clock.now() - (Date.now() + shiftMs))).toBeLessThan(60_000);
    const appended = await t.audit.writer.append({ action: 'search', details: { clock: 'real' } }, await officerActor());
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: auditEventKey(t.logId, appended.seq) }));
    expect(head.ObjectLockRetainUntilDate!.getTime()).toBeGreaterThan(Date.now() + shiftMs);
  });
});

describe('audit trail: checkpoints', () => {
  it('writes a signed, locked checkpoint every N events, and publishes the public key next to it', async () => {
    const t = createTestAudit({ s3, bucket, dir, checkpointPolicy: { everyEvents: 4 } });
    for (let i = 0; i < 9; i += 1) await t.audit.writer.append({ action: 'search', details: { i } }, await officerActor());
    await t.audit.flush();
    const prefix = `audit/v1/${t.logId}/`;
    const key = await t.signingKey();
    expect(await keysUnder(`${prefix}checkpoints/`)).toEqual([auditCheckpointKey(t.logId, 4), auditCheckpointKey(t.logId, 8)]);
    expect(await keysUnder(`${prefix}keys/`)).toEqual([auditPublicKeyKey(t.logId, key.keyId)]);

    const stored = await text(auditCheckpointKey(t.logId, 8));
    const checkpoint = parseStoredCheckpoint(stored);
    expect(stored).toBe(serializeCheckpoint(checkpoint));
    expect(checkpoint).toMatchObject({ schema: 'custody.checkpoint.v1', logId: t.logId, treeSize: 8, keyId: key.keyId });
    expect(checkpoint.rootHash).toBe(await bucketRoot(t.logId, 8));
    // Anyone can check it with the published key alone.
    const publishedKey = await text(auditPublicKeyKey(t.logId, key.keyId));
    expect(checkpointSignatureValid(checkpoint, publishedKey)).toBe(true);
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: auditCheckpointKey(t.logId, 8) }));
    expect(head.ObjectLockMode).toBe('GOVERNANCE');
    const keyHead = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: auditPublicKeyKey(t.logId, key.keyId) }));
    expect(keyHead.ObjectLockRetainUntilDate!.getTime()).toBeGreaterThan(head.ObjectLockRetainUntilDate!.getTime());

    expect(await t.audit.integrity.status()).toMatchObject({
      localTreeSize: 9,
      lastCheckpoint: { treeSize: 8, rootHash: checkpoint.rootHash },
      verifiedHead: { treeSize: 8 },
      keyId: key.keyId,
    });
    // checkpointNow covers the ninth event at once; asked again, it returns the same checkpoint.
    const now = await t.audit.checkpointer.checkpointNow();
    expect(now?.treeSize).toBe(9);
    expect((await t.audit.checkpointer.checkpointNow())?.signature).toBe(now?.signature);
  });

  it('writes a checkpoint once the oldest uncovered event is M minutes old, on append or on the periodic tick', async () => {
    const t = createTestAudit({ s3, bucket, dir, checkpointPolicy: { everyEvents: 1000, everyMinutes: 10 } });
    await t.audit.writer.append({ action: 'play', recordingId: 'rec-1', details: { startOffsetMs: 0 } }, await officerActor());
    await t.audit.flush();
    expect(await t.repository.latestCheckpoint(t.logId)).toBeNull();
    t.clock.advance(11 * 60_000);
    await t.audit.writer.append({ action: 'seek', recordingId: 'rec-1', details: { positionMs: 61_000 } }, await officerActor());
    await t.audit.flush();
    expect((await t.repository.latestCheckpoint(t.logId))?.treeSize).toBe(2);

    await t.audit.writer.append({ action: 'download', recordingId: 'rec-1' }, await officerActor());
    t.clock.advance(10 * 60_000);
    const stop = new AbortController();
    const periodic = t.audit.checkpointer.runPeriodic(stop.signal);
    await expect.poll(async () => (await t.repository.latestCheckpoint(t.logId))?.treeSize, { timeout: 5_000 }).toBe(3);
    stop.abort();
    await periodic;
  });

  it('marks events with the alerts they raise, inside the WORM object, and announces them', async () => {
    const t = createTestAudit({
      s3,
      bucket,
      dir,
      alerts: { volume: { maxEvents: 2, windowMinutes: 60 }, allowedNetworks: ['192.0.2.0/24'] },
      // Officer A took part in the call (her Genesys user id is a participant's).
      participants: [{ name: 'Olivia Adler', userId: OFFICER_A.genesysUserId }],
    });
    await t.audit.writer.append({ action: 'play', recordingId: 'rec-1', details: { startOffsetMs: 0 } }, await officerActor());
    await t.audit.writer.append({ action: 'play', recordingId: 'rec-1', details: { startOffsetMs: 0 } }, await officerActor());
    const third = await t.audit.writer.append({ action: 'play', recordingId: 'rec-1', details: { startOffsetMs: 5000 } }, await officerActor());
    const stored = JSON.parse(await text(auditEventKey(t.logId, 2))) as AuditEvent;
    expect(stored).toEqual(third);
    expect((stored.details.alerts as Array<{ rule: string }>).map((a) => a.rule)).toEqual(['workstation-network', 'unusual-volume', 'participant-playback']);
    const announced = t.published.flatMap((e) => (e.kind === 'audit.recorded' ? [e.entry] : []));
    expect(announced.map((e) => [e.seq, e.alerts.length, e.summary])).toEqual([
      [0, 2, 'from 0:00'],
      [1, 2, 'from 0:00'],
      [2, 3, 'from 0:05'],
    ]);
    const page = await t.audit.mirror.list({ alertsOnly: true, limit: 2 });
    expect(page.total).toBe(3);
    expect(page.entries.map((e) => e.seq)).toEqual([2, 1]);
  });
});

describe('audit trail: two workstations of one log, and consistency', () => {
  it('reads events another process wrote back from the bucket, and both compute the same checkpoint root', async () => {
    const first = createTestAudit({ s3, bucket, dir, dbName: 'ws-a' });
    const second = createTestAudit({ s3, bucket, dir, logId: first.logId, dbName: 'ws-b', secrets: memorySecretStore() });
    for (let i = 0; i < 3; i += 1) await first.audit.writer.append({ action: 'search', details: { i } }, await officerActor());
    const event = await second.audit.writer.append({ action: 'preview', recordingId: 'rec-2' }, await officerActor(OFFICER_B));
    expect(event.seq).toBe(3);
    expect(await second.repository.treeSize(second.logId)).toBe(4);
    expect(await first.audit.mirror.catchUp()).toBe(1);
    expect(toHex(await first.repository.root(first.logId, 4))).toBe(toHex(await second.repository.root(second.logId, 4)));
    expect(toHex(await first.repository.root(first.logId, 4))).toBe(await bucketRoot(first.logId, 4));
    // Each officer by name, email or Genesys user id, whichever workstation wrote her events.
    expect((await first.audit.mirror.list({ operator: 'olivia' })).entries.map((e) => e.action)).toEqual(['search', 'search', 'search']);
    expect((await first.audit.mirror.list({ operator: OFFICER_B.email })).entries.map((e) => e.action)).toEqual(['preview']);
    expect((await first.audit.mirror.list({ operator: OFFICER_B.genesysUserId })).entries.map((e) => e.operator.name)).toEqual(['Oscar Brandt']);
  });

  it('passes the consistency check while the log only grows, and alerts when the bucket\'s head shrinks or is rewritten', async () => {
    const t = createTestAudit({ s3, bucket, dir, checkpointPolicy: { everyEvents: 3 } });
    expect(await t.audit.integrity.checkConsistency()).toMatchObject({ state: 'unknown', message: 'no checkpoint written yet' });
    for (let i = 0; i < 6; i += 1) await t.audit.writer.append({ action: 'search', details: { i } }, await officerActor());
    await t.audit.flush();
    expect(await t.audit.integrity.checkConsistency()).toMatchObject({ state: 'ok', source: 'consistency' });

    // After losing its database, the installation (same keychain) trusts the first signed head it sees again, once it matches the events.
    const rebuilt = createTestAudit({ s3, bucket, dir, logId: t.logId, dbName: `rebuilt-${t.logId}`, secrets: t.secrets });
    expect(await rebuilt.audit.integrity.checkConsistency()).toMatchObject({ state: 'ok', message: expect.stringContaining('first checkpoint seen: tree size 6') });
    // Another key (another installation's keychain) is not this log's signer.
    const stranger = createTestAudit({ s3, bucket, dir, logId: t.logId, dbName: `stranger-${t.logId}` });
    expect(await stranger.audit.integrity.checkConsistency()).toMatchObject({ state: 'failed', firstBad: { kind: 'unknown-checkpoint-key' } });

    // Someone with governance bypass removes the newest checkpoint: the log the workstation saw shrank.
    const listing = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: auditCheckpointKey(t.logId, 6) }));
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: auditCheckpointKey(t.logId, 6), VersionId: listing.Versions![0]!.VersionId!, BypassGovernanceRetention: true }));
    const shrank = await t.audit.integrity.checkConsistency();
    expect(shrank).toMatchObject({ state: 'failed', firstBad: { kind: 'inconsistent-with-seen-head', treeSize: 6 } });
    expect(shrank.message).toMatch(/covers 3 events, but this workstation verified 6 .*the log shrank/);
    expect(t.published.some((e) => e.kind === 'audit.integrityChanged' && e.integrity.state === 'failed')).toBe(true);

    // A checkpoint signed with the real key over a different history is not consistent with what was seen.
    const key = await t.signingKey();
    const forged = signCheckpoint(key, { logId: t.logId, treeSize: 7, rootHash: 'ab'.repeat(32), time: new Date().toISOString() });
    await putLockedObject(s3, { bucket, key: auditCheckpointKey(t.logId, 7), body: serializeCheckpoint(forged), contentType: 'application/json', retainUntil: new Date(Date.now() + 60_000), mode: 'GOVERNANCE' });
    await t.audit.writer.append({ action: 'search', details: { i: 6 } }, await officerActor());
    const rewritten = await t.audit.integrity.checkConsistency();
    expect(rewritten).toMatchObject({ state: 'failed', firstBad: { kind: 'checkpoint-root-mismatch', treeSize: 7 } });
    expect(t.logger.text()).toMatch(/audit log integrity check failed/);
  });
});
