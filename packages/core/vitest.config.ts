import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    // Model tests run the full-width network (random weights, small images) on tfjs-wasm: give them room.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // A 2-core machine: one worker per core at most.
    maxWorkers: 2,
  },
});
