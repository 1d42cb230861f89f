import { createHash } from 'node:crypto';
import { cp, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { composeReview } from '../../../electron/services/composition/compose-review';
import { shareAtRestKeys, startHarness, uniqueTradingCall, type Harness } from '../../helpers/engine-harness';
import { createKeyringSecretStore } from '../../../electron/services/auth/adapters/keyring-secret-store';
import { runCli } from '../../helpers/run-cli';
import { deflatedEntry, rawZip, storedEntry, zerosEntry, type RawZipEntry } from '../../helpers/zip-bytes';

let h: Harness;
let env: NodeJS.ProcessEnv;
let folderPack: string;
let zipPack: string;
let forgetKeys: (() => Promise<void>) | undefined;
let packEntries: Array<RawZipEntry>;

const GiB = 2 ** 30;
const MB = 1_000_000;

beforeAll(async () => {
  h = await startHarness({ worm: inject('worm').connection });
  env = { CUSTODY_CONFIG_DIR: h.env.CUSTODY_CONFIG_DIR, CUSTODY_DATA_DIR: h.env.CUSTODY_DATA_DIR, DISPLAY: '' };
  // Review sessions here use the app's own keychain service: they open the same (encrypted) index.
  forgetKeys = await shareAtRestKeys(h, createKeyringSecretStore());
  const call = uniqueTradingCall(h.sandbox);
  folderPack = join(h.root, 'pack');
  zipPack = join(h.root, 'pack.zip');
  const selection = { kind: 'tradingIds', tradingIds: [call.tradingId] } as const;
  await h.composed.packs.build({ selection, caseReference: 'FCA-2026-0042', outPath: folderPack });
  await h.composed.packs.build({ selection, caseReference: 'FCA-2026-0042', outPath: zipPack, zip: true });
  packEntries = [];
  for (const file of (await readdir(folderPack, { recursive: true, withFileTypes: true })).filter((e) => e.isFile())) {
    const name = join(file.parentPath, file.name).slice(folderPack.length + 1);
    packEntries.push(storedEntry(name, await readFile(join(folderPack, name))));
  }
}, 180_000);
afterAll(async () => {
  await forgetKeys?.();
  await h?.close();
});

/** A copy of the real pack as a zip, with some entries replaced. */
async function hostileZip(name: string, replace: Record<string, RawZipEntry>): Promise<string> {
  const path = join(h.root, name);
  await writeFile(path, rawZip(packEntries.map((entry) => replace[entry.name] ?? entry)));
  return path;
}

/** Runs `open` with the OS temp directory pointed at a fresh folder, and returns what it left there. */
async function leftInTemp(open: () => Promise<void>): Promise<Array<string>> {
  const temp = await mkdtemp(join(h.root, 'tmp-'));
  const previous = process.env.TMPDIR;
  process.env.TMPDIR = temp;
  try {
    await open();
  } finally {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
  }
  return readdir(temp, { recursive: true });
}

const review = (packPath: string) => composeReview({ profile: h.profile, env: h.env, packPath, reviewer: 'Dana Inspector (FCA)', mediaUrlBase: 'media://recording/' });

describe('a zip bomb', () => {
  it('whose bagit.txt declares 1 GiB is refused by pack verify in under 30 s with peak RSS under 400 MB, and by review with nothing extracted', async () => {
    const bagit = await zerosEntry('bagit.txt', GiB);
    expect(bagit.data.length).toBeLessThan(1.1 * MB);
    const bomb = await hostileZip('bomb.zip', { 'bagit.txt': bagit });

    const verify = await runCli(['pack', 'verify', bomb, '--json', '--profile', h.profile], { env, measurePeakRss: true });
    expect(verify.code, verify.stderr).toBe(2);
    const report = JSON.parse(verify.stdout) as { ok: boolean; format: string | null; problems: Array<{ file: string; problem: string }> };
    expect(report).toMatchObject({ ok: false, format: null });
    expect(report.problems[0]!.problem).toMatch(/^bomb\.zip: bagit\.txt would inflate 1073741824 bytes from \d+ \(\d+:1, over the 100:1 limit\): refused as a zip bomb$/);
    console.log(`zip bomb declaring 1 GiB: pack verify refused it in ${verify.ms} ms, peak RSS ${((verify.peakRssBytes ?? 0) / 2 ** 20).toFixed(0)} MiB`);
    expect(verify.ms).toBeLessThan(30_000);
    expect(verify.peakRssBytes).toBeLessThan(400 * 2 ** 20);

    expect(
      await leftInTemp(async () => {
        await expect(review(bomb)).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('refused as a zip bomb') });
      }),
    ).toEqual([]);
  }, 120_000);

  it('whose bagit.txt declares its honest 19 bytes but inflates to 1 GiB is stopped at 19 bytes, in verify and in review', async () => {
    const bagit = await zerosEntry('bagit.txt', GiB);
    const real = packEntries.find((e) => e.name === 'bagit.txt')!;
    const bomb = await hostileZip('lying-bomb.zip', { 'bagit.txt': { ...bagit, size: real.size, crc: real.crc } });

    const verify = await runCli(['pack', 'verify', bomb, '--profile', h.profile], { env, measurePeakRss: true });
    expect(verify.code, verify.stderr).toBe(2);
    expect(verify.stdout).toContain(`bagit.txt: unreadable: inflates past its declared ${real.size} bytes (damaged, or a zip bomb) [bagit]`);
    console.log(`zip bomb declaring 19 bytes, inflating to 1 GiB: pack verify refused it in ${verify.ms} ms, peak RSS ${((verify.peakRssBytes ?? 0) / 2 ** 20).toFixed(0)} MiB`);
    expect(verify.ms).toBeLessThan(30_000);
    expect(verify.peakRssBytes).toBeLessThan(400 * 2 ** 20);

    // Review opens it as a pack that failed verification; the bomb is not extracted, and closing removes the rest.
    const left = await leftInTemp(async () => {
      const session = await review(bomb);
      expect(session.review.info().review).toMatchObject({ tampered: true });
      const [extracted] = await readdir(process.env.TMPDIR!);
      const files = await readdir(join(process.env.TMPDIR!, extracted!), { recursive: true });
      expect(files).toContain('data/pack.json');
      expect(files).not.toContain('bagit.txt');
      await session.close();
    });
    expect(left).toEqual([]);
  }, 120_000);
});

describe('a corrupt deflated entry', () => {
  it('is a clear problem naming the file (exit 2), never a crash, and review still opens and cleans up', async () => {
    const packJson = deflatedEntry('data/pack.json', packEntries.find((e) => e.name === 'data/pack.json')!.data);
    // Block type 3 is reserved: every inflater rejects the stream at its first byte.
    const corrupt = await hostileZip('corrupt.zip', { 'data/pack.json': { ...packJson, data: Buffer.concat([Buffer.of(0x07), packJson.data.subarray(1)]) } });

    const verify = await runCli(['pack', 'verify', corrupt, '--profile', h.profile], { env });
    expect(verify.stderr).toBe('');
    expect(verify.code).toBe(2);
    expect(verify.stdout).toContain('NOT VERIFIED');
    expect(verify.stdout).toContain('data/pack.json: unreadable: the compressed data is damaged (invalid block type) [manifests]');

    const left = await leftInTemp(async () => {
      const session = await review(corrupt);
      expect(session.review.info().review).toMatchObject({ tampered: true });
      await session.close();
    });
    expect(left).toEqual([]);
  }, 60_000);
});

describe('a proof file that is not JSON', () => {
  it('is reported as a problem naming the file, not an internal error', async () => {
    const forged = join(h.root, 'forged-proof');
    await cp(folderPack, forged, { recursive: true });
    // Replace an audit event with text that is not JSON, and forge a one-leaf tree over it so that
    // its inclusion proof holds and the verifier reaches the event's contents.
    const proofsPath = join(forged, 'data/audit/proofs.json');
    const proofs = JSON.parse(await readFile(proofsPath, 'utf8')) as {
      checkpoint: { path: string; value: Record<string, unknown> };
      events: Array<{ seq: number; path: string; leafHash: string; proof: Array<string> }>;
    };
    const event = proofs.events[0]!;
    const notJson = Buffer.from('this is not { JSON');
    await writeFile(join(forged, event.path), notJson);
    const leaf = createHash('sha256').update(Buffer.concat([Buffer.of(0), notJson])).digest('hex');
    proofs.events = [{ ...event, seq: 0, leafHash: leaf, proof: [] }];
    proofs.checkpoint.value = { ...proofs.checkpoint.value, treeSize: 1, rootHash: leaf };
    await writeFile(proofsPath, JSON.stringify(proofs));
    await writeFile(join(forged, proofs.checkpoint.path), JSON.stringify(proofs.checkpoint.value));

    const verify = await runCli(['pack', 'verify', forged, '--profile', h.profile], { env });
    expect(verify.stderr).toBe('');
    expect(verify.code).toBe(2);
    expect(verify.stdout).toContain(`${event.path}: not valid JSON [proofs]`);
    expect(verify.stdout).not.toMatch(/internal error/i);
  }, 60_000);

  it('is reported when the proofs file itself is not JSON', async () => {
    const forged = join(h.root, 'forged-proofs-file');
    await cp(folderPack, forged, { recursive: true });
    await writeFile(join(forged, 'data/audit/proofs.json'), '{"schema": "custody.pack.proofs.v1", "events": [');
    const verify = await runCli(['pack', 'verify', forged, '--profile', h.profile], { env });
    expect(verify.stderr).toBe('');
    expect(verify.code).toBe(2);
    expect(verify.stdout).toContain('data/audit/proofs.json');
    expect(verify.stdout).not.toMatch(/internal error/i);
  }, 60_000);
});

describe('a review open that fails', () => {
  it('leaves no extracted folder behind', async () => {
    // The journal cannot be written while another connection holds the database: the open fails
    // after the pack was verified and extracted.
    h.composed.db.exec('BEGIN EXCLUSIVE');
    let left: Array<string>;
    try {
      left = await leftInTemp(async () => {
        await expect(review(zipPack)).rejects.toThrow(/database is locked/);
      });
    } finally {
      h.composed.db.exec('ROLLBACK');
    }
    expect(left).toEqual([]);
  }, 60_000);
});
