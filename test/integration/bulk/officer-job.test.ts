import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, inject, it } from 'vitest';
import type { JobDetail } from '../../../shared/jobs';
import { auditEvents, auditedDownloads, filesUnder, partialsUnder, readManifest, recordingsInQueue } from '../../helpers/bulk';
import { shareProfileWithCli } from '../../helpers/cli-profile';
import { startHarness, TEST_ANCHOR } from '../../helpers/engine-harness';
import { OFFICER_A_LOGIN, OFFICER_B_LOGIN, signInThroughCli } from '../../helpers/officer-signin';
import type { SandboxStats } from '../../sandbox/server';

const DAY = 86_400_000;
const bin = fileURLToPath(new URL('../../../bin/custody.mjs', import.meta.url));
const OLIVIA = '0ff1ce00-0000-4000-8000-00000000000a';
const OSCAR = '0ff1ce00-0000-4000-8000-00000000000b';

/** API requests per kind of token holder, from the sandbox's own accounting. */
function requestsBy(stats: SandboxStats): { service: number; byUser: Record<string, number> } {
  let service = 0;
  for (const [tokenId, count] of Object.entries(stats.byToken)) if (stats.tokens[tokenId]?.grant === 'client_credentials') service += count;
  return { service, byUser: stats.byUser };
}

describe("an officer's bulk job and her sign-in", () => {
  it('pauses naming her when Genesys revokes her sign-in, waits for her (not another officer), resumes after she signs in again, and completes with no gap and no duplicate, all under her own token', async () => {
    const harness = await startHarness({ worm: inject('worm').connection, sandbox: { recordings: 40, days: 10, archivedFraction: 0 } });
    const cli = await shareProfileWithCli(harness);
    try {
      const cliEnv = { CUSTODY_CONFIG_DIR: harness.env.CUSTODY_CONFIG_DIR, CUSTODY_DATA_DIR: harness.env.CUSTODY_DATA_DIR };
      const signInCli = async (user: typeof OFFICER_A_LOGIN) => {
        const run = await signInThroughCli(['--profile', harness.profile], cliEnv, user);
        expect(run.code, run.stderr).toBe(0);
      };
      const sandboxControl = (path: string) => fetch(`${harness.sandbox.url}/__sandbox/${path}`, { method: 'POST' });
      const from = new Date(TEST_ANCHOR.getTime() - 10 * DAY).toISOString();
      const to = TEST_ANCHOR.toISOString();
      const expected = recordingsInQueue(harness.sandbox, 'FX Spot Desk', Date.parse(from), Date.parse(to)).map((r) => r.id).sort();
      expect(expected.length).toBeGreaterThan(6);
      const outDir = join(harness.root, 'out');
      harness.sandbox.resetStats();

      // Officer A starts the job through the CLI; one call per conversation keeps it calling Genesys to the end.
      const child = spawn(
        process.execPath,
        [bin, 'retrieve', '--queue', 'FX Spot Desk', '--from', from, '--to', to, '--case', 'FCA-2026-0042', '--out', outDir, '--concurrency', '1', '--api', 'per-conversation', '--json', '--profile', harness.profile],
        { env: { ...process.env, CUSTODY_CONFIG_DIR: harness.env.CUSTODY_CONFIG_DIR, CUSTODY_DATA_DIR: harness.env.CUSTODY_DATA_DIR }, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += String(d)));
      const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
      let revoked = false;
      let result: (JobDetail & { event: string }) | null = null;
      for await (const line of createInterface({ input: child.stdout })) {
        const event = JSON.parse(line) as JobDetail & { event: string };
        if (event.event === 'result') result = event;
        if (event.event === 'progress' && event.counts.done >= 3 && !revoked) {
          revoked = true;
          expect((await sandboxControl('users/officer.a@sandbox.custody.test/revoke')).status).toBe(200);
        }
      }
      expect(await exited, stderr).toBe(1);
      expect(revoked).toBe(true);
      expect(result).toMatchObject({ state: 'paused', awaitingSignIn: true, runAs: { kind: 'officer', officer: { genesysUserId: OLIVIA, name: 'Olivia Adler' } } });
      expect(result!.message).toMatch(/^paused: Olivia Adler must sign in again/);
      const jobId = result!.id;

      // Shown as such, and nothing lost: what is not retrieved waits, nothing failed.
      const shown = await cli.run(['jobs', 'show', jobId]);
      expect(shown.code, shown.stderr).toBe(0);
      expect(shown.stdout).toContain('paused: Olivia Adler must sign in again');
      expect(shown.stdout).toContain('runs as: Olivia Adler (officer.a@sandbox.custody.test)');
      const paused = JSON.parse((await cli.run(['jobs', 'show', jobId, '--json'])).stdout) as JobDetail;
      expect(paused.counts.failed).toBe(0);
      expect(paused.counts.done).toBeGreaterThanOrEqual(3);
      expect(paused.counts.done).toBeLessThan(expected.length);

      // Another officer signed in: the job waits for its own, and calls nothing under his token.
      await signInCli(OFFICER_B_LOGIN);
      const oscarBefore = harness.sandbox.stats().byUser[OSCAR] ?? 0;
      const waiting = await cli.run(['jobs', 'resume', jobId], { timeoutMs: 90_000 });
      expect(waiting.code, waiting.stderr).toBe(1);
      expect(waiting.stdout).toMatch(/paused: Olivia Adler must sign in again\. Oscar Brandt is signed in/);
      expect(harness.sandbox.stats().byUser[OSCAR] ?? 0).toBe(oscarBefore);
      expect((JSON.parse((await cli.run(['jobs', 'show', jobId, '--json'])).stdout) as JobDetail).counts.done).toBe(paused.counts.done);

      // Genesys lets her back in; she signs in again, and the job resumes to its end.
      expect((await sandboxControl('users/officer.a@sandbox.custody.test/restore')).status).toBe(200);
      await signInCli(OFFICER_A_LOGIN);
      const resumed = await cli.run(['jobs', 'resume', jobId], { timeoutMs: 120_000 });
      expect(resumed.code, resumed.stderr).toBe(0);
      expect(resumed.stdout).toContain(`Job ${jobId}: done - ${expected.length} of ${expected.length} recordings retrieved`);

      // No gap, no duplicate: each recording written once, verified, and recorded in the audit log once.
      const manifest = await readManifest(outDir);
      expect(manifest.files.map((f) => f.recordingId).sort()).toEqual(expected);
      const files = await filesUnder(outDir);
      expect(files.size).toBe(expected.length);
      for (const f of manifest.files) expect(files.get(f.file)).toBe(f.sha256);
      expect(await partialsUnder(outDir)).toEqual([]);
      const downloads = auditedDownloads(await auditEvents(harness)).filter((d) => expected.includes(d.recordingId));
      expect(downloads.map((d) => d.recordingId).sort()).toEqual(expected);

      // Genesys saw her requests under her own tokens, none under the service client's.
      const by = requestsBy(harness.sandbox.stats());
      expect(by.service).toBe(0);
      expect(by.byUser[OLIVIA]).toBeGreaterThanOrEqual(expected.length);
    } finally {
      await cli.dispose();
      await harness.close();
    }
  }, 300_000);
});
