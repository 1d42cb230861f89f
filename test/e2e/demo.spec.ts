import { fileURLToPath } from 'node:url';
import { bridgeContext, SHELL_ORIGIN } from '../../electron/shell/browser-shell';
import { runDemo } from '../../electron/shell/demo';
import { startHarness } from '../helpers/engine-harness';
import { OFFICER_A_LOGIN } from '../helpers/officer-signin';
import { expect, sharedWorm, test } from './fixtures';

const rendererDir = fileURLToPath(new URL('../../dist/renderer', import.meta.url));

test('the quick start’s headless demo signs the sandbox officer in on the login page of a fresh profile, then plays a call', async ({ page }) => {
  const harness = await startHarness({ worm: sharedWorm(), mediaUrlBase: `${SHELL_ORIGIN}/media/recording/`, officer: null });
  const bridge = await bridgeContext(page.context(), harness.composed, { rendererDir });
  try {
    await page.goto(bridge.appUrl);
    const said: Array<string> = [];
    const outcome = await runDemo(page, { caseReference: 'DEMO-E2E', screenshot: test.info().outputPath('demo.png'), say: (line) => said.push(line), officer: OFFICER_A_LOGIN });
    expect(said[0]).toBe(`0. Signing in as ${OFFICER_A_LOGIN.username} on the Genesys login page`);
    expect(outcome.playedSeconds).toBeGreaterThanOrEqual(2);
    await expect(page.getByTestId('header-officer-name')).toHaveText('Olivia Adler');
    expect((await harness.composed.officer.current())?.name).toBe('Olivia Adler');
  } finally {
    bridge.host.dispose();
    await harness.close();
  }
});
