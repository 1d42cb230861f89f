import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectVersionsCommand, type S3Client } from '@aws-sdk/client-s3';
import { describe, expect, inject, it } from 'vitest';
import { formatVerifierKey, openSignedNote, parseCheckpointText, parseVerifierKey } from '../../../electron/crypto/signed-note';
import { verifyAuditLog } from '../../../electron/services/audit/audit-verifier';
import { auditEntryBundleKey, auditEventKey, checkpointNoteKey, toHex } from '../../../electron/services/audit/layout';
import { putLockedObject } from '../../../electron/services/worm/locked-objects';
import { createWormS3Client } from '../../../electron/services/worm/s3-client';
import { canonicalJson } from '../../../shared/canonical-json';
import { decodeEntryBundle, encodeEntryBundle } from '../../../shared/crypto/tlog-tiles';
import type { AuditEvent } from '../../../shared/domain';
import { officerActor } from '../../helpers/audit-actors';
import { createTestAudit, type TestAudit } from '../../helpers/audit-module';
import { useTestBucket } from '../../helpers/worm';

let s3: S3Client;
let bucket: string;
let dir: string;

// GOVERNANCE so that the last tests can tamper as a privileged administrator could.
useTestBucket('audit-tiles', { mode: 'GOVERNANCE', defaultRetentionDays: 1 }, (fixture) => ({ s3, bucket, dir } = fixture));

const prefix = (t: TestAudit) => `audit/v1/${t.logId}/`;

async function keysUnder(under: string): Promise<Map<string, number>> {
  const versions = new Map<string, number>();
  let keyMarker: string | undefined;
  for (;;) {
    const page = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: under, KeyMarker: keyMarker }));
    for (const v of page.Versions ?? []) versions.set(v.Key!, (versions.get(v.Key!) ?? 0) + 1);
    if (!page.IsTruncated) return versions;
    keyMarker = page.NextKeyMarker;
  }
}

async function removeEverywhere(key: string): Promise<void> {
  const listing = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: key }));
  for (const v of (listing.Versions ?? []).filter((version) => version.Key === key)) {
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key, VersionId: v.VersionId!, BypassGovernanceRetention: true }));
  }
}

const replace = async (key: string, body: Uint8Array | string) => {
  await removeEverywhere(key);
  await putLockedObject(s3, { bucket, key, body, contentType: 'application/octet-stream', retainUntil: new Date(Date.now() + 3_600_000), mode: 'GOVERNANCE' });
};

describe('the audit log in the C2SP tlog-tiles layout, against radosgw', () => {
  let t: TestAudit;

  /** 600 accesses through the audit writer, checkpoints at 300 and 600, then 5 more not yet checkpointed. */
  async function writeLog(): Promise<TestAudit> {
    const log = createTestAudit({ s3, bucket, dir, checkpointPolicy: { everyEvents: 100_000 } });
    const actor = await officerActor();
    for (let i = 0; i < 605; i += 1) {
      await log.audit.writer.append({ action: 'play', recordingId: `rec-${i}`, caseReference: 'FCA-2026-0042', details: { i } }, actor);
      if (i === 299 || i === 599) await log.audit.checkpointer.checkpointNow();
    }
    await log.audit.flush();
    return log;
  }

  it('publishes full tiles once and partial tiles as the tree grows, every object locked, and each checkpoint as a signed note', async () => {
    t = await writeLog();
    const tiles = await keysUnder(`${prefix(t)}tile/`);
    const at = (path: string) => tiles.get(`${prefix(t)}tile/${path}`);
    // At 300: bundle 0 full, 1 partial (44); at 600: bundle 1 full, 2 partial (88). Hash tiles alike, level 1 of width 1 then 2.
    expect([...tiles.keys()].map((k) => k.slice(prefix(t).length)).sort()).toEqual(
      ['tile/0/000', 'tile/0/001', 'tile/0/001.p/44', 'tile/0/002.p/88', 'tile/1/000.p/1', 'tile/1/000.p/2', 'tile/entries/000', 'tile/entries/001', 'tile/entries/001.p/44', 'tile/entries/002.p/88'].sort(),
    );
    expect([...tiles.values()].every((versions) => versions === 1)).toBe(true);
    expect(at('entries/000')).toBe(1);
    for (const key of tiles.keys()) {
      const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      expect(head.ObjectLockMode, key).toBe('GOVERNANCE');
      expect(head.ObjectLockRetainUntilDate!.getTime()).toBeGreaterThan(Date.now());
    }
    const bundle = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: auditEntryBundleKey(t.logId, 2, 88) }));
    const entries = decodeEntryBundle(await bundle.Body!.transformToByteArray());
    expect(entries).toHaveLength(88);
    expect(Buffer.from(entries[0]!).toString('utf8')).toBe(await t.repository.eventBody(t.logId, 512));

    // The checkpoint notes: one per checkpoint, and `checkpoint` (a version per checkpoint), opened with the log's vkey only.
    const notes = await keysUnder(`${prefix(t)}checkpoint`);
    expect(notes.get(`${prefix(t)}checkpoint`)).toBe(2);
    expect([...notes.keys()].filter((k) => k.includes('checkpoint-note/')).map((k) => k.slice(-12))).toEqual(['000000000300', '000000000600']);
    const vkey = formatVerifierKey(checkpointNoteKey(bucket, t.logId, (await t.signingKey()).publicKeyPem));
    const latest = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: `${prefix(t)}checkpoint` }));
    const body = parseCheckpointText(openSignedNote(await latest.Body!.transformToString('utf8'), [parseVerifierKey(vkey)]).text);
    expect(body.treeSize).toBe(600);
    expect(toHex(body.rootHash)).toBe(toHex(await t.repository.root(t.logId, 600)));
  });

  it('verifies from the tiles: bundles for the checkpointed part, one object per event after it', async () => {
    const report = await verifyAuditLog({ s3, bucket, logId: t.logId, clock: t.clock });
    expect(report).toMatchObject({
      ok: true,
      problems: [],
      events: { read: 605, lastSeq: 604 },
      checkpoints: { total: 2, valid: 2, latest: { treeSize: 600 } },
      verifiedUpTo: { treeSize: 600 },
      uncheckpointed: 5,
      tiles: { fromBundles: 600, bundlesRead: 3, hashTilesChecked: 4, checkpointNotesChecked: 3, eventObjects: 'sample', eventObjectsChecked: 256 },
    });
  });

  it("a new workstation's catch-up of the log reads its bundles, not its 600 event objects", async () => {
    const counted = createWormS3Client(inject('worm').connection);
    const gets: Array<string> = [];
    counted.middlewareStack.add((next, context) => async (request) => {
      gets.push(context.commandName ?? '?');
      return next(request);
    }, { step: 'initialize', name: 'countRequests' });
    const other = createTestAudit({ s3: counted, bucket, dir, logId: t.logId, dbName: `${t.logId}-new-workstation` });
    expect(await other.audit.mirror.catchUp()).toBe(605);
    expect(toHex(await other.repository.root(t.logId, 605))).toBe(toHex(await t.repository.root(t.logId, 605)));
    // A first listing page (605 behind: more than a bundle's worth), the note, 3 bundles and the 5 events beyond them,
    // which that page listed already (it holds the whole log): nothing is listed twice.
    expect(gets.filter((name) => name === 'GetObjectCommand').length).toBeLessThanOrEqual(1 + 3 + 5);
    expect(gets.filter((name) => name === 'ListObjectVersionsCommand').length).toBe(1);
    counted.destroy();
  });

  it('names an event object that differs from its bundle entry, and a tampered bundle with the hash tile and note it breaks', async () => {
    const key = auditEventKey(t.logId, 5);
    const original = JSON.parse((await t.repository.eventBody(t.logId, 5))!) as AuditEvent;
    await replace(key, canonicalJson({ ...original, caseReference: 'NOT-THE-CASE' }));
    const objects = await verifyAuditLog({ s3, bucket, logId: t.logId, clock: t.clock, eventObjects: 'all' });
    expect(objects.tiles).toMatchObject({ eventObjects: 'all', eventObjectsChecked: 600 });
    expect(objects.problems.map((p) => [p.kind, p.seq])).toEqual([['altered-event', 5]]);
    expect(objects.firstBad!.message).toMatch(new RegExp(`event 5 was altered: s3://${bucket}/${key} \\(SHA-256 [0-9a-f]{64}\\) differs from its entry in bundle s3://${bucket}/${auditEntryBundleKey(t.logId, 0, 256)}`));
    await replace(key, canonicalJson(original));

    // Event 530 altered inside the partial bundle of tree size 600 (its object left intact).
    const bundleKey = auditEntryBundleKey(t.logId, 2, 88);
    const entries = (await t.repository.eventBodiesFrom(t.logId, 512, 88)).map((event) => Buffer.from(event.body, 'utf8'));
    const altered = JSON.parse(entries[18]!.toString('utf8')) as AuditEvent;
    entries[18] = Buffer.from(canonicalJson({ ...altered, caseReference: 'NOT-THE-CASE' }), 'utf8');
    await replace(bundleKey, encodeEntryBundle(entries));
    const report = await verifyAuditLog({ s3, bucket, logId: t.logId, clock: t.clock });
    expect(report.ok).toBe(false);
    expect(report.firstBad).toMatchObject({ kind: 'altered-event', seq: 530 });
    expect(report.firstBad!.message).toMatch(/event 530 was altered: its SHA-256 [0-9a-f]{64} does not match the prevHash event 531 recorded/);
    const kinds = report.problems.map((p) => [p.kind, p.seq ?? p.treeSize]);
    expect(kinds).toContainEqual(['checkpoint-root-mismatch', 600]);
    expect(kinds).toContainEqual(['bad-tile', 600]);
    expect(kinds).toContainEqual(['bad-checkpoint-note', 600]);
    // The checkpoint of 300 still verifies: its bundles are intact.
    expect(report.verifiedUpTo?.treeSize).toBe(300);
  });
});
