import { SHELL_ORIGIN } from '../../electron/shell/browser-shell';
import { auditEventKey } from '../../electron/services/audit/layout';
import { startHarness, uniqueTradingCall, type Harness } from '../helpers/engine-harness';
import { OFFICER_B_LOGIN } from '../helpers/officer-signin';
import { deleteNewestVersionBypassingGovernance } from '../helpers/worm';
import { TRADER_PASSWORD } from '../sandbox/users';
import { expect, openApp, sharedWorm, test } from './fixtures';

/** Business hours that exclude the current London time, so every access of this test is "out of hours". */
function hoursExcludingNow(): { start: string; end: string } {
  const hour = Number(new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', hour: '2-digit', hourCycle: 'h23' }).format(new Date()));
  return hour < 12 ? { start: '13:00', end: '23:00' } : { start: '00:00', end: '01:00' };
}

test('the audit trail lists every access with its alerts, verifies every log from the bucket, and names the first bad event of the tampered one', async ({ page }) => {
  const probe = await startHarness({ worm: sharedWorm(), mediaUrlBase: `${SHELL_ORIGIN}/media/recording/` });
  const call = uniqueTradingCall(probe.sandbox);
  await probe.close();
  const agentUserId = call.conversation.participants.find((p) => p.purpose === 'agent')?.userId ?? 'none';
  // The call's trader signs in and listens to her own call: the participant alert fires on her Genesys id.
  const trader = probe.sandbox.dataset.agents.find((a) => a.id === agentUserId)!;
  const harness = await startHarness({
    officer: { username: trader.email, password: TRADER_PASSWORD },
    worm: sharedWorm(),
    mediaUrlBase: `${SHELL_ORIGIN}/media/recording/`,
    // GOVERNANCE so that the test can tamper like a privileged administrator could.
    auditMode: 'GOVERNANCE',
    profile: (p) => ({
      ...p,
      audit: {
        ...p.audit,
        checkpoint: { everyEvents: 3, everyMinutes: 10 },
        alerts: {
          ...p.audit.alerts,
          businessHours: [{ jurisdiction: 'UK', timeZone: 'Europe/London', days: [1, 2, 3, 4, 5, 6, 7], networks: [], ...hoursExcludingNow() }],
          participantPlayback: { enabled: true, genesysUserIds: [], actions: ['play'] },
        },
      },
    }),
  });
  let other: Harness | null = null;
  try {
    await openApp(page, harness);

    // Search (audited), open the recording (preview), play it (play) and jump in it (seek).
    await page.getByTestId('search-trading-id').fill(call.tradingId);
    await page.getByTestId('search-submit').click();
    await page.getByTestId('result-row').click();
    await expect(page.getByTestId('participants')).toBeVisible();
    await page.getByTestId('recording-view').getByTestId('play-button').click();
    await page.getByTestId('case-reference-input').fill('FCA-2026-0042');
    await page.getByTestId('case-reference-submit').click();
    await expect(page.getByTestId('audit-event-id')).toBeVisible();
    const audio = page.getByTestId('playback-audio');
    await expect.poll(() => audio.evaluate((a) => (a as HTMLAudioElement).currentTime), { timeout: 20_000 }).toBeGreaterThan(0.5);
    const box = (await page.getByTestId('waveform').boundingBox())!;
    await page.mouse.click(box.x + box.width * 0.5, box.y + box.height / 2);
    await expect(page.getByTestId('seek-audit-event-id')).toBeVisible();
    // Playback resumes once the seek is recorded.
    await expect.poll(() => audio.evaluate((a) => !(a as HTMLAudioElement).paused)).toBe(true);
    await expect(page.getByTestId('nav-audit-badge')).toBeVisible();

    await page.getByTestId('nav-audit').click();
    const rows = page.getByTestId('audit-row');
    // The transcript pane's read of the call's transcript is an audited access of its own.
    await expect(rows).toHaveCount(5);
    const actions = await rows.evaluateAll((all) => all.map((r) => r.getAttribute('data-action')));
    expect(actions.filter((action) => action !== 'transcript')).toEqual(['seek', 'play', 'preview', 'search']);
    expect(actions).toContain('transcript');
    const play = page.locator('[data-testid="audit-row"][data-action="play"]');
    await expect(play).toContainText(trader.name);
    await expect(play.getByTestId('audit-operator')).toContainText(trader.email);
    await expect(play).toContainText(call.tradingId);
    await expect(play).toContainText('FCA-2026-0042');
    await expect(play).toContainText('from 0:00');
    expect(await play.getByTestId('audit-alert').evaluateAll((all) => all.map((a) => a.getAttribute('data-rule')))).toEqual(['outside-business-hours', 'participant-playback']);
    await expect(page.locator('[data-testid="audit-row"][data-action="seek"]')).toContainText(/to \d+:\d\d/);

    // A second workstation of the firm on the same store: its own log, with one search in it.
    other = await startHarness({ worm: sharedWorm(), sameStoreAs: harness, officer: OFFICER_B_LOGIN, auditMode: 'GOVERNANCE' });
    await other.composed.engine.search({ queue: 'FX' }, { caseReference: null });
    const otherLog = await other.composed.audit.log();
    await otherLog.drain();
    await otherLog.checkpointer.checkpointNow();
    const ownLogId = harness.composed.profile.logId;
    const verifiedLogs = () =>
      page.getByTestId('audit-verification-log').evaluateAll((all) => all.map((li) => [li.getAttribute('data-log'), li.getAttribute('data-ok')]));
    const expectedLogs = (ownOk: string) => [[ownLogId, ownOk], [otherLog.logId, 'true']].sort((a, b) => a[0]!.localeCompare(b[0]!));

    // "Verify now" verifies every workstation's log, as `custody audit verify --all` does, one result each.
    await page.getByTestId('audit-verify').click();
    await expect(page.getByTestId('audit-verification')).toHaveAttribute('data-ok', 'true');
    await expect.poll(verifiedLogs).toEqual(expectedLogs('true'));
    await expect(page.locator(`[data-testid="audit-verification-log"][data-log="${otherLog.logId}"]`)).toContainText('VERIFIED');
    await expect(page.getByTestId('audit-integrity')).toHaveAttribute('data-state', 'ok');
    await expect(page.getByTestId('audit-integrity')).toContainText('Verified up to tree size 3');
    await page.screenshot({ path: test.info().outputPath('audit-trail.png') });

    // Filtered like `custody audit show --action play`.
    await page.getByTestId('audit-filter-action').selectOption('play');
    await page.getByTestId('audit-filter-submit').click();
    await expect(rows).toHaveCount(1);

    // An administrator with governance bypass removes the preview event; verification names it.
    const trail = await harness.composed.audit.log();
    const key = auditEventKey(trail.logId, 1);
    await deleteNewestVersionBypassingGovernance(harness.s3, harness.bucket, key);
    await page.getByTestId('audit-verify').click();
    await expect(page.getByTestId('audit-verification')).toHaveAttribute('data-ok', 'false');
    await expect.poll(verifiedLogs).toEqual(expectedLogs('false'));
    const ownResult = page.locator(`[data-testid="audit-verification-log"][data-log="${ownLogId}"]`);
    await expect(ownResult.getByTestId('audit-verification-result')).toContainText('FAILED: first bad event 1:');
    await expect(ownResult.getByTestId('audit-problems')).toContainText('event 1 is missing');
    // The other workstation's log is still verified: one tampered log never hides the others.
    await expect(page.locator(`[data-testid="audit-verification-log"][data-log="${otherLog.logId}"]`).getByTestId('audit-verification-result')).toHaveText('VERIFIED');
    await expect(page.getByTestId('audit-integrity')).toHaveAttribute('data-state', 'failed');
    await expect(page.getByTestId('audit-first-bad')).toContainText('First bad event: 1.');
    await expect(page.locator(`[data-testid="audit-log"][data-log="${ownLogId}"]`)).toHaveAttribute('data-state', 'failed');
    await expect(page.locator(`[data-testid="audit-log"][data-log="${otherLog.logId}"]`)).toHaveAttribute('data-state', 'ok');
    await expect(page.getByTestId('nav-audit-badge')).toHaveText('!');
    await page.screenshot({ path: test.info().outputPath('audit-trail-failed.png') });
  } finally {
    await other?.close();
    await harness.close();
  }
});
