import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';

const integration: TestProjectInlineConfiguration['test'] = {
  environment: 'node',
  globalSetup: ['test/integration/global-setup.ts'],
  // A CLI-heavy test spawns many processes; beside another file they take longer.
  testTimeout: 120_000,
  hookTimeout: 120_000,
  // Files run side by side on the one radosgw (each has its own buckets, profile and sandbox; the outage
  // tests freeze a radosgw of their own): most of their time is waiting on radosgw, the sandbox or a child.
  fileParallelism: true,
};

// The audit suites run a second time with their fake clock a year ahead of today (dates judged by radosgw):
// they must pass on any day. Side by side with the rest, on the same radosgw, instead of a run of their own.
const yearAhead = ['test/integration/audit/audit-module.test.ts', 'test/integration/audit/audit-verify.test.ts'];
// vitest runs what matches and says nothing of a name that matches nothing: a renamed suite must fail here.
for (const suite of yearAhead) if (!existsSync(fileURLToPath(new URL(suite, import.meta.url)))) throw new Error(`vitest.config.ts: ${suite} does not exist`);

export default defineConfig({
  test: {
    // The AWS SDK warns about Node 20; the app itself runs on Electron's newer Node.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    // Unit files and two integration files at a time on a 2-core machine.
    maxWorkers: 3,
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.{ts,tsx}'],
          environment: 'node',
          testTimeout: 10_000,
        },
      },
      { test: { name: 'integration', include: ['test/integration/**/*.test.ts'], ...integration } },
      {
        test: {
          name: 'integration-year-ahead',
          include: yearAhead,
          env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', CUSTODY_TEST_CLOCK_SHIFT_DAYS: '365' },
          ...integration,
        },
      },
    ],
  },
});
