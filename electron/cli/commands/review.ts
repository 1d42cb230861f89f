import { resolve } from 'node:path';
import { composeReview } from '../../services/composition/compose-review';
import type { ReconciliationReport } from '../../services/review/review-journal';
import { syncJournalOf } from '../../services/review/sync-on-start';
import { bridgeReview, launchShell, SHELL_ORIGIN } from '../../shell/browser-shell';
import { ValidationError } from '../../services/errors';
import { parseFlags, requireFlag } from '../args';
import { pinnedKeyIdOf } from '../../services/signing/key-trust';
import { describeUntrustedKey, verificationExitCode } from './pack';
import { withEngine, type CommandContext } from '../context';
import { electronBinary, ensureRendererBuilt, runElectron } from './ui';

const usage = 'custody review PACK --reviewer NAME [--trusted-key KEYID|PEM_FILE ...] [--headless] [--screenshot PATH]  |  custody review sync-journal [--json]';

/**
 * `custody review PACK --reviewer NAME`: the sealed regulator review (read-only, offline, no
 * credentials, no export; watermark on every page; local journal). `custody review sync-journal`
 * writes the journal to the WORM audit log and prints the reconciliation report.
 */
export async function reviewCommand(ctx: CommandContext, argv: ReadonlyArray<string>): Promise<number> {
  if (argv[0] === 'sync-journal') return syncJournal(ctx, argv.slice(1));
  const flags = parseFlags(
    argv,
    { reviewer: { type: 'string' }, 'trusted-key': { type: 'string', multiple: true }, headless: { type: 'boolean' }, screenshot: { type: 'string' } },
    usage,
  );
  if (flags.positionals.length !== 1) throw new ValidationError(`Give exactly one pack (a directory or a .zip).\n\nUsage: ${usage}`);
  const reviewer = requireFlag(flags.string('reviewer'), '--reviewer', usage);
  const trustedKeys = flags.strings('trusted-key');
  // Bad --trusted-key values stop here, before anything opens.
  await Promise.all(trustedKeys.map(pinnedKeyIdOf));
  const headless = flags.bool('headless') || !(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);
  const rendererDir = await ensureRendererBuilt();
  const electron = electronBinary();
  if (electron && !headless && !flags.string('screenshot')) {
    ctx.output.note('Opening the review in Electron…');
    return runElectron(electron, ctx.profile, { CUSTODY_REVIEW_PACK: resolve(flags.positionals[0]!), CUSTODY_REVIEWER: reviewer, CUSTODY_REVIEW_TRUSTED_KEYS: trustedKeys.join('\n') });
  }
  const composed = await composeReview({ profile: ctx.profile, packPath: resolve(flags.positionals[0]!), reviewer, trustedKeys, mediaUrlBase: `${SHELL_ORIGIN}/media/recording/` });
  const info = composed.review.info().review!;
  ctx.output.note(`Review session ${info.sessionId} for ${reviewer}: pack ${info.packId ?? '(unreadable)'}, case ${info.caseReference ?? '?'}`);
  const { signer, verification } = composed.review.packView();
  const untrusted = signer.trust === 'untrusted';
  if (untrusted) ctx.output.note(`WARNING: untrusted key. ${describeUntrustedKey(signer)}`);
  if (verification.verdict === 'failed') ctx.output.note('WARNING: the pack does not verify; the review shows what was found.');
  const shell = await launchShell(
    (context) => bridgeReview(context, composed, { rendererDir }),
    { headless },
  );
  try {
    await shell.page.getByTestId('review-workspace').waitFor({ timeout: 30_000 });
    const screenshot = flags.string('screenshot');
    if (screenshot) await shell.page.screenshot({ path: resolve(screenshot) });
    if (!headless) {
      ctx.output.note('The review is open. Close the browser window to end the session.');
      await new Promise<void>((done) => shell.browser.once('disconnected', () => done()));
    }
    ctx.output.result({ session: info, signer, screenshot: screenshot ? resolve(screenshot) : null }, () =>
      `Review session ${info.sessionId} ${untrusted ? 'opened a pack signed by an untrusted key' : info.tampered ? 'opened a pack that FAILED verification' : 'opened a verified pack'}; journaled locally.${screenshot ? ` Screenshot: ${resolve(screenshot)}` : ''}`,
    );
    return verificationExitCode(verification.verdict);
  } finally {
    await shell.close();
    await composed.close();
  }
}

async function syncJournal(ctx: CommandContext, argv: ReadonlyArray<string>): Promise<number> {
  parseFlags(argv, {}, usage);
  const report = await withEngine(ctx, (composed) => syncJournalOf(composed));
  ctx.output.result(report, () => describeReconciliation(report));
  return report.failed > 0 || report.rejected > 0 || !report.chainIntact ? 2 : 0;
}

export function describeReconciliation(report: ReconciliationReport): string {
  const lines = [
    `Review journal: ${report.entries} entries, ${report.pendingBefore} were pending; ${report.written} written to the WORM log, ${report.alreadyInLog} already there, ${report.rejected} rejected, ${report.failed} failed.`,
    report.chainIntact
      ? `Local journal chain intact (keyed head checked${report.legacyEntries ? `; ${report.legacyEntries} entries from before the journal was keyed` : ''}).`
      : `LOCAL JOURNAL ALTERED at entry ${report.brokenAtSeq}: ${report.alterations.join('; ')}.${report.alterationEventId ? ` Recorded in the WORM log (${report.alterationEventId}).` : ''}`,
  ];
  for (const item of report.items) lines.push(`  #${item.seq} ${item.time} ${item.reviewer} ${item.action}${item.recordingId ? ` ${item.recordingId}` : ''}: ${item.outcome}${item.auditEventId ? ` (${item.auditEventId})` : ''}${item.error ? ` — ${item.error}` : ''}`);
  return lines.join('\n');
}
