// ESLint for the whole monorepo (`npm run lint`). Formatting is Prettier's job (`npm run format:check`);
// these rules are about correctness and the architecture in docs/ARCHITECTURE.md §1–2.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// Every package's widest tsconfig (tests included); obsidian keeps its tests in a second one.
// Paths are relative to this file, so `npx eslint` works from any package folder too.
const TS_PROJECTS = readdirSync(join(import.meta.dirname, 'packages'))
  .flatMap((p) => [`packages/${p}/tsconfig.json`, `packages/${p}/tsconfig.test.json`])
  .concat(['packages/figma-plugin/plugin-src/tsconfig.json', 'packages/figma-plugin/ui-src/tsconfig.json'])
  .filter((f) => existsSync(join(import.meta.dirname, f)));

// Modules only a Node (or Electron/Figma host) process has. Core runs in browsers, plugin iframes and
// Figma's sandbox, so it may import none of them.
const PLATFORM_MODULES = [
  'node:*',
  'fs',
  'fs/*',
  'path',
  'os',
  'url',
  'crypto',
  'child_process',
  'worker_threads',
  'stream',
  'zlib',
  'sharp',
  'obsidian',
  '@figma/*',
  'onnxruntime-node',
  '@tensorflow/tfjs-node',
  '@tensorflow/tfjs-node-gpu',
  'playwright-core',
  '@adaattn/node',
];

const platformRule = (allow = []) => ({
  patterns: [
    {
      group: PLATFORM_MODULES.filter((m) => !allow.includes(m)),
      message: 'packages/core is platform-neutral: load runtimes lazily in a backend adapter (see docs/ARCHITECTURE.md §1).',
    },
  ],
});

// Layers of packages/core/src, lowest first. A folder may import only from folders before it. errors.ts and
// architecture.ts (the networks' one table) import nothing and sit below them all.
const CORE_LAYERS = ['tensor', 'pixels', 'ops', 'weights', 'model'];
const layerRule = (layer) => {
  const above = CORE_LAYERS.slice(CORE_LAYERS.indexOf(layer) + 1);
  return {
    patterns: [
      ...platformRule().patterns,
      ...(above.length === 0
        ? []
        : [
            {
              group: above.flatMap((a) => [`../${a}/*`, `../../${a}/*`]),
              message: `core layers point downward (${CORE_LAYERS.join(' → ')}); ${layer}/ may not import from ${above.join(', ')}/.`,
            },
          ]),
    ],
  };
};

// Files that run only under Node, so may import platform modules: tests, their helpers and the
// onnxruntime-node adapter (a separate subpath export, `@adaattn/core/backends/onnx/node`).
const CORE_NODE_ONLY = [
  'packages/core/src/**/*.test.ts',
  'packages/core/src/**/test-utils/**',
  'packages/core/vitest.config.ts',
  'packages/core/src/backends/onnx/node.ts',
  'packages/core/src/backends/onnx/node-thread.ts',
];

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      'packages/*/release/**',
      '**/node_modules/**',
      '**/.nx/**',
      '.bundle*/**',
      'out/**',
      'tools/train/runs/**',
      '**/*.d.mts',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: {
        // Type information for the promise rules: the same tsconfigs `npm run typecheck` compiles.
        project: TS_PROJECTS,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true },
      ],
      // Kernels and weight readers work on untyped buffers and tfjs internals on purpose.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      'no-constant-condition': ['error', { checkLoops: false }],
      // Parsers of file names, pickles and terminal output match control characters on purpose.
      'no-control-regex': 'off',
      // Our errors are typed and carry the underlying message; `cause` is not part of their contract.
      'preserve-caught-error': 'off',
    },
  },
  {
    // Plain JavaScript (build scripts, benches, demos) has no tsconfig: skip the type-aware rules there.
    files: ['**/*.mjs', '**/*.js', '**/*.cjs', 'packages/*/vitest.config.ts'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ['packages/core/src/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', platformRule()] },
  },
  ...CORE_LAYERS.map((layer) => ({
    files: [`packages/core/src/${layer}/**/*.ts`],
    rules: { 'no-restricted-imports': ['error', layerRule(layer)] },
  })),
  {
    files: ['packages/core/src/backends/onnx/node.ts'],
    rules: { 'no-restricted-imports': ['error', platformRule(['onnxruntime-node'])] },
  },
  {
    files: CORE_NODE_ONLY,
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    // Browser code: the plugin iframes and Obsidian's renderer.
    files: ['packages/figma-plugin/ui-src/**/*.ts', 'packages/obsidian-plugin/src/**/*.ts', 'packages/core/src/browser/**/*.ts'],
    languageOptions: { globals: { ...globals.browser } },
  },
);
