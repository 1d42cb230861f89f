import { defineConfig } from '@playwright/test';
import { chromiumArgs, CHROMIUM_PATH } from '../../electron/shell/browser-shell';

/** End-to-end: the real renderer in Debian's Chromium, bridged to the real engine (the browser shell). */
export default defineConfig({
  testDir: '.',
  testMatch: '**/*.spec.ts',
  outputDir: '../../test-results/e2e',
  globalSetup: './global-setup.ts',
  // One at a time: at two, the 10,000-row results test starved past its timeout in one clean-clone run of two (2026-12-07).
  workers: 1,
  timeout: 120_000,
  expect: { timeout: 20_000 },
  reporter: [['list']],
  use: {
    launchOptions: { executablePath: CHROMIUM_PATH, args: chromiumArgs() },
    viewport: { width: 1440, height: 900 },
    serviceWorkers: 'block',
    trace: 'retain-on-failure',
  },
});
