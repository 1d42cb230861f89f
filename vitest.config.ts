import { defineConfig } from 'vitest/config';

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
          environment: 'node',
          globalSetup: ['test/integration/global-setup.ts'],
          // A CLI-heavy test spawns many processes; beside another file they take longer.
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // Files run side by side on the one radosgw (each has its own buckets, profile and sandbox; the outage
          // tests freeze a radosgw of their own): most of their time is waiting on radosgw, the sandbox or a child.
          fileParallelism: true,
        },
      },
    ],
  },
});
