import { runDemo } from '../../electron/shell/demo';
import { OFFICER_A_LOGIN } from '../helpers/officer-signin';
import { expect, openApp, test } from './fixtures';

test.use({ officer: null });

test('the quick start’s headless demo signs the sandbox officer in on the login page of a fresh profile, then plays a call', async ({ page, harness }) => {
  await openApp(page, harness);
  const said: Array<string> = [];
  const outcome = await runDemo(page, { caseReference: 'DEMO-E2E', screenshot: test.info().outputPath('demo.png'), say: (line) => said.push(line), officer: OFFICER_A_LOGIN });
  expect(said[0]).toBe(`0. Signing in as ${OFFICER_A_LOGIN.username} on the Genesys login page`);
  expect(outcome.playedSeconds).toBeGreaterThanOrEqual(2);
  await expect(page.getByTestId('header-officer-name')).toHaveText('Olivia Adler');
  expect((await harness.composed.officer.current())?.name).toBe('Olivia Adler');
});
