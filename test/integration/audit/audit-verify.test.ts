import { generateKeyPairSync, sign } from 'node:crypto';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectVersionsCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { auditEventKey } from '../../../electron/services/audit/layout';
import { verifyAuditLog } from '../../../electron/services/audit/audit-verifier';
import { auditCheckpointKey, parseStoredCheckpoint, serializeCheckpoint, signCheckpoint } from '../../../electron/services/audit/layout';
import { keyIdOf, type SigningKey } from '../../../electron/services/signing/signing-key';
import { putLockedObject } from '../../../electron/services/worm/locked-objects';
import { canonicalJson } from '../../../shared/canonical-json';
import type { AuditEvent } from '../../../shared/domain';
import { createTestAudit, type TestAudit } from '../../helpers/audit-module';
import { useTestBucket } from '../../helpers/worm';
import { officerActor } from '../../helpers/audit-actors';

let s3: S3Client;
let bucket: string;
let dir: string;

// GOVERNANCE so that the tests can do what a privileged attacker could: delete and replace objects.
useTestBucket('audit-verify', { mode: 'GOVERNANCE', defaultRetentionDays: 1 }, (fixture) => ({ s3, bucket, dir } = fixture));

/** Ten events a minute apart, checkpoints at 4 and 8. */
async function intactLog(options: { events?: number; checkpointAtEnd?: boolean } = {}): Promise<TestAudit> {
  const t = createTestAudit({ s3, bucket, dir, checkpointPolicy: { everyEvents: 4 } });
  const actions = ['search', 'preview', 'play', 'seek', 'download'] as const;
  for (let i = 0; i < (options.events ?? 10); i += 1) {
    await t.audit.writer.append({ action: actions[i % actions.length]!, recordingId: `rec-${i}`, caseReference: 'FCA-2026-0042', details: { i } }, await officerActor());
    await t.audit.flush();
    t.clock.advance(60_000);
  }
  if (options.checkpointAtEnd) await t.audit.checkpointer.checkpointNow();
  return t;
}

// One object per event: the verification of logs without tiles (test/integration/firm/tiles.test.ts covers the tiled one).
const verify = (t: TestAudit, extra: Partial<Parameters<typeof verifyAuditLog>[0]> = {}) =>
  verifyAuditLog({ s3, bucket, logId: t.logId, clock: t.clock, read: 'events', ...extra });

async function versions(key: string, inBucket = bucket): Promise<Array<string>> {
  const listing = await s3.send(new ListObjectVersionsCommand({ Bucket: inBucket, Prefix: key }));
  return (listing.Versions ?? []).filter((v) => v.Key === key).map((v) => v.VersionId!);
}

async function read(key: string): Promise<string> {
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return (await object.Body?.transformToString('utf8')) ?? '';
}

/** What an administrator with s3:BypassGovernanceRetention can do. */
async function removeEverywhere(key: string): Promise<void> {
  for (const versionId of await versions(key)) {
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId, BypassGovernanceRetention: true }));
  }
}

async function put(key: string, body: string): Promise<void> {
  await putLockedObject(s3, { bucket, key, body, contentType: 'application/json', retainUntil: new Date(Date.now() + 3_600_000), mode: 'GOVERNANCE' });
}

describe('audit verify against radosgw', () => {
  it('verifies an intact log from the bucket alone: chain, tree, signatures', async () => {
    const t = await intactLog();
    const report = await verify(t);
    expect(report).toMatchObject({
      ok: true,
      firstBad: null,
      problems: [],
      bucketLock: { enabled: true, mode: 'GOVERNANCE', days: 1 },
      events: { read: 10, inWindow: 10, lastSeq: 9 },
      checkpoints: { total: 2, valid: 2, latest: { treeSize: 8 } },
      verifiedUpTo: { treeSize: 8 },
      uncheckpointed: 2,
      keys: [{ keyId: (await t.signingKey()).keyId, source: 'bucket' }],
    });
    expect(report.warnings.join('\n')).toMatch(/GOVERNANCE/);
  });

  it('names a removed event (deleted with governance bypass) as the first bad one', async () => {
    const t = await intactLog();
    await removeEverywhere(auditEventKey(t.logId, 3));
    const report = await verify(t);
    expect(report.ok).toBe(false);
    expect(report.firstBad).toMatchObject({ kind: 'missing-event', seq: 3, key: auditEventKey(t.logId, 3) });
    expect(report.firstBad!.message).toContain(`event 3 is missing: s3://${bucket}/${auditEventKey(t.logId, 3)} does not exist`);
    expect(report.verifiedUpTo).toBeNull();
  });

  it('names a removed last event through the checkpoint that covered it', async () => {
    const t = await intactLog({ checkpointAtEnd: true });
    await removeEverywhere(auditEventKey(t.logId, 9));
    const report = await verify(t);
    expect(report.firstBad).toMatchObject({ kind: 'checkpoint-beyond-log', treeSize: 10 });
    expect(report.firstBad!.message).toMatch(/covers 10 events, but the bucket holds only 9: events 9 to 9 are missing/);
    expect(report.verifiedUpTo?.treeSize).toBe(8);
  });

  it('names a reordered event: two objects swapped (originals removed, bodies put under each other\'s key)', async () => {
    const t = await intactLog();
    const [five, six] = [await read(auditEventKey(t.logId, 5)), await read(auditEventKey(t.logId, 6))];
    await removeEverywhere(auditEventKey(t.logId, 5));
    await removeEverywhere(auditEventKey(t.logId, 6));
    await put(auditEventKey(t.logId, 5), six);
    await put(auditEventKey(t.logId, 6), five);
    const report = await verify(t);
    expect(report.firstBad).toMatchObject({ kind: 'reordered-event', seq: 5 });
    expect(report.firstBad!.message).toMatch(/event 5 is out of place: .* holds event 6/);
    expect(report.problems.map((p) => [p.kind, p.seq ?? p.treeSize])).toEqual([
      ['reordered-event', 5],
      ['reordered-event', 6],
      ['checkpoint-root-mismatch', 8],
    ]);
    expect(report.verifiedUpTo?.treeSize).toBe(4);
  });

  it('names a reordered event when the swap is only re-put on top (new versions over the locked originals)', async () => {
    const t = await intactLog();
    const [five, six] = [await read(auditEventKey(t.logId, 5)), await read(auditEventKey(t.logId, 6))];
    await put(auditEventKey(t.logId, 5), six);
    await put(auditEventKey(t.logId, 6), five);
    const report = await verify(t);
    expect(report.firstBad).toMatchObject({ kind: 'reordered-event', seq: 5 });
    expect(report.firstBad!.message).toMatch(/event 5 was written 2 times .* the newest holding event 6/);
  });

  it('names an altered event (its case reference changed) and the checkpoint it breaks', async () => {
    const t = await intactLog();
    const original = JSON.parse(await read(auditEventKey(t.logId, 4))) as AuditEvent;
    await removeEverywhere(auditEventKey(t.logId, 4));
    await put(auditEventKey(t.logId, 4), canonicalJson({ ...original, caseReference: 'NOT-THE-CASE' }));
    const report = await verify(t);
    expect(report.firstBad).toMatchObject({ kind: 'altered-event', seq: 4 });
    expect(report.firstBad!.message).toMatch(/event 4 was altered: its SHA-256 [0-9a-f]{64} does not match the prevHash event 5 recorded/);
    expect(report.problems.map((p) => p.kind)).toEqual(['altered-event', 'checkpoint-root-mismatch']);
  });

  it('names an altered event whose prevHash was changed too, and a hand-edited (non-canonical) one', async () => {
    const t = await intactLog();
    const six = JSON.parse(await read(auditEventKey(t.logId, 6))) as AuditEvent;
    await removeEverywhere(auditEventKey(t.logId, 6));
    await put(auditEventKey(t.logId, 6), canonicalJson({ ...six, prevHash: 'f'.repeat(64) }));
    const two = await read(auditEventKey(t.logId, 2));
    await removeEverywhere(auditEventKey(t.logId, 2));
    await put(auditEventKey(t.logId, 2), JSON.stringify(JSON.parse(two), null, 2));
    const report = await verify(t);
    const altered = report.problems.filter((p) => p.kind === 'altered-event');
    expect(altered.map((p) => p.seq)).toEqual([2, 6]);
    expect(altered[0]!.message).toMatch(/not in the canonical form/);
    expect(altered[1]!.message).toMatch(/event 6 was altered: its prevHash does not match event 5/);
    expect(report.firstBad).toBe(report.problems[0]);
    expect(report.problems.filter((p) => p.kind === 'checkpoint-root-mismatch').map((p) => p.treeSize)).toEqual([4, 8]);
  });

  it('names a checkpoint with a bad signature, one signed by an unknown key, and one whose root the events do not produce', async () => {
    const t = await intactLog();
    const checkpoint = parseStoredCheckpoint(await read(auditCheckpointKey(t.logId, 4)));
    await removeEverywhere(auditCheckpointKey(t.logId, 4));
    await put(auditCheckpointKey(t.logId, 4), serializeCheckpoint({ ...checkpoint, rootHash: 'cd'.repeat(32) }));
    let report = await verify(t);
    expect(report.firstBad).toMatchObject({ kind: 'bad-checkpoint-signature', treeSize: 4, key: auditCheckpointKey(t.logId, 4) });
    expect(report.firstBad!.message).toMatch(/checkpoint at tree size 4 .* has an invalid Ed25519 signature/);
    expect(report.verifiedUpTo?.treeSize).toBe(8);

    const stranger = throwawayKey();
    await put(auditCheckpointKey(t.logId, 9), serializeCheckpoint(signCheckpoint(stranger, { logId: t.logId, treeSize: 9, rootHash: 'ab'.repeat(32), time: new Date().toISOString() })));
    const realKey = await t.signingKey();
    await put(auditCheckpointKey(t.logId, 10), serializeCheckpoint(signCheckpoint(realKey, { logId: t.logId, treeSize: 10, rootHash: 'ab'.repeat(32), time: new Date().toISOString() })));
    report = await verify(t);
    expect(report.problems.map((p) => [p.kind, p.treeSize])).toEqual([
      ['bad-checkpoint-signature', 4],
      ['unknown-checkpoint-key', 9],
      ['checkpoint-root-mismatch', 10],
    ]);

    // Pinning a different key than the one that signed: no checkpoint is trusted.
    const pinned = await verify(t, { pinnedKeys: [stranger.publicKeyPem] });
    expect(pinned.keys).toEqual([{ keyId: stranger.keyId, source: 'pinned' }]);
    expect(pinned.problems.filter((p) => p.kind === 'unknown-checkpoint-key').map((p) => p.treeSize)).toEqual([4, 8, 10]);
  });

  it('detects and names a bucket without Object Lock, and every unlocked event in it', async () => {
    const t = await intactLog({ events: 3, checkpointAtEnd: true });
    const plain = `audit-plain-${Date.now().toString(36)}`;
    await s3.send(new CreateBucketCommand({ Bucket: plain }));
    const listing = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: `audit/v1/${t.logId}/` }));
    for (const version of listing.Versions ?? []) {
      const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: version.Key!, VersionId: version.VersionId! }));
      await s3.send(new PutObjectCommand({ Bucket: plain, Key: version.Key!, Body: await object.Body!.transformToByteArray() }));
    }
    const report = await verifyAuditLog({ s3, bucket: plain, logId: t.logId, clock: t.clock, read: 'events' });
    expect(report.bucketLock).toEqual({ enabled: false, mode: null, days: null });
    expect(report.firstBad).toMatchObject({ kind: 'bucket-not-locked' });
    expect(report.firstBad!.message).toBe(`bucket "${plain}" does not have Object Lock enabled: nothing in it is WORM, any event could have been replaced`);
    expect(report.problems.filter((p) => p.kind === 'unlocked-event').map((p) => p.seq)).toEqual([0, 1, 2]);
  });

  it('with --to, reads only up to the first checkpoint written after it, and counts the events in the window', async () => {
    const t = await intactLog();
    const fifth = JSON.parse(await read(auditEventKey(t.logId, 5))) as AuditEvent;
    // Tampering after the closing checkpoint is outside what this window needs.
    await removeEverywhere(auditEventKey(t.logId, 9));
    const report = await verify(t, { to: fifth.time });
    expect(report).toMatchObject({ ok: true, events: { read: 8, inWindow: 6, lastSeq: 8 }, verifiedUpTo: { treeSize: 8 } });
    const windowed = await verify(t, { from: fifth.time, to: fifth.time });
    expect(windowed.events.inWindow).toBe(1);
    // The checkpoint of 4 was signed at event 3's time: event 3 is inside, so one more event is read to find the window's end.
    const third = JSON.parse(await read(auditEventKey(t.logId, 3))) as AuditEvent;
    expect((await verify(t, { to: third.time })).events).toMatchObject({ read: 5, inWindow: 4 });
  });

  it('names a log that is no longer an extension of the head seen before', async () => {
    const t = await intactLog({ events: 4 });
    const seen = { treeSize: 6, rootHash: 'ee'.repeat(32), verifiedAt: '2026-11-26T09:00:00.000Z' };
    expect((await verify(t, { seenHead: seen })).firstBad).toMatchObject({ kind: 'inconsistent-with-seen-head', treeSize: 6 });
    const rewritten = await verify(t, { seenHead: { ...seen, treeSize: 3 } });
    expect(rewritten.firstBad!.message).toMatch(/first 3 events no longer hash to the root this workstation verified/);
  });
});

function throwawayKey(): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  return { keyId: keyIdOf(publicKeyPem), publicKeyPem, sign: (data) => sign(null, data, privateKey).toString('base64') };
}
