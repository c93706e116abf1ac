import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    // The end-to-end test runs a real (tiny) model on the CPU; give it room on a 2-core machine.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // sharp and the tensor backends are native/wasm heavy; one worker keeps memory and cores in check.
    maxWorkers: 1,
  },
});
