import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vitest/config';
import { DEFAULT_MODEL_URL } from './esbuild.config.mjs';

/** The tfjs wasm binary is embedded by esbuild; unit tests never start a runtime, so an empty one will do. */
const wasmStub: Plugin = {
  name: 'wasm-stub',
  enforce: 'pre',
  load: (id) => (id.endsWith('.wasm') ? 'export default new Uint8Array(0);' : undefined),
};

export default defineConfig({
  plugins: [wasmStub],
  // What the build defines (settings.ts: DEFAULT_MODEL_URL).
  define: { __ADAATTN_MODEL_URL__: JSON.stringify(DEFAULT_MODEL_URL) },
  resolve: {
    // `obsidian` exists only inside the app: tests get the in-memory stand-in.
    alias: { obsidian: fileURLToPath(new URL('./test/fake-obsidian/index.ts', import.meta.url)) },
  },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // The plugin's DOM (modals, notices, settings) needs a document; happy-dom is enough outside Chromium.
    environment: 'happy-dom',
    testTimeout: 20_000,
    // The end-to-end test drives one Chromium; one worker keeps the 2-core machine responsive.
    maxWorkers: 1,
  },
});
