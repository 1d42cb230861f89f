import { defineConfig } from '@playwright/test';
import { chromiumArgs, CHROMIUM_PATH } from '../../electron/shell/browser-shell';

/** End-to-end: the real renderer in Debian's Chromium, bridged to the real engine (the browser shell). */
export default defineConfig({
  testDir: '.',
  testMatch: '**/*.spec.ts',
  outputDir: '../../test-results/e2e',
  globalSetup: './global-setup.ts',
  // Two at a time: each test has its own engine, sandbox, buckets and profile, and most of a test is waiting on them.
  workers: 2,
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
