import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'web/src/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['test/e2e/**', 'node_modules/**'],
    // Native addons (sherpa-onnx, better-sqlite3) are safest in forked workers.
    pool: 'forks',
    // Spawned servers share one trained urgency classifier (test/urgency-cache.ts).
    globalSetup: ['test/urgency-cache.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
