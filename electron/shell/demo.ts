import type { Page } from 'playwright-core';

export type DemoOutcome = {
  tradingId: string;
  conversationId: string;
  auditEventId: string;
  sha256: string;
  playedSeconds: number;
  screenshot: string;
};

/**
 * Drives the real UI through the main job, the way an officer would: find trading calls, search one
 * trade by its ID, open the recording, give a case reference, play it (after the WORM audit record).
 * Used when there is no display to show the app on, so the quick start still visibly does the job.
 */
export async function runDemo(
  page: Page,
  options: { caseReference: string; screenshot: string; say: (line: string) => void; officer: { username: string; password: string } | null },
): Promise<DemoOutcome> {
  const { say } = options;
  await page.getByTestId('app-header').waitFor();
  await page.getByTestId('nav-recordings').or(page.getByTestId('sign-in-screen')).waitFor();
  if (await page.getByTestId('sign-in-screen').isVisible()) {
    if (!options.officer) throw new Error('Nobody is signed in: run "custody signin" first.');
    say(`0. Signing in as ${options.officer.username} on the Genesys login page`);
    await signIn(page, options.officer);
  }
  say('1. Listing trading-desk calls (queue "FX")');
  await page.getByTestId('search-queue').fill('FX');
  await page.getByTestId('search-submit').click();
  const rows = page.getByTestId('result-row');
  await rows.first().waitFor({ timeout: 60_000 });
  const tagged = rows.filter({ hasNot: page.getByTestId('missing-trading-id') }).first();
  const tradingId = (await tagged.locator('td').nth(1).innerText()).trim();

  say(`2. Searching trade ${tradingId} by its trading ID`);
  await page.getByTestId('search-queue').fill('');
  await page.getByTestId('search-trading-id').fill(tradingId);
  await page.getByTestId('search-submit').click();
  const row = rows.filter({ hasText: tradingId }).first();
  await row.waitFor();
  const conversationId = (await row.getAttribute('data-conversation-id')) ?? '';
  await row.click();

  say(`3. Opening conversation ${conversationId} and pressing Play`);
  await page.getByTestId('recording-view').getByTestId('play-button').click();
  say(`4. Giving the case reference "${options.caseReference}"`);
  await page.getByTestId('case-reference-input').fill(options.caseReference);
  await page.getByTestId('case-reference-submit').click();

  const audit = page.getByTestId('audit-event-id');
  await audit.waitFor({ timeout: 60_000 });
  const auditEventId = (await audit.getAttribute('data-audit-event-id')) ?? '';
  const sha256 = (await page.getByTestId('recording-sha256').innerText()).trim();
  say(`5. WORM audit record ${auditEventId} acknowledged; playing (SHA-256 ${sha256.slice(0, 16)}…)`);
  const playedSeconds = await waitForPlayback(page, 2, 30_000);
  await page.screenshot({ path: options.screenshot });
  say(`6. Screenshot of the playing recording: ${options.screenshot}`);
  return { tradingId, conversationId, auditEventId, sha256, playedSeconds, screenshot: options.screenshot };
}

/** "Sign in with Genesys Cloud", then the officer's credentials on the login page that opens beside the app. */
async function signIn(page: Page, officer: { username: string; password: string }): Promise<void> {
  const opened = page.context().waitForEvent('page');
  await page.getByTestId('sign-in').click();
  const login = await opened;
  await login.waitForURL(/\/oauth\/authorize\?/);
  await login.getByLabel('Email').fill(officer.username);
  await login.getByLabel('Password').fill(officer.password);
  await login.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('nav-recordings').waitFor({ timeout: 60_000 });
  await login.close();
}

/** Polls the page's <audio> until it has played `seconds` (a function, not a string: the CSP forbids eval). */
async function waitForPlayback(page: Page, seconds: number, timeoutMs: number): Promise<number> {
  const audio = page.getByTestId('playback-audio');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const position = await audio.evaluate((element) => (element as unknown as { currentTime: number }).currentTime);
    if (position >= seconds) return position;
    if (Date.now() > deadline) throw new Error(`playback did not reach ${seconds} s (stuck at ${position.toFixed(1)} s)`);
    await page.waitForTimeout(200);
  }
}
