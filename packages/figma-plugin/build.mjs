/**
 * Builds what Figma's "Import plugin from manifest…" takes: manifest.json (this folder) pointing at
 *   dist/code.js   the main-thread bundle (plugin-src/main.ts)
 *   dist/ui.html   the UI: ui-src/ui.html with the bundled ui-src/main.ts inlined (Figma loads one HTML
 *                  string, so scripts cannot be separate files), tfjs's wasm binaries included.
 *
 * The model URL the plugin starts with is the model package this repository publishes, on jsDelivr (an npm
 * CDN that sends Access-Control-Allow-Origin: *, which the plugin window's null origin needs):
 *   https://cdn.jsdelivr.net/npm/@adaattn/model-image@<version of packages/model-image>/
 * ADAATTN_MODEL_URL replaces it (`npm run serve-model` serves the same layout at http://localhost:8787).
 * Its origin must be in manifest.json's networkAccess, or Figma blocks the download: the build checks that
 * and stops with what to add.
 *
 * Usage: node build.mjs [--watch]   (run from anywhere; paths are relative to this file)
 */
import { build, context } from 'esbuild';
import { readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, 'dist');
const modelPackage = JSON.parse(readFileSync(join(here, '../model-image/package.json'), 'utf8'));
export const CDN_ORIGIN = 'https://cdn.jsdelivr.net';
/** Where the model package's files sit on the CDN (and, for tests and `serve-model`, on a local server). */
export const MODEL_CDN_PATH = `/npm/${modelPackage.name}@${modelPackage.version}/`;
export const DEFAULT_MODEL_URL = `${CDN_ORIGIN}${MODEL_CDN_PATH}`;

/** Whether `url`'s origin is listed in a networkAccess domain list (exact origins, "*.domain" wildcards, bare hosts). */
export function domainAllowed(url, domains) {
  const { protocol, host, hostname } = new URL(url);
  return domains.some((entry) => {
    if (entry === 'none') return false;
    if (entry === '*') return true;
    const withScheme = /^[a-z]+:\/\//i.test(entry) ? entry : `${protocol}//${entry}`;
    let allowed;
    try {
      allowed = new URL(withScheme.replace('*.', 'wildcard.'));
    } catch {
      return false;
    }
    if (allowed.protocol !== protocol) return false;
    if (entry.includes('*.')) {
      const suffix = allowed.hostname.slice('wildcard.'.length);
      return hostname === suffix || hostname.endsWith(`.${suffix}`);
    }
    return allowed.host === host;
  });
}

async function checkManifest(modelUrl) {
  const manifest = JSON.parse(await readFile(join(here, 'manifest.json'), 'utf8'));
  const access = manifest.networkAccess ?? {};
  const allowed = domainAllowed(modelUrl, access.allowedDomains ?? []);
  const devOnly = !allowed && domainAllowed(modelUrl, access.devAllowedDomains ?? []);
  if (!allowed && !devOnly) {
    throw new Error(
      `the model URL ${modelUrl} is not covered by manifest.json networkAccess: add "${new URL(modelUrl).origin}" to allowedDomains ` +
        '(or devAllowedDomains while developing), or Figma will block the download',
    );
  }
  for (const path of [manifest.main, manifest.ui]) {
    if (!path.startsWith('dist/')) throw new Error(`manifest.json points at ${path}; the build writes dist/code.js and dist/ui.html`);
  }
  return devOnly;
}

const common = {
  bundle: true,
  platform: 'browser',
  legalComments: 'none',
  logLevel: 'warning',
  // core reaches tfjs-node only through a computed import (never taken in a browser); esbuild warns that
  // import.meta is empty in an iife, which is the intent: the Node-only branch is dead here.
  logOverride: { 'empty-import-meta': 'silent' },
};

function codeOptions(modelUrl, minify) {
  return {
    ...common,
    entryPoints: [join(here, 'plugin-src/main.ts')],
    outfile: join(dist, 'code.js'),
    format: 'iife',
    // Figma's sandbox runs modern JavaScript (ES2020+); no polyfills, no DOM.
    target: 'es2020',
    minify,
    define: { __ADAATTN_MODEL_URL__: JSON.stringify(modelUrl) },
  };
}

function uiOptions(minify) {
  return {
    ...common,
    entryPoints: [join(here, 'ui-src/main.ts')],
    write: false,
    format: 'iife',
    target: 'chrome100',
    minify,
    loader: { '.wasm': 'binary' },
  };
}

async function writeUiHtml(result) {
  const template = await readFile(join(here, 'ui-src/ui.html'), 'utf8');
  const js = result.outputFiles[0].text.replace(/<\/script/gi, '<\\/script');
  if (!template.includes('<!-- SCRIPT -->')) throw new Error('ui-src/ui.html lost its <!-- SCRIPT --> marker');
  // A function replacement: `$` sequences in the bundle must not be read as replacement patterns.
  const html = template.replace('<!-- SCRIPT -->', () => `<script>${js}</script>`);
  await writeFile(join(dist, 'ui.html'), html);
}

export async function buildPlugin({ modelUrl = process.env.ADAATTN_MODEL_URL || DEFAULT_MODEL_URL, minify = true, quiet = false } = {}) {
  const devOnly = await checkManifest(modelUrl);
  await mkdir(dist, { recursive: true });
  await build(codeOptions(modelUrl, minify));
  await writeUiHtml(await build(uiOptions(minify)));
  if (!quiet) {
    const size = async (f) => `${((await stat(join(dist, f))).size / 1e6).toFixed(2)} MB`;
    console.log(
      `dist/code.js ${await size('code.js')}, dist/ui.html ${await size('ui.html')}; model URL ${modelUrl}${devOnly ? ' (a devAllowedDomains entry: development only)' : ''}`,
    );
  }
  return { dist, modelUrl };
}

async function watch(modelUrl) {
  await checkManifest(modelUrl);
  await mkdir(dist, { recursive: true });
  const code = await context(codeOptions(modelUrl, false));
  const ui = await context({
    ...uiOptions(false),
    plugins: [{ name: 'inline-html', setup: (b) => b.onEnd((r) => (r.errors.length === 0 ? writeUiHtml(r) : undefined)) }],
  });
  await Promise.all([code.watch(), ui.watch()]);
  console.log('watching plugin-src/ and ui-src/ …');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const modelUrl = process.env.ADAATTN_MODEL_URL || DEFAULT_MODEL_URL;
  (process.argv.includes('--watch') ? watch(modelUrl) : buildPlugin({ modelUrl })).catch((error) => {
    console.error(`build failed: ${error.message}`);
    process.exit(1);
  });
}
