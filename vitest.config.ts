import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The AWS SDK warns about Node 20; the app itself runs on Electron's newer Node.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
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
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // Tests share one radosgw; files run one at a time to keep the 2-core machine predictable.
          fileParallelism: false,
        },
      },
    ],
  },
});
