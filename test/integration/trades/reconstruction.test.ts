import { execFileSync, spawnSync } from 'node:child_process';
import { cp, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { formatBagInfo, formatManifest, parseBagInfo, payloadOxum } from '../../../electron/services/packs/bagit';
import { digestFile } from '../../../electron/services/packs/file-digests';
import { verifyPack } from '../../../electron/services/packs/pack-verifier';
import type { PackDocument, PackRecording, PackSignature } from '../../../shared/pack-format';
import type { Timeline } from '../../../shared/trades';
import { shareProfileWithCli } from '../../helpers/cli-profile';
import { startHarness, TEST_ANCHOR, type Harness } from '../../helpers/engine-harness';
import { readEventChain } from '../../helpers/read-event-chain';
import { sandboxBlotter, type BlotterTrade, type SandboxBlotter } from '../../sandbox/blotter';

// jsdom ships no types; this is the one constructor used.
const { JSDOM } = createRequire(import.meta.url)('jsdom') as { JSDOM: new (html: string, options: { runScripts: 'dangerously' }) => { window: Window } };

const DAY_MS = 86_400_000;
const CASE = 'FCA-2026-0913';
let h: Harness;
let blotter: SandboxBlotter;
let cli: Awaited<ReturnType<typeof shareProfileWithCli>>;

/** A planted trade of the last three days (its calls' recordings are still in Genesys, not archived). */
function recentTrade(ids: Iterable<string>): BlotterTrade {
  const recent = new Set(ids);
  const trade = blotter.trades.find((t) => recent.has(t.tradeId) && Date.parse(t.executedAt) > TEST_ANCHOR.getTime() - 3 * DAY_MS && Date.parse(t.executedAt) < TEST_ANCHOR.getTime() - 3_600_000);
  if (!trade) throw new Error('the sandbox blotter has no suitable recent trade');
  return trade;
}

const readJson = async <T>(path: string): Promise<T> => JSON.parse(await readFile(path, 'utf8')) as T;

beforeAll(async () => {
  h = await startHarness({ worm: inject('worm').connection });
  cli = await shareProfileWithCli(h);
  const { dataset } = h.sandbox;
  blotter = sandboxBlotter(dataset);
  const now = Date.now();
  await h.composed.repositories.trades.upsertTrades(
    blotter.trades.map((t, i) => ({ ...t, source: { format: 'csv' as const, fileName: 'blotter.csv', fileSha256: 'b'.repeat(64), line: i + 2, raw: { trade_id: t.tradeId } } })),
    now,
  );
  await h.composed.repositories.trades.upsertUsers(dataset.agents.map((a) => ({ id: a.id, name: a.name, email: a.email })), now);
  // The index holds the last four days, as an officer's search puts them there.
  await h.composed.engine.search({ from: new Date(TEST_ANCHOR.getTime() - 4 * DAY_MS).toISOString(), to: TEST_ANCHOR.toISOString() }, { caseReference: CASE });
  h.composed.session.setCaseReference(CASE);
});
afterAll(async () => {
  await cli?.dispose();
  await h?.close();
});

describe('custody reconstruct', () => {
  let taggedPack: string;

  it("reconstructs a tagged trade: the export audited first, the planted calls linked, the annotation carried, and pack verify and the standard tools accept it", async () => {
    const trade = recentTrade(blotter.planted.tagged.keys());
    const planted = blotter.planted.tagged.get(trade.tradeId)!;
    const plantedRecording = h.sandbox.dataset.recordings.find((r) => r.conversationId === planted[0])!;
    const annotation = await h.composed.annotations.create({ recordingId: plantedRecording.id, fromMs: 0, toMs: 1_000, note: 'client agrees the price' }, CASE);
    taggedPack = join(h.root, 'tagged-pack');
    const { reconstruction } = h.composed.trades;
    const result = await reconstruction.reconstruct({ tradeId: trade.tradeId, caseReference: CASE, outPath: taggedPack, zip: false });
    expect(result).toMatchObject({ tradeId: trade.tradeId, verified: true, caseReference: CASE });

    const timeline = await readJson<Timeline>(join(taggedPack, 'data/trade/timeline.json'));
    for (const conversationId of planted) expect(timeline.calls.find((c) => c.conversationId === conversationId)).toMatchObject({ linked: true, tradingId: trade.tradeId });
    expect(timeline.calls.map((c) => c.start)).toEqual([...timeline.calls.map((c) => c.start)].sort());
    expect(await readJson(join(taggedPack, 'data/trade/trade.json'))).toMatchObject({ tradeId: trade.tradeId, trader: trade.trader, source: { fileName: 'blotter.csv' } });
    const recordingIds = timeline.calls.flatMap((c) => c.recordings.map((r) => r.recordingId));
    expect(result.recordings).toBe(recordingIds.length);
    const metadata = await readJson<PackRecording>(join(taggedPack, `data/metadata/${plantedRecording.id}.json`));
    expect(metadata).toMatchObject({ trade: { tradeId: trade.tradeId, linked: true }, annotations: [{ annotationId: annotation.annotationId, note: 'client agrees the price' }] });
    const document = await readJson<PackDocument>(join(taggedPack, 'data/pack.json'));
    expect(document.trade).toEqual({ tradeId: trade.tradeId, record: 'data/trade/trade.json', timeline: 'data/trade/timeline.json' });

    // The 'export' event says it is a reconstruction, and was written before the pack (the pack proves it).
    const events = [];
    for await (const e of readEventChain(h.s3, h.bucket, h.composed.profile.logId)) events.push(e);
    const exported = events.find((e) => e.eventId === result.exportEventId)!;
    expect(exported).toMatchObject({ action: 'export', tradingId: trade.tradeId, caseReference: CASE, details: { kind: 'reconstruction', tradeId: trade.tradeId, recordings: recordingIds.length, window: { beforeMinutes: 30, afterMinutes: 5 } } });
    expect(Date.parse(exported.time)).toBeLessThanOrEqual(Date.parse(document.builtAt));
    expect(document.exportEventId).toBe(exported.eventId);

    expect(await verifyPack(taggedPack)).toMatchObject({ ok: true, problems: [], recordings: recordingIds.length, checks: { trade: 'pass' } });
    // The independent checks of docs/verify-a-pack.md: coreutils and openssl alone.
    const run = (cmd: string, cwd = taggedPack) => spawnSync('bash', ['-c', cmd], { cwd, encoding: 'utf8' });
    expect(run('sha256sum --quiet -c manifest-sha256.txt && sha512sum --quiet -c manifest-sha512.txt && sha256sum --quiet -c tagmanifest-sha256.txt').status).toBe(0);
    expect(run('grep -c "data/trade/t" manifest-sha256.txt').stdout.trim()).toBe('2');
    const signature = run(`openssl pkeyutl -verify -pubin -inkey "$(sed -n 's/^ *"publicKey": "\\(.*\\)",*$/\\1/p' signature/signature.json)" -rawin -in tagmanifest-sha256.txt -sigfile signature/tagmanifest-sha256.txt.sig`);
    expect(signature.stdout).toContain('Signature Verified Successfully');
  });

  it('catches a tampered timeline.json or trade.json, in pack verify and with sha256sum', async () => {
    for (const [file, edit] of [
      ['data/trade/timeline.json', (text: string) => text.replace('"linked": true', '"linked": false')],
      ['data/trade/trade.json', (text: string) => text.replace(/"price": "[^"]*"/, '"price": "9.9999"')],
    ] as const) {
      const copy = join(h.root, `tampered-${file.split('/').pop()}`);
      await cp(taggedPack, copy, { recursive: true });
      const before = await readFile(join(copy, file), 'utf8');
      const after = edit(before);
      expect(after).not.toBe(before);
      await writeFile(join(copy, file), after);
      const report = await verifyPack(copy);
      expect(report.ok).toBe(false);
      expect(report.problems).toContainEqual(expect.objectContaining({ file, check: 'manifests' }));
      expect(spawnSync('sha256sum', ['--quiet', '-c', 'manifest-sha256.txt'], { cwd: copy, encoding: 'utf8' }).stdout).toContain(`${file}: FAILED`);
    }
  });

  it("catches a timeline that leaves out a packed call even when every manifest and the signature were made again with the installation's key", async () => {
    const dir = join(h.root, 'forged-timeline');
    await cp(taggedPack, dir, { recursive: true });
    const timeline = await readJson<Timeline>(join(dir, 'data/trade/timeline.json'));
    const dropped = timeline.calls.find((c) => c.recordings.length > 0)!;
    await writeFile(join(dir, 'data/trade/timeline.json'), `${JSON.stringify({ ...timeline, calls: timeline.calls.filter((c) => c !== dropped) }, null, 2)}\n`);
    const payload = (await readdir(join(dir, 'data'), { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(dir.length + 1));
    const digests = await Promise.all(payload.map(async (path) => ({ path, ...(await digestFile(join(dir, path))) })));
    await writeFile(join(dir, 'manifest-sha256.txt'), formatManifest(digests.map((d) => ({ path: d.path, digest: d.sha256 }))));
    await writeFile(join(dir, 'manifest-sha512.txt'), formatManifest(digests.map((d) => ({ path: d.path, digest: d.sha512 }))));
    const bagInfo = parseBagInfo(await readFile(join(dir, 'bag-info.txt'), 'utf8')).fields.map(([label, value]): [string, string] => [label, label === 'Payload-Oxum' ? payloadOxum(digests.reduce((n, d) => n + d.bytes, 0), digests.length) : value]);
    await writeFile(join(dir, 'bag-info.txt'), formatBagInfo(bagInfo));
    const tags = await Promise.all(['bagit.txt', 'bag-info.txt', 'manifest-sha256.txt', 'manifest-sha512.txt', 'index.html'].map(async (path) => ({ path, digest: (await digestFile(join(dir, path))).sha256 })));
    const tagManifest = formatManifest(tags);
    await writeFile(join(dir, 'tagmanifest-sha256.txt'), tagManifest);
    const signed = (await h.composed.audit.signingKey()).sign(Buffer.from(tagManifest, 'utf8'));
    await writeFile(join(dir, 'signature/tagmanifest-sha256.txt.sig'), Buffer.from(signed, 'base64'));
    const signature = await readJson<PackSignature>(join(dir, 'signature/signature.json'));
    await writeFile(join(dir, 'signature/signature.json'), `${JSON.stringify({ ...signature, signature: signed }, null, 2)}\n`);

    const report = await verifyPack(dir);
    expect(report.checks).toMatchObject({ manifests: 'pass', signature: 'pass', proofs: 'pass', trade: 'fail' });
    expect(report.problems).toEqual(
      dropped.recordings.map((r) => ({ file: 'data/pack.json', check: 'trade', problem: `recording ${r.recordingId} is in the pack but not on the timeline` })),
    );
  });

  it('reconstructs an untagged trade as a zip: its agreed call is on the timeline', async () => {
    // The sandbox's untagged trades are a week old or more: the newest, with its hours synced into the index.
    const untagged = new Set(blotter.planted.untagged.keys());
    const trade = blotter.trades.filter((t) => untagged.has(t.tradeId)).at(-1)!;
    const [agreed] = blotter.planted.untagged.get(trade.tradeId)!;
    const executedMs = Date.parse(trade.executedAt);
    await h.composed.engine.search({ from: new Date(executedMs - 2 * 3_600_000).toISOString(), to: new Date(executedMs + 3_600_000).toISOString() }, { caseReference: CASE });
    const zip = join(h.root, 'untagged.zip');
    const result = await h.composed.trades.reconstruction.reconstruct({ tradeId: trade.tradeId, caseReference: CASE, outPath: zip, zip: true });
    expect(result).toMatchObject({ zip: true, verified: true });
    expect(await verifyPack(zip)).toMatchObject({ ok: true, format: 'zip' });
    const timeline = JSON.parse(execFileSync('unzip', ['-p', zip, 'data/trade/timeline.json'], { encoding: 'utf8' })) as Timeline;
    expect(timeline.calls.find((c) => c.conversationId === agreed)).toMatchObject({ tradingId: null, parties: expect.arrayContaining(['trader']) });
  });

  it("custody reconstruct packs a planted gap with no call, its viewer says so; an existing non-empty target is refused untouched", async () => {
    const [gap] = blotter.planted.gaps;
    const out = join(h.root, 'gap-pack');
    const occupied = join(h.root, 'occupied');
    await mkdir(occupied);
    await writeFile(join(occupied, 'notes.txt'), 'the officer’s own file');
    const [made, refused] = await Promise.all([
      cli.run(['reconstruct', '--trade', gap!, '--case', CASE, '--out', out, '--json']),
      cli.run(['reconstruct', '--trade', gap!, '--case', CASE, '--out', occupied]),
    ]);
    expect(made.code, made.stderr).toBe(0);
    expect(JSON.parse(made.stdout)).toMatchObject({ tradeId: gap, recordings: 0, verified: true, path: out });
    expect((await readJson<Timeline>(join(out, 'data/trade/timeline.json'))).calls).toEqual([]);
    expect(await verifyPack(out)).toMatchObject({ ok: true, recordings: 0 });
    const dom = new JSDOM(await readFile(join(out, 'index.html'), 'utf8'), { runScripts: 'dangerously' });
    try {
      expect(dom.window.document.querySelector('[data-testid="timeline-no-call"]')?.textContent).toContain('No recorded call');
    } finally {
      dom.window.close();
    }

    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('already exists');
    expect(await readFile(join(occupied, 'notes.txt'), 'utf8')).toBe('the officer’s own file');
  });
});
