import { join } from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { startHarness, TEST_ANCHOR, type Harness } from '../../helpers/engine-harness';
import { auditEvents, filesUnder, partialsUnder, readManifest, recordingsInQueue } from '../../helpers/bulk';

const DAY = 86_400_000;
let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('bulk retrieval jobs', () => {
  it('retrieves every recording of a queue and date range, each audited with the job id and case, verified, with a manifest', async () => {
    h = await startHarness({ worm: inject('worm').connection, sandbox: { recordings: 40, days: 20, archivedFraction: 0 } });
    const from = new Date(TEST_ANCHOR.getTime() - 20 * DAY).toISOString();
    const to = TEST_ANCHOR.toISOString();
    const expected = recordingsInQueue(h.sandbox, 'FX Spot Desk', Date.parse(from), Date.parse(to));
    const outDir = join(h.root, 'out');
    const { job } = await h.composed.jobs.create({ selection: { kind: 'queue', queue: 'FX Spot Desk', from, to }, caseReference: 'FCA-2026-0042', outDir, api: 'per-conversation' });
    const outcome = await h.composed.jobs.run(job.id);
    expect(outcome).toEqual({ state: 'done', message: null });
    const detail = await h.composed.jobs.detail(job.id);
    expect(detail.counts).toMatchObject({ total: expected.length, done: expected.length, failed: 0, archived: 0 });

    const files = await filesUnder(outDir);
    expect(files.size).toBe(expected.length);
    expect(await partialsUnder(outDir)).toEqual([]);
    const manifest = await readManifest(outDir);
    expect(manifest.files.map((f) => f.recordingId).sort()).toEqual(expected.map((r) => r.id).sort());
    for (const f of manifest.files) expect(files.get(f.file)).toBe(f.sha256);

    const downloads = (await auditEvents(h)).filter((e) => e.action === 'download');
    expect(downloads.map((e) => e.recordingId).sort()).toEqual(expected.map((r) => r.id).sort());
    for (const e of downloads) expect(e).toMatchObject({ caseReference: 'FCA-2026-0042', details: { jobId: job.id } });
    expect(new Set(manifest.files.map((f) => f.auditEventId))).toEqual(new Set(downloads.map((e) => e.eventId)));
  });
});
