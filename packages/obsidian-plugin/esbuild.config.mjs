/**
 * Builds the plugin as Obsidian loads it: one CommonJS main.js, with `obsidian`, `electron`, CodeMirror and
 * Node's builtins left to the app's require(). The output folder is the release layout:
 * dist/{main.js, manifest.json, styles.css}, the three files a vault's .obsidian/plugins/<id>/ needs.
 *
 *   node esbuild.config.mjs production   minified, no source map
 *   node esbuild.config.mjs              development: inline source map, rebuilds on change
 *
 * Tests import buildPlugin() to build the same bundle into a folder of their own.
 */
import { builtinModules } from 'node:module';
import { readFileSync } from 'node:fs';
import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import esbuild from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const modelPackage = JSON.parse(readFileSync(join(here, '../model-image/package.json'), 'utf8'));

/** Where a first use downloads the model from: the published model package on jsDelivr, this version. */
export const DEFAULT_MODEL_URL = `https://cdn.jsdelivr.net/npm/${modelPackage.name}@${modelPackage.version}/`;

const banner = `/* AdaAttN Style Transfer for Obsidian: a generated bundle; the source is packages/obsidian-plugin/src in the AdaAttN SDK. */`;

/** @param {{ outdir?: string, production?: boolean, watch?: boolean }} options */
export async function buildPlugin({ outdir = join(here, 'dist'), production = true, watch = false } = {}) {
  await mkdir(outdir, { recursive: true });
  const options = {
    banner: { js: banner },
    entryPoints: [join(here, 'src/main.ts')],
    outfile: join(outdir, 'main.js'),
    bundle: true,
    format: 'cjs',
    platform: 'browser',
    target: 'es2022',
    external: ['obsidian', 'electron', '@codemirror/*', '@lezer/*', ...builtinModules, ...builtinModules.map((m) => `node:${m}`)],
    // The tfjs wasm binary travels inside main.js (runtimes/tfjs.ts says why).
    loader: { '.wasm': 'binary' },
    // Obsidian's renderer has Node's `process`, which makes tfjs and Emscripten take their Node paths
    // (reading .wasm with fs, hooking process events). The plugin runs as a web page: tell them so.
    define: { 'process.versions.node': 'undefined', __ADAATTN_MODEL_URL__: JSON.stringify(DEFAULT_MODEL_URL) },
    minify: production,
    sourcemap: production ? false : 'inline',
    treeShaking: true,
    logLevel: 'warning',
    // core's tfjs loader reads import.meta only on its Node path, to find the .wasm files on disk; the
    // plugin passes them explicitly (runtimes/tfjs.ts), so the empty import.meta of CommonJS is fine.
    logOverride: { 'empty-import-meta': 'silent' },
    metafile: true,
  };
  const copyStatic = () => Promise.all(['manifest.json', 'styles.css'].map((f) => copyFile(join(here, f), join(outdir, f))));
  if (watch) {
    const context = await esbuild.context(options);
    await copyStatic();
    await context.watch();
    return undefined;
  }
  const result = await esbuild.build(options);
  await copyStatic();
  return { outdir, metafile: result.metafile };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const production = process.argv[2] === 'production';
  await buildPlugin({ production, watch: !production });
}
