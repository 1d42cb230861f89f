import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { hostReview } from '../../electron/main/review-host';
import { auditEventKey } from '../../electron/services/audit/layout';
import { composeReview } from '../../electron/services/composition/compose-review';
import { bridgeContext, bridgeHost, SHELL_MAX_RANGE_BYTES, SHELL_ORIGIN } from '../../electron/shell/browser-shell';
import { startHarness, uniqueTradingCall } from '../helpers/engine-harness';
import { deleteNewestVersionBypassingGovernance } from '../helpers/worm';
import { blotterCsv, sandboxBlotter } from '../sandbox/blotter';
import { expectNoAxeViolations } from './axe';
import { expect, openApp, sharedWorm, startSignIn, test } from './fixtures';

// Every screen and state an officer or a regulator can reach, checked by axe-core against WCAG 2.1 A and AA.

const rendererDir = fileURLToPath(new URL('../../dist/renderer', import.meta.url));

test('every screen of the officer app has no WCAG 2.1 A/AA violation', async ({ page }) => {
  // Every screen, each checked by axe, on a shared 2-core machine; a rate-limit wait may come on top (see holds).
  test.setTimeout(360_000);
  // GOVERNANCE so that the end of the test can tamper with the log and show the failed-integrity state.
  const harness = await startHarness({
    worm: sharedWorm(),
    mediaUrlBase: `${SHELL_ORIGIN}/media/recording/`,
    auditMode: 'GOVERNANCE',
    profile: (p) => ({ ...p, audit: { ...p.audit, checkpoint: { everyEvents: 3, everyMinutes: 10 } } }),
  });
  const bridge = await bridgeContext(page.context(), harness.composed, { rendererDir });
  try {
    const call = uniqueTradingCall(harness.sandbox);
    const start = Date.parse(call.conversation.startTime);
    await (await harness.composed.archive.job()).run({ sinceMs: start, untilMs: start + 1 });
    // The last 30 days indexed under the service account first: the unknown-trade hold below reads
    // them otherwise, under the officer's token, which by then has made hundreds of calls this minute
    // and waits out Genesys's 429 (300 a minute per token) before the refusal can show.
    await (await harness.composed.genesys.services()).sync.sync(Date.now() - 30 * 86_400_000, Date.now());
    await page.goto(bridge.appUrl);
    await expect(page.getByTestId('header-officer-name')).toHaveText('Olivia Adler');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Custody');
    await expectNoAxeViolations(page, 'recordings: search form, no results, no recording');

    await page.getByTestId('search-trading-id').fill(call.tradingId);
    await page.getByTestId('search-submit').click();
    await expect(page.getByTestId('result-row')).toHaveCount(1);
    await expectNoAxeViolations(page, 'search results');

    await page.getByTestId('result-row').click();
    await expect(page.getByTestId('archive-copy')).toBeVisible();
    await expectNoAxeViolations(page, 'recording view with its archive copy');

    await page.getByTestId('recording-view').getByTestId('play-button').click();
    await expect(page.getByTestId('case-reference-dialog')).toBeVisible();
    await expectNoAxeViolations(page, 'case-reference dialog');
    await page.getByTestId('case-reference-submit').click();
    await expect(page.getByTestId('case-reference-dialog').getByRole('alert')).toBeVisible();
    await expectNoAxeViolations(page, 'case-reference dialog with its problem');
    await page.getByTestId('case-reference-input').fill('FCA-2026-0042');
    await page.getByTestId('case-reference-submit').click();
    const audio = page.getByTestId('playback-audio');
    await expect.poll(() => audio.evaluate((a) => (a as HTMLAudioElement).currentTime), { timeout: 20_000 }).toBeGreaterThan(0.5);
    await expectNoAxeViolations(page, 'recording view, playing');

    await page.getByTestId('select-for-pack').check();
    await expect(page.getByTestId('pack-bar')).toContainText('1 recording selected');
    await expectNoAxeViolations(page, 'evidence pack bar');
    await page.getByTestId('prepare-pack').click();
    await expect(page.getByTestId('pack-result')).toBeVisible({ timeout: 60_000 });
    await expectNoAxeViolations(page, 'evidence pack written');

    await page.getByTestId('nav-jobs').click();
    await expect(page.getByTestId('jobs-empty')).toBeVisible();
    await expectNoAxeViolations(page, 'jobs, none');
    await page.getByTestId('nav-recordings').click();
    await page.getByTestId('retrieve-all').click();
    await expect(page.getByTestId('job-card').first()).toHaveAttribute('data-state', 'done', { timeout: 60_000 });
    await expectNoAxeViolations(page, 'jobs, one done');

    await page.getByTestId('nav-holds').click();
    await expect(page.getByTestId('holds-empty')).toBeVisible();
    await expectNoAxeViolations(page, 'holds, none');
    await page.getByTestId('hold-trading-id').fill('T-00000000-0000');
    await page.getByTestId('hold-case').fill('FCA-2026-0142');
    await page.getByTestId('hold-reason').fill('checking a trade id from a letter');
    await page.getByTestId('hold-place').click();
    // The refusal follows a read of the last 30 days under the officer's token; after this walk's hundreds of calls
    // that minute, Genesys (and the sandbox) may answer 429, and the read waits out Retry-After (up to a minute).
    await expect(page.getByTestId('holds-error')).toBeVisible({ timeout: 90_000 });
    await expectNoAxeViolations(page, 'holds, refused');
    await page.getByTestId('hold-trading-id').fill(call.tradingId);
    await page.getByTestId('hold-place').click();
    const hold = page.getByTestId('hold-row');
    await expect(hold.getByTestId('hold-state')).toHaveText('active');
    await expectNoAxeViolations(page, 'holds, one active');
    await hold.getByTestId('hold-request-release').click();
    await expectNoAxeViolations(page, 'holds, asking for a release');
    await hold.getByTestId('hold-release-reason').fill('FCA closed the request');
    await hold.getByTestId('hold-release-submit').click();
    await expect(hold.getByTestId('hold-four-eyes-note')).toBeVisible();
    await expectNoAxeViolations(page, 'holds, release awaiting a second officer');

    await page.getByTestId('nav-posture').click();
    await expect(page.getByTestId('posture-empty')).toBeVisible();
    await expectNoAxeViolations(page, 'posture, not run');
    await page.getByTestId('posture-run').click();
    await expect(page.getByTestId('posture-summary')).toBeVisible({ timeout: 60_000 });
    await page.locator('[data-check-id="archive-bucket.object-lock"]').getByText('Evidence').click();
    await expectNoAxeViolations(page, 'posture report with evidence open');

    await page.getByTestId('nav-trades').click();
    await expect(page.getByTestId('trades-empty')).toBeVisible();
    await expectNoAxeViolations(page, 'trades, no blotter');
    const blotterPath = join(harness.root, 'blotter.csv');
    await writeFile(blotterPath, blotterCsv(sandboxBlotter(harness.sandbox.dataset).trades));
    await page.getByTestId('trades-import-file').setInputFiles(blotterPath);
    await page.getByTestId('trades-match').click();
    // Matching syncs the blotter's span and the timeline lists its calls' recordings, both under the officer's
    // token: after this walk's calls they may wait out a 429 as the hold refusal above does.
    await expect(page.getByTestId('trades-match-result')).toBeVisible({ timeout: 90_000 });
    await page.getByTestId('trade-open').first().click();
    await page.getByTestId('trade-timeline-show').click();
    await expect(page.getByTestId('trade-timeline')).toBeVisible({ timeout: 90_000 });
    await expectNoAxeViolations(page, 'trades: import report, matching, a trade with its candidates, decisions and timeline');
    await page.getByTestId('trades-tab-gaps').click();
    await expect(page.getByTestId('trade-gap').first()).toBeVisible();
    await expectNoAxeViolations(page, 'trades: gaps');

    await page.getByTestId('nav-audit').click();
    await expect(page.getByTestId('audit-row').first()).toBeVisible();
    await expectNoAxeViolations(page, 'audit trail');
    await page.getByTestId('audit-verify').click();
    await expect(page.getByTestId('audit-verification')).toHaveAttribute('data-ok', 'true');
    await expectNoAxeViolations(page, 'audit trail, verified');
    const trail = await harness.composed.audit.log();
    const key = auditEventKey(trail.logId, 1);
    await deleteNewestVersionBypassingGovernance(harness.s3, harness.bucket, key);
    await page.getByTestId('audit-verify').click();
    await expect(page.getByTestId('audit-integrity')).toHaveAttribute('data-state', 'failed');
    await expectNoAxeViolations(page, 'audit trail, integrity failed');
  } finally {
    // The host's periodic checkpoint stops before the engine it writes with.
    bridge.host.dispose();
    await harness.close();
  }
});

test.describe('nobody signed in', () => {
  test.use({ officer: null });

  test('the sign-in screen has no WCAG 2.1 A/AA violation: nobody signed in, waiting for the browser, refused, cancelled', async ({ page, harness }) => {
    await openApp(page, harness);
    await expect(page.getByTestId('sign-in-screen')).toBeVisible();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Custody');
    await expectNoAxeViolations(page, 'sign-in screen');

    const login = await startSignIn(page);
    await expect(page.getByTestId('sign-in-waiting')).toBeVisible();
    await expectNoAxeViolations(page, 'sign-in screen, waiting for the browser');

    // A redirect that is not the answer to Custody's request (another state): refused, and said so.
    const redirectUri = new URL(login.url()).searchParams.get('redirect_uri')!;
    await fetch(`${redirectUri}?code=forged&state=not-ours`);
    await expect(page.getByTestId('sign-in-error')).toContainText('wrong state');
    await expectNoAxeViolations(page, 'sign-in screen, sign-in refused');

    await page.getByTestId('sign-in').click();
    await page.getByTestId('sign-in-cancel').click();
    await expect(page.getByText('Sign-in cancelled. Nobody is signed in.')).toBeVisible();
    await expectNoAxeViolations(page, 'sign-in screen, cancelled');
  });
});

test("review mode and the pack's offline viewer have no WCAG 2.1 A/AA violation", async ({ page, harness, browser }) => {
  const call = uniqueTradingCall(harness.sandbox);
  const packPath = join(harness.root, 'a11y-pack');
  await harness.composed.packs.build({ selection: { kind: 'tradingIds', tradingIds: [call.tradingId] }, caseReference: 'FCA-2026-0042', outPath: packPath });
  const review = await composeReview({ profile: harness.profile, env: harness.env, secrets: harness.secrets, packPath, reviewer: 'Dana Inspector (FCA)', mediaUrlBase: `${SHELL_ORIGIN}/media/recording/` });
  try {
    const bridge = await bridgeHost(page.context(), (ipc, emit) =>
      hostReview(review, { ipc, emit, trustedOrigin: SHELL_ORIGIN, rendererDir, validateResponses: true, maxOpenRangeBytes: SHELL_MAX_RANGE_BYTES }),
    );
    await page.goto(bridge.appUrl);
    await expect(page.getByTestId('review-verification')).toHaveAttribute('data-verified', 'true');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Custody');
    await expectNoAxeViolations(page, 'review, pack verified');
    await page.getByTestId('review-row').first().click();
    await expect(page.getByTestId('review-trail').locator('tbody tr')).not.toHaveCount(0);
    await expectNoAxeViolations(page, 'review, recording open');
    await page.getByTestId('review-play').click();
    await expect(page.getByTestId('review-journal-seq')).toBeVisible();
    await expectNoAxeViolations(page, 'review, playing');
  } finally {
    await review.close();
  }

  // The viewer opens from disk in a plain browser context (the shell's context blocks everything but the app).
  const viewer = await browser.newPage();
  try {
    await viewer.goto(pathToFileURL(join(packPath, 'index.html')).href);
    await expect(viewer.locator('#proof-status')).toHaveAttribute('data-verified', 'true');
    await expectNoAxeViolations(viewer, 'offline viewer (index.html in the pack)');
    await viewer.locator(`#recordings tr[data-recording-id="${call.recording.id}"]`).click();
    await expectNoAxeViolations(viewer, 'offline viewer, recording selected');
  } finally {
    await viewer.close();
  }
});
