import type { AuditEvent } from '../../shared/domain';
import { uniqueTradingCall } from '../helpers/engine-harness';
import { OFFICER_A_LOGIN } from '../helpers/officer-signin';
import { readEventChain } from '../helpers/read-event-chain';
import { expect, openApp, startSignIn, test } from './fixtures';

const OFFICER_A_ID = '0ff1ce00-0000-4000-8000-00000000000a';

test.use({ officer: null });

test('an officer signs in on the sandbox login page, plays a recording, and is named in the header and on the audit trail', async ({ page, harness }) => {
  const call = uniqueTradingCall(harness.sandbox);
  await openApp(page, harness);
  await expect(page.getByTestId('sign-in-screen')).toBeVisible();
  await expect(page.getByTestId('header-officer')).toHaveText('Not signed in');
  await expect(page.getByTestId('nav-recordings')).toHaveCount(0);

  // "Sign in with Genesys Cloud": the login page opens beside the app, which waits for the redirect.
  const login = await startSignIn(page);
  expect(new URL(login.url()).origin).toBe(new URL(harness.sandbox.url).origin);
  expect(new URL(login.url()).pathname).toBe('/oauth/authorize');
  await expect(page.getByTestId('sign-in-waiting')).toBeVisible();

  await login.getByLabel('Email').fill(OFFICER_A_LOGIN.username);
  await login.getByLabel('Password').fill(OFFICER_A_LOGIN.password);
  await login.getByRole('button', { name: 'Sign in' }).click();
  // The form's 302 reached Custody's one-shot loopback listener.
  await expect(login.getByRole('heading', { level: 1 })).toHaveText('Signed in to Custody');
  expect(new URL(login.url()).hostname).toBe('127.0.0.1');
  await login.close();

  await expect(page.getByTestId('header-officer-name')).toHaveText('Olivia Adler');
  await expect(page.getByTestId('header-officer')).toHaveAttribute('title', `Olivia Adler <${OFFICER_A_LOGIN.username}> (Genesys user ${OFFICER_A_ID})`);
  await expect(page.getByTestId('header-officer-expiry')).toContainText('access until');
  await expect(page.getByTestId('sign-in-screen')).toHaveCount(0);

  // Search and play as her.
  await page.getByTestId('search-trading-id').fill(call.tradingId);
  await page.getByTestId('search-submit').click();
  await page.getByTestId('result-row').click();
  await page.getByTestId('recording-view').getByTestId('play-button').click();
  await page.getByTestId('case-reference-input').fill('FCA-2026-0042');
  await page.getByTestId('case-reference-submit').click();
  const receipt = page.getByTestId('audit-event-id');
  await expect(receipt).toBeVisible();
  const playEventId = (await receipt.getAttribute('data-audit-event-id'))!;
  const audio = page.getByTestId('playback-audio');
  await expect.poll(() => audio.evaluate((a) => (a as HTMLAudioElement).currentTime), { timeout: 20_000 }).toBeGreaterThan(0.5);

  // The audit trail names her, with her email and Genesys user id; so does the WORM record itself.
  await page.getByTestId('nav-audit').click();
  const playRow = page.locator('[data-testid="audit-row"][data-action="play"]');
  await expect(playRow).toHaveCount(1);
  const who = playRow.getByTestId('audit-operator');
  await expect(who).toContainText('Olivia Adler');
  await expect(who).toContainText(OFFICER_A_LOGIN.username);
  await expect(who).toHaveAttribute('title', new RegExp(`Olivia Adler <${OFFICER_A_LOGIN.username}> \\(Genesys ${OFFICER_A_ID}\\)`));
  const events: Array<AuditEvent> = [];
  for await (const event of readEventChain(harness.s3, harness.bucket, harness.composed.profile.logId)) events.push(event);
  expect(events.find((e) => e.eventId === playEventId)).toMatchObject({
    action: 'play',
    recordingId: call.recording.id,
    operator: { kind: 'officer', name: 'Olivia Adler', email: OFFICER_A_LOGIN.username, genesysUserId: OFFICER_A_ID },
  });

  // Sign out: back to the sign-in screen, and the profile's keychain no longer holds her.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByTestId('sign-in-screen')).toBeVisible();
  await expect(page.getByTestId('header-officer')).toHaveText('Not signed in');
  expect(await harness.composed.officer.current()).toBeNull();
});

test('a forged redirect (wrong state) and a cancelled sign-in each sign nobody in, and the app says why', async ({ page, harness }) => {
  await openApp(page, harness);
  let login = await startSignIn(page);
  // Something else on the workstation answers the loopback listener first, with a state of its own.
  const redirectUri = new URL(login.url()).searchParams.get('redirect_uri')!;
  expect(new URL(redirectUri).hostname).toBe('127.0.0.1');
  expect((await fetch(`${redirectUri}?code=forged&state=not-ours`)).status).toBe(400);
  await expect(page.getByTestId('sign-in-error')).toHaveText(
    'Sign-in not completedThe sign-in redirect carried the wrong state (not the request Custody made); nobody was signed in. Start the sign-in again.',
  );
  expect(await harness.composed.officer.current()).toBeNull();
  await login.close();

  login = await startSignIn(page);
  await page.getByTestId('sign-in-cancel').click();
  await expect(page.getByText('Sign-in cancelled. Nobody is signed in.')).toBeVisible();
  await expect(page.getByTestId('sign-in-error')).toHaveCount(0);

  // The listener is gone: finishing the sign-in on the stale page signs nobody in.
  await login.getByLabel('Email').fill(OFFICER_A_LOGIN.username);
  await login.getByLabel('Password').fill(OFFICER_A_LOGIN.password);
  await login.getByRole('button', { name: 'Sign in' }).click();
  await login.waitForLoadState();
  expect(await harness.composed.officer.current()).toBeNull();
  await expect(page.getByTestId('sign-in-screen')).toBeVisible();
});
