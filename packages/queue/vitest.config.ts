import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    // Real redis-server and worker processes running a real model on the CPU: give them room on 2 cores.
    testTimeout: 90_000,
    hookTimeout: 60_000,
    // One file at a time: each starts its own Redis and workers, and the cores are few.
    maxWorkers: 1,
    fileParallelism: false,
  },
});
