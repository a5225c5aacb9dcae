import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Integration suites start real registries and servers on fixed loopback ports.
    fileParallelism: false,
    globalSetup: ['test/services/global-setup.ts'],
  },
});
