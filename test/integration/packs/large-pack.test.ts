import { GetObjectRetentionCommand } from '@aws-sdk/client-s3';
import { cp, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createIndexRepository } from '../../../electron/db/repositories/index-repository';
import { systemClock } from '../../../electron/services/adapters/system-clock';
import { silentLogger } from '../../../electron/services/logging/file-logger';
import { exportItems } from '../../../electron/services/packs/export-manifest';
import { PackBuilder } from '../../../electron/services/packs/pack-builder';
import { verifyPack } from '../../../electron/services/packs/pack-verifier';
import { sha256File } from '../../../electron/services/storage/durable-file';
import type { AuditEvent } from '../../../shared/domain';
import { EXPORT_MANIFEST_PATH, type PackDocument } from '../../../shared/pack-format';
import { startHarness, type Harness } from '../../helpers/engine-harness';
import { readEventChain } from '../../helpers/read-event-chain';
import { seedTinyRecordings, type SyntheticRecording } from '../../helpers/synthetic-recordings';

// Past the 500 items one export event could list: the event names a locked manifest instead.
const COUNT = 640;
const CASE = 'FCA-2026-0640';

let h: Harness;
let seeded: Array<SyntheticRecording>;
let packDir: string;
let exportEvent: AuditEvent;

beforeAll(async () => {
  h = await startHarness({ worm: inject('worm').connection });
  seeded = await seedTinyRecordings({ db: h.composed.db, dataDir: h.composed.paths.dataDir, cacheKey: await h.composed.vault.atRestKey('cache-key') }, COUNT);
  packDir = join(h.root, 'pack-640');
  const result = await h.composed.packs.build({ selection: { kind: 'recordings', recordingIds: seeded.map((r) => r.recordingId) }, caseReference: CASE, outPath: packDir });
  expect(result).toMatchObject({ recordings: COUNT, verified: true });
  for await (const e of readEventChain(h.s3, h.bucket, h.composed.profile.logId)) if (e.eventId === result.exportEventId) exportEvent = e;
}, 300_000);
afterAll(async () => h?.close());

async function problemsOf(path: string) {
  const report = await verifyPack(path);
  expect(report.ok).toBe(false);
  return report.problems;
}

async function tamperedCopy(name: string): Promise<string> {
  const copy = join(h.root, `tampered-${name}`);
  await cp(packDir, copy, { recursive: true });
  return copy;
}

describe(`a pack of ${COUNT} recordings`, () => {
  it('is exported under one audit event that names its locked item manifest by key, size and SHA-256', async () => {
    const manifest = exportEvent.details.manifest as { key: string; sha256: string; bytes: number; items: number };
    expect(exportEvent).toMatchObject({ action: 'export', caseReference: CASE });
    expect(manifest).toMatchObject({ key: `audit/v1/${h.composed.profile.logId}/exports/${exportEvent.details.packId as string}.jsonl`, items: COUNT });
    expect(exportEvent.details.items).toBeUndefined();
    // The pack carries the very bytes locked in the bucket, under the audit events' retention.
    expect(await sha256File(join(packDir, EXPORT_MANIFEST_PATH))).toBe(manifest.sha256);
    const retention = await h.s3.send(new GetObjectRetentionCommand({ Bucket: h.bucket, Key: manifest.key }));
    expect(retention.Retention?.Mode).toBe('COMPLIANCE');
    expect(retention.Retention!.RetainUntilDate!.getTime()).toBeGreaterThan(Date.parse(exportEvent.time));

    // Audit queries read the export's items from the manifest: every recording, with its trade, case and hash.
    const items = [];
    for await (const item of exportItems({ s3: h.s3, bucket: h.bucket }, exportEvent)) items.push(item);
    expect(items).toHaveLength(COUNT);
    expect(new Set(items.map((i) => i.recordingId))).toEqual(new Set(seeded.map((r) => r.recordingId)));
    expect(items[7]).toMatchObject({ conversationId: seeded[7]!.conversationId, tradingIds: [seeded[7]!.tradingId], caseReference: CASE, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    // "Who touched trade T": the local mirror indexed the manifest's items, so the export is found by any of them.
    const { mirror } = await h.composed.audit.log();
    for (const query of [{ tradingId: seeded[7]!.tradingId! }, { recordingId: seeded[611]!.recordingId }, { conversationId: seeded[42]!.conversationId }]) {
      expect((await mirror.list(query)).entries.map((e) => e.eventId), JSON.stringify(query)).toContain(exportEvent.eventId);
    }

    const document = JSON.parse(await readFile(join(packDir, 'data/pack.json'), 'utf8')) as PackDocument;
    expect(document.recordings).toHaveLength(COUNT);
    const csvRows = (await readFile(join(packDir, 'data/index.csv'), 'utf8')).split('\r\n').filter((l) => l !== '');
    expect(csvRows).toHaveLength(COUNT + 1);
  });

  it('does not verify when its manifest object was altered', { timeout: 120_000 }, async () => {
    const copy = await tamperedCopy('manifest');
    // One recording swapped for another in the list: still a well-formed manifest, but not the one locked.
    const path = join(copy, EXPORT_MANIFEST_PATH);
    await writeFile(path, (await readFile(path, 'utf8')).replace(`"${seeded[5]!.recordingId}"`, '"planted-rec-5"'));
    expect(await problemsOf(copy)).toEqual(
      expect.arrayContaining([expect.objectContaining({ file: EXPORT_MANIFEST_PATH, check: 'proofs', problem: expect.stringMatching(/is not the export event's manifest .*the manifest was altered/) })]),
    );
  });

  it('does not verify when it holds a recording its manifest does not list, or lacks one it does', { timeout: 120_000 }, async () => {
    const copy = await tamperedCopy('listing');
    const path = join(copy, 'data/pack.json');
    const document = JSON.parse(await readFile(path, 'utf8')) as PackDocument;
    const dropped = document.recordings.pop()!;
    document.recordings.push({ recordingId: 'planted-rec-1', conversationId: 'planted-conv-1', metadata: 'data/metadata/planted-rec-1.json' });
    await writeFile(path, JSON.stringify(document, null, 2));
    expect(await problemsOf(copy)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ file: 'data/metadata/planted-rec-1.json', check: 'proofs', problem: 'recording planted-rec-1 is not listed in the export manifest' }),
        expect.objectContaining({ file: EXPORT_MANIFEST_PATH, check: 'proofs', problem: `recording ${dropped.recordingId} is listed in the export manifest but not in the pack` }),
      ]),
    );
  });
});

describe('an export whose manifest cannot be locked', () => {
  it('is not audited and writes nothing', async () => {
    const [first] = seeded;
    const index = createIndexRepository(h.composed.db);
    const appended: Array<unknown> = [];
    const builder = new PackBuilder({
      engine: h.composed.engine,
      findRecording: (id) => index.findRecording(id),
      audit: async () => ({ append: async (input, actor) => (appended.push(input), (await h.composed.audit.writer()).append(input, actor)) }),
      actors: h.composed.audit.actors,
      // The WORM store refuses the manifest: a bucket that does not exist.
      auditLog: async () => ({ ...(await h.composed.audit.log()), bucket: 'no-such-audit-bucket' }),
      signingKey: async () => {
        throw new Error('not reached');
      },
      clock: systemClock,
      logger: silentLogger,
      events: h.composed.events,
    });
    const out = join(h.root, 'unlocked-manifest');
    await expect(builder.build({ selection: { kind: 'recordings', recordingIds: [first!.recordingId] }, caseReference: CASE, outPath: out })).rejects.toThrow(/no-such-audit-bucket/);
    expect(appended).toEqual([]);
    expect((await readdir(h.root)).filter((f) => f.includes('unlocked-manifest'))).toEqual([]);
  });
});
