import { spawn } from 'node:child_process';
import { access, mkdir, readdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createKeyringSecretStore } from '../../../electron/services/auth/adapters/keyring-secret-store';
import { CredentialVault } from '../../../electron/services/auth/credentials';
import { SecretRedactor } from '../../../electron/services/logging/redactor';
import { verifyPack } from '../../../electron/services/packs/pack-verifier';
import { SANDBOX_CLIENT } from '../../sandbox/server';
import { shareAtRestKeys, startHarness, type Harness } from '../../helpers/engine-harness';
import { OFFICER_A_LOGIN, signInOfficer } from '../../helpers/officer-signin';
import { runCli } from '../../helpers/run-cli';
import { seedTinyRecordings } from '../../helpers/synthetic-recordings';

const bin = fileURLToPath(new URL('../../../bin/custody.mjs', import.meta.url));
const cliSecrets = createKeyringSecretStore();

let h: Harness;
let env: NodeJS.ProcessEnv;
let folder: string;
let allConversations: string;
let oneConversation: string;

let forgetAtRestKeys: (() => Promise<void>) | undefined;
beforeAll(async () => {
  h = await startHarness({ worm: inject('worm').connection });
  // The CLI reads the real keychain under the app's own service name.
  const vault = new CredentialVault(cliSecrets, h.profile, new SecretRedactor());
  await vault.saveGenesys(SANDBOX_CLIENT);
  await vault.saveWorm({ accessKeyId: h.worm.accessKeyId, secretAccessKey: h.worm.secretAccessKey });
  forgetAtRestKeys = await shareAtRestKeys(h, cliSecrets);
  // The CLI builds as the officer signed in on its own keychain: officer A.
  await signInOfficer({ profile: h.profile, env: h.env, secrets: cliSecrets, user: OFFICER_A_LOGIN });
  env = { CUSTODY_CONFIG_DIR: h.env.CUSTODY_CONFIG_DIR, CUSTODY_DATA_DIR: h.env.CUSTODY_DATA_DIR, DISPLAY: '' };
  // Enough recordings that a build lasts long enough to be killed in each of its stages.
  const seeded = await seedTinyRecordings({ db: h.composed.db, dataDir: h.composed.paths.dataDir, cacheKey: await h.composed.vault.atRestKey('cache-key') }, 600, 'kill');
  allConversations = join(h.root, 'all.txt');
  oneConversation = join(h.root, 'one.txt');
  await writeFile(allConversations, `${seeded.map((r) => r.conversationId).join('\n')}\n`);
  await writeFile(oneConversation, `${seeded[0]!.conversationId}\n`);
  folder = join(h.root, 'packs');
  await mkdir(folder);
}, 120_000);
afterAll(async () => {
  for (const kind of ['genesys', 'worm', 'signing-key', 'officer']) await cliSecrets.delete(`${h.profile}/${kind}`);
  await forgetAtRestKeys?.();
  await h?.close();
});

const partialsIn = async (dir: string) => (await readdir(dir)).filter((name) => name.includes('.partial-'));
async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

type Stage = { name: string; zip?: boolean; reached: (partial: string) => Promise<boolean> };

/** Moments of a build, told from its partial folder: the kill comes as soon as one is seen. */
const stages: Array<Stage> = [
  { name: 'the partial folder appears (manifest written, export being audited)', reached: async () => true },
  { name: 'recordings being copied', reached: async (partial) => (await readdir(join(partial, 'data/recordings')).catch(() => [])).length >= 150 },
  { name: 'metadata, pack.json and load files being written', reached: (partial) => exists(join(partial, 'data/metadata')) },
  { name: 'the zip being written', zip: true, reached: (partial) => exists(`${partial}.zip`) },
];

/** Runs `custody pack build` and SIGKILLs it once `stage` is reached; true if it was killed, false if it finished first. */
async function buildAndKill(out: string, stage: Stage): Promise<boolean> {
  const args = ['pack', 'build', '--conversations', allConversations, '--case', 'FCA-2026-0666', '--out', out, ...(stage.zip ? ['--zip'] : []), '--json', '--profile', h.profile];
  const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, ...env }, stdio: 'ignore' });
  let done = false;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      done = true;
      resolve();
    }),
  );
  const deadline = Date.now() + 240_000;
  while (!done && Date.now() < deadline) {
    const partial = (await partialsIn(folder)).find((name) => name.startsWith(`.${basename(out)}.partial-`) && !name.endsWith('.zip'));
    if (partial && (await stage.reached(join(folder, partial)))) {
      child.kill('SIGKILL');
      await exited;
      return true;
    }
    await delay(20);
  }
  if (!done) child.kill('SIGKILL');
  await exited;
  return false;
}

describe('a pack build killed at any moment', () => {
  it('leaves no partial after the next run, and its destination absent or a complete pack that verifies', { timeout: 900_000 }, async () => {
    const outs: Array<string> = [];
    let killedWithPartial = 0;
    for (const [i, stage] of stages.entries()) {
      const out = join(folder, `pack-${i}${stage.zip ? '.zip' : ''}`);
      outs.push(out);
      if (await buildAndKill(out, stage)) {
        // Killed: its partial (folder, and zip) stays until another run sees its owner is gone; this
        // build removed those of the build killed before it.
        const left = await partialsIn(folder);
        expect(left.every((name) => name.startsWith(`.${basename(out)}.partial-`)), stage.name).toBe(true);
        if (left.length > 0) killedWithPartial += 1;
      }
    }
    expect(killedWithPartial).toBeGreaterThan(0);

    const next = await runCli(['pack', 'build', '--conversations', oneConversation, '--case', 'FCA-2026-0666', '--out', join(folder, 'next'), '--json', '--profile', h.profile], { env, timeoutMs: 120_000 });
    expect(next.stderr).toBe('');
    expect(next.code).toBe(0);
    expect(await partialsIn(folder)).toEqual([]);
    for (const out of outs) {
      if (await exists(out)) expect(await verifyPack(out), out).toMatchObject({ ok: true, recordings: 600 });
    }
  });
});
