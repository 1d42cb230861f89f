import { test as base, type Page } from '@playwright/test';
import { fileURLToPath } from 'node:url';
import { bridgeContext, SHELL_ORIGIN, type ShellBridge } from '../../electron/shell/browser-shell';
import type { WormConnection } from '../../electron/services/worm/s3-client';
import { startHarness, type Harness } from '../helpers/engine-harness';
import { OFFICER_A_LOGIN, type SandboxUser } from '../helpers/officer-signin';

const rendererDir = fileURLToPath(new URL('../../dist/renderer', import.meta.url));

export function sharedWorm(): WormConnection {
  return JSON.parse(process.env.CUSTODY_E2E_WORM ?? 'null') as WormConnection;
}

/** Hosts opened during a test: disposed before its harness closes, so none outlives the engine it serves. */
const openBridges = new Set<ShellBridge>();

/** Opens the app in the browser shell over `harness`: same IPC contract, same protocol handlers. */
export async function openApp(page: Page, harness: Harness): Promise<void> {
  const bridge = await bridgeContext(page.context(), harness.composed, { rendererDir });
  openBridges.add(bridge);
  await page.goto(bridge.appUrl);
  await page.getByTestId('app-header').waitFor();
}

/** Clicks "Sign in with Genesys Cloud" and returns Genesys's login page, opened beside the app. */
export async function startSignIn(page: Page): Promise<Page> {
  const opened = page.context().waitForEvent('page');
  await page.getByTestId('sign-in').click();
  const login = await opened;
  await login.waitForURL(/\/oauth\/authorize\?/);
  return login;
}

export const test = base.extend<{ harness: Harness; officer: SandboxUser | null }>({
  /** Who is signed in when the harness starts; `test.use({ officer: null })` for nobody. */
  officer: [OFFICER_A_LOGIN, { option: true }],
  harness: async ({ officer }, use) => {
    const harness = await startHarness({ worm: sharedWorm(), mediaUrlBase: `${SHELL_ORIGIN}/media/recording/`, officer });
    await use(harness);
    for (const bridge of openBridges) bridge.host.dispose();
    openBridges.clear();
    await harness.close();
  },
});

export { expect } from '@playwright/test';
