import { configDefaults, defineConfig } from 'vitest/config';

/** Integration files that stop the shared radosgw or its OSD to play an outage: they run alone, after the rest. */
const exclusiveIntegration = [
  'test/integration/archive/archive-resilience.test.ts',
  'test/integration/audit/audit-outage.test.ts',
];

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
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...exclusiveIntegration],
          environment: 'node',
          globalSetup: ['test/integration/global-setup.ts'],
          // A CLI-heavy test spawns many processes; beside another file they take longer.
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // Two files at a time share one radosgw (each test has its own buckets, profile and sandbox): most of
          // an integration test's time is waiting on radosgw, the sandbox or a child process, not on a core.
          fileParallelism: true,
        },
      },
      {
        test: {
          name: 'integration-exclusive',
          include: exclusiveIntegration,
          environment: 'node',
          globalSetup: ['test/integration/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          fileParallelism: false,
          // These freeze the shared radosgw (SIGSTOP) to play an outage: nothing else may run beside them.
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
