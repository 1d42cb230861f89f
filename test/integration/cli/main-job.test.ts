import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256File } from '../../../electron/services/storage/durable-file';
import { profilePaths, updateProfile } from '../../../electron/services/config/profile';
import { OFFICER_A_LOGIN, signInThroughCli } from '../../helpers/officer-signin';
import { runCli } from '../../helpers/run-cli';

let env: NodeJS.ProcessEnv;
let root: string;
let sandbox: ChildProcess | undefined;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'custody-cli-job-'));
  // XDG_RUNTIME_DIR puts this test's radosgw run dir apart from any other local WORM store.
  env = { CUSTODY_CONFIG_DIR: join(root, 'config'), CUSTODY_DATA_DIR: join(root, 'data'), XDG_RUNTIME_DIR: join(root, 'run') };
});
afterAll(async () => {
  sandbox?.kill('SIGTERM');
  await runCli(['worm', 'stop'], { env });
  await rm(root, { recursive: true, force: true });
});

describe('the custody command, after "worm start" and "sandbox", with no further flags', () => {
  it('searches a trade and fetches its call, audited, verified, and refuses once the WORM store is gone', async () => {
    const worm = await runCli(['worm', 'start', '--retention-days', '1', '--json'], { env });
    expect(worm.code, worm.stderr).toBe(0);
    expect(JSON.parse(worm.stdout)).toMatchObject({ running: true, bucket: 'custody-audit', retentionDays: 1 });
    expect((await runCli(['worm', 'status'], { env })).code).toBe(0);

    sandbox = spawn(process.execPath, [fileURLToPath(new URL('../../../bin/custody.mjs', import.meta.url)), 'sandbox', '--json'], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const announced = JSON.parse(await new Promise<string>((resolve) => createInterface({ input: sandbox!.stdout! }).once('line', resolve))) as {
      url: string;
    };
    expect(announced.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const profile = JSON.parse(await readFile(join(root, 'config', 'profiles', 'default.json'), 'utf8')) as Record<string, unknown>;
    expect(profile).toMatchObject({ genesys: { gateway: announced.url }, worm: { auditBucket: 'custody-audit', mode: 'COMPLIANCE' } });
    expect(JSON.stringify(profile)).not.toMatch(/secret/i);

    // The officer signs in (through "the browser", on any free loopback port as the sandbox allows).
    await updateProfile(profilePaths('default', { ...process.env, ...env }).profileFile, (p) => ({ ...p, officerSignIn: { ...p.officerSignIn, redirectPort: 0 } }));
    const signin = await signInThroughCli([], env, OFFICER_A_LOGIN);
    expect(signin.code, signin.stderr).toBe(0);

    const listed = await runCli(['search', '--queue', 'FX', '--json'], { env });
    expect(listed.code, listed.stderr).toBe(0);
    const result = JSON.parse(listed.stdout) as { matches: Array<{ tradingId: string | null; conversationId: string; recordingId: string | null }> };
    const trade = result.matches.find((m) => m.tradingId && m.recordingId)!;
    expect(trade).toBeDefined();
    for (const key of ['conversationId', 'recordingId', 'tradingId', 'clientAccount', 'startTime', 'queue', 'agent']) {
      expect(Object.keys(result.matches[0]!)).toContain(key);
    }

    const byTrade = await runCli(['search', '--trading-id', trade.tradingId!], { env });
    expect(byTrade.stdout).toContain(trade.conversationId);
    expect(byTrade.stdout).toMatch(/search audited as [0-9a-f-]{36}/);

    const out = join(root, 'out');
    const fetched = await runCli(['fetch', '--conversation', trade.conversationId, '--case', 'FCA-2026-0042', '--out', out, '--json'], { env });
    expect(fetched.code, fetched.stderr).toBe(0);
    const file = JSON.parse(fetched.stdout.trim().split('\n')[0]!) as { path: string; sha256: string; bytes: number; auditEventId: string };
    expect(await sha256File(file.path)).toBe(file.sha256);
    expect(file.auditEventId).toMatch(/^[0-9a-f-]{36}$/);

    expect((await runCli(['worm', 'stop'], { env })).code).toBe(0);
    expect((await runCli(['worm', 'status'], { env })).code).toBe(3);
    const other = result.matches.find((m) => m.recordingId && m.conversationId !== trade.conversationId)!;
    const refused = await runCli(['fetch', '--conversation', other.conversationId, '--case', 'FCA-2026-0042', '--out', join(root, 'out2')], { env });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/audit/i);
    await expect(readdir(join(root, 'out2'))).rejects.toMatchObject({ code: 'ENOENT' });
  }, 120_000); // starts its own radosgw and sandbox processes: 18 s on a quiet machine, over 60 s on a loaded one
});
