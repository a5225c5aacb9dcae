import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    testTimeout: 60_000,
    // Every core (vitest's default leaves one idle: on CI's two cores that halves the unit group).
    maxWorkers: availableParallelism(),
    hookTimeout: 120_000,
    projects: [
      {
        // Unit suites share nothing but the leased Redis (unique namespaces): files run in parallel.
        extends: true,
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'], sequence: { groupOrder: 0 } },
      },
      {
        // Integration suites start real registries and servers on fixed loopback ports: one file at a time, after the unit group.
        extends: true,
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          exclude: ['test/unit/**'],
          fileParallelism: false,
          globalSetup: ['test/services/global-setup.ts'],
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
