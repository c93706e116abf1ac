import { defineConfig } from 'vitest/config';

export default defineConfig({
  plugins: [
    {
      // build.mjs inlines tfjs's .wasm binaries as bytes (esbuild's binary loader); unit tests never start
      // the wasm backend, so an empty array stands in and keeps Node from trying to import a .wasm module.
      name: 'wasm-bytes-stub',
      enforce: 'pre',
      resolveId: (source) => (source.endsWith('.wasm') ? `\0wasm-stub:${source}` : undefined),
      load: (id) => (id.startsWith('\0wasm-stub:') ? 'export default new Uint8Array(0);' : undefined),
    },
  ],
  test: {
    include: ['build.test.ts', 'plugin-src/**/*.test.ts', 'ui-src/**/*.test.ts', 'common/**/*.test.ts', 'e2e/**/*.test.ts'],
    // The e2e test starts Chromium and runs the real model: it sets its own, longer timeouts.
    testTimeout: 20_000,
    // Chromium and the model are heavy; one worker keeps a 2-core CI machine responsive.
    maxWorkers: 1,
  },
});
