import { GetObjectRetentionCommand } from '@aws-sdk/client-s3';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { auditEventKey } from '../../services/audit/layout';
import type { AuditDomain } from '../../services/composition/compose-audit';
import { composeEngine } from '../../services/composition/compose-engine';
import { syncPendingReviewJournal } from '../../services/review/sync-on-start';
import { launchBrowserShell, SHELL_ORIGIN } from '../../shell/browser-shell';
import { runDemo } from '../../shell/demo';
import { parseFlags } from '../args';
import { loadSandboxPlugin } from '../sandbox-plugin';
import { readBlotterFile } from './trades';
import type { CommandContext } from '../context';

const usage = 'custody ui [--demo] [--headless] [--case REF] [--screenshot PATH] [--blotter FILE]';
const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));

/**
 * `custody ui`: the app. Electron where its binary is installed and a display exists; otherwise the
 * same renderer in Debian's Chromium (the browser shell). Without a display, or with --demo, it drives
 * the UI through the main job itself and reports each step, so it never just fails on a server.
 */
export async function uiCommand(ctx: CommandContext, argv: ReadonlyArray<string>): Promise<number> {
  const flags = parseFlags(
    argv,
    { demo: { type: 'boolean' }, headless: { type: 'boolean' }, case: { type: 'string' }, screenshot: { type: 'string' }, blotter: { type: 'string' } },
    usage,
  );
  const hasDisplay = Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);
  const headless = flags.bool('headless') || !hasDisplay;
  const demo = flags.bool('demo') || headless;
  if (flags.string('blotter') !== undefined && !demo) {
    ctx.output.note(`Only the demo imports --blotter: sign in, then import ${flags.string('blotter')} with "custody trades import" (or from the Trades section).`);
  }
  const rendererDir = await ensureRendererBuilt();
  const electron = electronBinary();
  if (electron && !headless && !demo) {
    ctx.output.note('Starting Custody in Electron…');
    return runElectron(electron, ctx.profile);
  }
  ctx.output.note(electron ? 'Starting Custody in the browser shell…' : 'Electron is not installed here: starting Custody in the browser shell (Debian Chromium)…');
  const composed = await composeEngine({ profile: ctx.profile, mediaUrlBase: `${SHELL_ORIGIN}/media/recording/`, backgroundTranscripts: true });
  const journal = await syncPendingReviewJournal(composed);
  if (journal) ctx.output.note(`Review journal: ${journal.written} entries written to the WORM audit log, ${journal.failed} still pending.`);
  const shell = await launchBrowserShell(composed, { rendererDir, headless });
  try {
    if (!demo) {
      ctx.output.note('Custody is open. Close the browser window (or press Ctrl-C) to quit.');
      // Either way the engine closes in order below: jobs paused at an item boundary, audit drained, database closed.
      await new Promise<void>((done) => {
        shell.browser.once('disconnected', () => done());
        process.once('SIGINT', () => done());
        process.once('SIGTERM', () => done());
      });
      return 0;
    }
    ctx.output.note(hasDisplay ? 'Demo: driving the app through the main job.' : 'No display: driving the app headless through the main job.');
    const caseReference = flags.string('case') ?? `DEMO-${new Date().toISOString().slice(0, 10)}`;
    const outcome = await runDemo(shell.page, {
      caseReference,
      screenshot: resolve(flags.string('screenshot') ?? 'custody-demo.png'),
      say: (line) => ctx.output.note(`  ${line}`),
      // Nobody signed in on a fresh profile: the demo signs the sandbox's seeded officer in, through its login page.
      officer: (await loadSandboxPlugin().catch(() => null))?.demoOfficer ?? null,
    });
    const blotterFile = flags.string('blotter');
    if (blotterFile !== undefined) {
      // The demo's officer is signed in now: the desk's blotter is imported under her, so the Trades section has trades.
      const report = await composed.trades.importer.importBlotter(await readBlotterFile(blotterFile), caseReference);
      ctx.output.note(`  7. Imported the desk's blotter ${report.fileName}: ${report.inserted} trades added, ${report.updated} updated, ${report.unchanged} unchanged, ${report.rejected.length} rejected`);
      const matched = await composed.trades.matching.match();
      ctx.output.note(`  8. Matched ${matched.voiceTrades} voice trades to calls: ${matched.linked} linked, ${matched.candidates} with candidates, ${matched.none} with no recorded call`);
      const played = await composed.repositories.trades.trade(outcome.tradingId);
      if (played) {
        const pack = await composed.trades.reconstruction.reconstruct({ tradeId: played.tradeId, zip: false, caseReference });
        ctx.output.note(`  9. Reconstructed trade ${played.tradeId} (${pack.recordings} recordings, ${pack.verified ? 'verified' : 'NOT verified'}): ${pack.path}`);
      }
    }
    const proof = await wormProof(composed.audit, outcome.auditEventId);
    ctx.output.result({ ...outcome, worm: proof }, () =>
      [
        `Played ${outcome.playedSeconds.toFixed(1)} s of trade ${outcome.tradingId} (conversation ${outcome.conversationId}).`,
        `WORM audit record: s3://${proof.bucket}/${proof.key}`,
        `  retention ${proof.mode} until ${proof.retainUntil}; it cannot be altered or deleted before then.`,
        `Screenshot: ${outcome.screenshot}`,
      ].join('\n'),
    );
    return 0;
  } finally {
    await shell.close();
    await composed.close();
  }
}

/** Where the demo's play was recorded in the bucket (found through the mirror, not a scan), and the lock radosgw holds on it. */
async function wormProof(audit: Pick<AuditDomain, 'log'>, eventId: string) {
  const { mirror, s3, bucket, logId } = await audit.log();
  await mirror.drain();
  const seq = await mirror.seqOfEventId(eventId);
  if (seq === null) throw new Error(`audit event ${eventId} is not in this workstation's audit log`);
  const key = auditEventKey(logId, seq);
  const retention = await s3.send(new GetObjectRetentionCommand({ Bucket: bucket, Key: key }));
  return { bucket, key, mode: retention.Retention?.Mode ?? 'unknown', retainUntil: retention.Retention?.RetainUntilDate?.toISOString() ?? 'unknown' };
}

export async function ensureRendererBuilt(): Promise<string> {
  const dir = join(repoRoot, 'dist', 'renderer');
  if (!existsSync(join(dir, 'index.html'))) {
    const { build } = await import('vite');
    await build({ configFile: join(repoRoot, 'renderer', 'vite.config.ts'), logLevel: 'error' });
  }
  return dir;
}

/** The Electron binary if it was downloaded (it is skipped on closed networks). */
export function electronBinary(): string | null {
  try {
    const pkg = createRequire(import.meta.url).resolve('electron/package.json');
    const pathFile = join(dirname(pkg), 'path.txt');
    if (!existsSync(pathFile)) return null;
    const binary = join(dirname(pkg), 'dist', readFileSync(pathFile, 'utf8').trim());
    return existsSync(binary) ? binary : null;
  } catch {
    return null;
  }
}

export function runElectron(binary: string, profile: string, extraEnv: Record<string, string> = {}): Promise<number> {
  const main = join(repoRoot, 'dist', 'electron', 'main.mjs');
  const child = spawn(binary, [main], { stdio: 'inherit', env: { ...process.env, ...extraEnv, CUSTODY_PROFILE: profile } });
  return new Promise((done) => child.once('exit', (code) => done(code ?? 1)));
}
