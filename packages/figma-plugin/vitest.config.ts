import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['plugin-src/**/*.test.ts', 'ui-src/**/*.test.ts', 'common/**/*.test.ts', 'e2e/**/*.test.ts'],
    // The e2e test starts Chromium and runs the real model: it sets its own, longer timeouts.
    testTimeout: 20_000,
    // Chromium and the model are heavy; one worker keeps a 2-core CI machine responsive.
    maxWorkers: 1,
  },
});
