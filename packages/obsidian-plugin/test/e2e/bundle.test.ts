// @vitest-environment node
/**
 * The release end to end: main.js from `npm run release`'s assets, loaded in headless Chromium into the
 * in-memory app, run from the command palette on a note with a real photo. The model is not in the vault:
 * the first run downloads the published package (packages/model-image) from a local server laid out like
 * jsDelivr (/npm/@adaattn/model-image@<version>/, Range requests answered) into the plugin folder. The
 * result must be a new image beside the photo, embedded in the note, and visibly different from the photo.
 * A second run is cancelled from the progress notice; later runs make no request.
 *
 * Needs Debian's chromium (tools/ci/ensure-chromium.sh). Without it the test is skipped, except under CI,
 * where it fails. UPDATE_SCREENSHOT=1 also refreshes the README's screenshot.
 */
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import esbuild from 'esbuild';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseModelJson, servedModelFiles } from '@adaattn/core';
import { ORT_WEB_CDN_URL } from '@adaattn/core/browser/onnx';
import { release } from '../../release.mjs';
import type { PageApi, SetupConfig } from './browser-entry';

const pkg = fileURLToPath(new URL('../../', import.meta.url));
const repo = join(pkg, '../..');
const modelDir = join(repo, 'packages/model-image');
const samples = join(repo, '../shared/data/samples');
const ortDist = join(repo, 'node_modules/onnxruntime-web/dist');
/** onnxruntime-web files the plugin fetched from jsDelivr. */
const ortFetched: string[] = [];
const CHROMIUM = '/usr/bin/chromium';

const haveChromium = existsSync(CHROMIUM);
const haveInputs = existsSync(join(modelDir, 'model.json')) && existsSync(join(samples, 'content/bird.jpg'));
if (!haveChromium && process.env.CI === 'true') throw new Error(`${CHROMIUM} is missing: run tools/ci/ensure-chromium.sh before the tests`);

/** The output side of the test images: small, so a run takes seconds on wasm. */
const SIDE = 96;
const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.jpg': 'image/jpeg',
};

declare global {
  interface Window {
    adaattn: PageApi;
  }
}

describe.skipIf(!haveChromium || !haveInputs)('the built main.js in Chromium', () => {
  let outdir: string;
  let server: Server;
  let browser: BrowserContext;
  let page: Page;
  let base: string;
  let cleanup: string | undefined;
  let modelPath: string;
  let modelFiles: string[];
  const consoleLines: string[] = [];
  const timings: string[] = [];

  beforeAll(async () => {
    const root = await mkdtemp(join(tmpdir(), 'adaattn-obsidian-'));
    // The assets the store downloads, as `npm run release` writes them; the page files go beside them.
    outdir = (await release({ outDir: root, quiet: true })).assets;
    cleanup = root;
    await esbuild.build({
      entryPoints: [join(pkg, 'test/e2e/browser-entry.ts')],
      outfile: join(outdir, 'harness.js'),
      // The harness decodes with the plugin's canvas codec only. core/browser also holds the tfjs runtimes:
      // bundled here they would register a second tfjs 'wasm' backend in the page before main.js's own
      // (tfjs keeps its registry on the window), and main.js's embedded binary would never be used.
      plugins: [
        {
          name: 'no-tfjs-in-harness',
          setup: (b) => {
            b.onResolve({ filter: /^@tensorflow\// }, (a) => ({ path: a.path, namespace: 'no-tfjs' }));
            b.onLoad({ filter: /.*/, namespace: 'no-tfjs' }, () => ({ contents: 'module.exports = {};', loader: 'js' }));
          },
        },
      ],
      bundle: true,
      format: 'iife',
      platform: 'browser',
      target: 'es2022',
      logLevel: 'warning',
    });
    for (const f of ['page.html', 'page.css']) await copyFile(join(pkg, 'test/e2e', f), join(outdir, f));

    // Static files: the build, the model, the sample photos (read in place from ../shared).
    const routes = new Map<string, string>([['/', join(outdir, 'page.html')]]);
    for (const f of ['main.js', 'manifest.json', 'styles.css', 'harness.js', 'page.css']) routes.set(`/${f}`, join(outdir, f));
    const modelPackage = JSON.parse(await readFile(join(modelDir, 'package.json'), 'utf8')) as { name: string; version: string };
    modelPath = `/npm/${modelPackage.name}@${modelPackage.version}/`;
    const config = parseModelJson(await readFile(join(modelDir, 'model.json')));
    modelFiles = servedModelFiles(config).map((f) => f.path);
    for (const f of ['model.json', ...modelFiles]) routes.set(`${modelPath}${f}`, join(modelDir, f));
    routes.set('/samples/bird.jpg', join(samples, 'content/bird.jpg'));
    routes.set('/samples/wave.jpg', join(samples, 'style/wave.jpg'));
    routes.set('/samples/udnie.jpg', join(samples, 'style/udnie.jpg'));
    server = createServer(async (req, res) => {
      const file = routes.get(new URL(req.url ?? '/', 'http://x').pathname);
      if (file === undefined) {
        res.writeHead(404).end();
        return;
      }
      const bytes = await readFile(file);
      const type = TYPES[extname(file)] ?? 'application/octet-stream';
      // `bytes=a-b`, as the CDN answers it: the plugin downloads the model in pieces.
      const range = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
      if (range === null) return void res.writeHead(200, { 'content-type': type }).end(bytes);
      const [from, to] = [Number(range[1]), Math.min(Number(range[2]), bytes.length - 1)];
      res
        .writeHead(206, { 'content-type': type, 'content-range': `bytes ${from}-${to}/${bytes.length}` })
        .end(bytes.subarray(from, to + 1));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    // A new, empty profile each run (Playwright passes it as --user-data-dir).
    browser = await chromium.launchPersistentContext(join(outdir, 'profile'), {
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
      viewport: { width: 960, height: 540 },
    });
    // onnxruntime-web's wasm binary comes from jsDelivr at the version core names: the CDN is answered with
    // the installed package's own files (no network here).
    await browser.route(`${ORT_WEB_CDN_URL}*`, async (route) => {
      const file = new URL(route.request().url()).pathname.split('/').at(-1) ?? '';
      ortFetched.push(file);
      await route.fulfill({ path: join(ortDist, file), contentType: 'application/wasm', headers: { 'access-control-allow-origin': '*' } });
    });
    page = browser.pages()[0] ?? (await browser.newPage());
    page.on('console', (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => consoleLines.push(`pageerror: ${e.message}`));
    await page.goto(base);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
    if (cleanup !== undefined) await rm(cleanup, { recursive: true, force: true });
  });

  it('stylizes the embed under the cursor with the real model, cancels a run, and agrees on WebGL', async () => {
    const files: SetupConfig['files'] = {
      'photos/bird.jpg': { url: '/samples/bird.jpg' },
      'styles/wave.jpg': { url: '/samples/wave.jpg' },
      'styles/udnie.jpg': { url: '/samples/udnie.jpg' },
    };
    await page.evaluate((c) => window.adaattn.setup(c), {
      files,
      // A first use: no model anywhere; the URL is the local stand-in for jsDelivr.
      data: { defaultStyle: 'styles/wave.jpg', maxSide: SIDE, embedMode: 'insert', modelUrl: `${base}${modelPath}` },
      // `|` marks the caret (the harness removes it): right after the embed.
      note: { path: 'Trip.md', text: 'A bird at the lake:\n![[bird.jpg]]|\nStylized with AdaAttN.' },
    } satisfies SetupConfig);
    const saved = (name: string) =>
      page.waitForFunction((n) => window.adaattn.notices().some((t) => t === `Saved ${n}` || t.startsWith('Stylize failed')), name, {
        timeout: 90_000,
      });
    const failures = async () => (await page.evaluate(() => window.adaattn.notices())).filter((t) => t.startsWith('Stylize failed'));

    // 1. The command on the embed, runtime 'auto'. Headless Chromium has no WebGPU adapter here and its WebGL
    //    is software (SwiftShader), so 'auto' must pass both over for tfjs's inlined WebAssembly.
    let t0 = Date.now();
    expect(await page.evaluate(() => window.adaattn.command('stylize-image-under-cursor'))).toBe(true);
    await page.locator('.modal-title', { hasText: 'Stylize bird.jpg' }).waitFor();
    if (process.env.UPDATE_SCREENSHOT === '1') await page.screenshot({ path: join(pkg, 'docs/options.png') });
    await page.getByRole('button', { name: 'Stylize', exact: true }).click();
    await page.locator('.adaattn-progress').waitFor();
    await saved('photos/bird.stylized-wave.png');

    // The download: every served file in 4 MB Range pieces, into the plugin folder, none among the notes.
    const requests = await page.evaluate(() => window.adaattn.requests());
    expect(requests.every((r) => r.status === (r.range === undefined ? 200 : 206))).toBe(true);
    expect(new Set(requests.map((r) => r.url.slice(`${base}${modelPath}`.length)))).toEqual(new Set(['model.json', ...modelFiles]));
    const stored = await page.evaluate(() => window.adaattn.pluginFiles());
    const folders = new Set(stored.map((p) => p.slice(0, p.lastIndexOf('/'))));
    expect([...folders]).toEqual([expect.stringMatching(/^\.obsidian\/plugins\/adaattn-style-transfer\/models\/[^/]+model-image@[\d.]+$/)]);
    expect(stored.map((p) => p.slice(p.lastIndexOf('/') + 1)).sort()).toEqual(['model.json', ...modelFiles].sort()); // no pieces left over
    expect((await page.evaluate(() => window.adaattn.paths())).filter((p) => p.includes('safetensors'))).toEqual([]);
    timings.push(`download: ${requests.length} requests`);

    expect(await failures(), consoleLines.join('\n')).toEqual([]);
    timings.push(`auto run, incl. model load: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    expect(consoleLines.some((l) => l.includes('running on tfjs-wasm'))).toBe(true);
    expect(ortFetched).toEqual([]); // tfjs's wasm started: nothing downloaded for ONNX Runtime

    expect(await page.evaluate(() => window.adaattn.noteText())).toBe(
      'A bird at the lake:\n![[bird.jpg]] ![[bird.stylized-wave.png]]\nStylized with AdaAttN.',
    );
    const stats = await page.evaluate((side) => window.adaattn.compare('photos/bird.stylized-wave.png', 'photos/bird.jpg', side), SIDE);
    expect([stats.width, stats.height]).toEqual([SIDE, SIDE]);
    // Stylized, not copied and not blank: far from the photo, and with structure of its own.
    expect(stats.meanAbsDiff).toBeGreaterThan(10);
    expect(stats.stdDev).toBeGreaterThan(10);

    await page.evaluate(() => window.adaattn.renderPreview());
    await mkdir(join(pkg, 'test-output'), { recursive: true });
    await page.screenshot({ path: join(pkg, 'test-output/e2e.png') });
    if (process.env.UPDATE_SCREENSHOT === '1') await page.screenshot({ path: join(pkg, 'docs/screenshot.png') });

    // 2. "Stylize image…" with another style, cancelled from the notice as soon as it shows: no file.
    await page.evaluate(() => window.adaattn.command('stylize-image'));
    await page.locator('.modal.prompt input').fill('bird.jpg');
    await page.locator('.suggestion-item', { hasText: 'photos/bird.jpg' }).first().click();
    await page.getByRole('button', { name: 'Choose…' }).click();
    await page.locator('.modal.prompt input').fill('udnie');
    await page.locator('.suggestion-item', { hasText: 'styles/udnie.jpg' }).click();
    await page.getByRole('button', { name: 'Stylize', exact: true }).click();
    await page.locator('.adaattn-progress button').click();
    await page.waitForFunction(() => window.adaattn.notices().includes('Stylize cancelled.'), undefined, { timeout: 30_000 });
    expect((await page.evaluate(() => window.adaattn.paths())).filter((p) => p.includes('udnie') && p.startsWith('photos/'))).toEqual([]);

    // 3. WebGL chosen explicitly (drawn in software here, but the shaders a GPU runs) against WebAssembly,
    //    on a smaller image: software WebGL takes ~0.5 s per conv layer at this size.
    const runPicker = async (backend: string, expected: string) => {
      await page.evaluate((b) => window.adaattn.setSettings({ backend: b, maxSide: 48 }), backend);
      await page.evaluate(() => window.adaattn.command('stylize-image'));
      await page.locator('.modal.prompt input').fill('bird.jpg');
      await page.locator('.suggestion-item', { hasText: 'photos/bird.jpg' }).first().click();
      await page.getByRole('button', { name: 'Stylize', exact: true }).click();
      await saved(expected);
      expect(await failures(), consoleLines.join('\n')).toEqual([]);
    };
    await runPicker('tfjs-wasm', 'photos/bird.stylized-wave-1.png');
    t0 = Date.now();
    await runPicker('tfjs-webgl', 'photos/bird.stylized-wave-2.png');
    timings.push(`WebGL (software) run at 48 px, incl. model reload: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    expect(consoleLines.some((l) => l.includes('running on tfjs-webgl'))).toBe(true);
    const agreement = await page.evaluate(() =>
      window.adaattn.compare('photos/bird.stylized-wave-2.png', 'photos/bird.stylized-wave-1.png', 48),
    );
    timings.push(`WebGL vs wasm |diff| mean ${agreement.meanAbsDiff.toFixed(3)}, max ${agreement.maxAbsDiff} (of 255)`);
    expect(agreement.width).toBe(48);
    expect(agreement.meanAbsDiff).toBeLessThan(2);

    // ONNX Runtime's WebAssembly chosen explicitly: its binary from the CDN (only the binary: the JavaScript
    // glue is main.js's own), and the same picture as tfjs's.
    await runPicker('onnx-wasm', 'photos/bird.stylized-wave-3.png');
    expect(consoleLines.some((l) => l.includes('running on onnx-web-wasm'))).toBe(true);
    expect(ortFetched).toEqual(['ort-wasm-simd-threaded.wasm']);
    const onnx = await page.evaluate(() =>
      window.adaattn.compare('photos/bird.stylized-wave-3.png', 'photos/bird.stylized-wave-1.png', 48),
    );
    timings.push(`ONNX Runtime wasm vs tfjs wasm |diff| mean ${onnx.meanAbsDiff.toFixed(3)}, max ${onnx.maxAbsDiff} (of 255)`);
    expect(onnx.meanAbsDiff).toBeLessThan(1);

    // 4. Disable and re-enable (a fresh main.js in the same window, as after an update): tfjs keeps its
    //    engine on the window, and the new copy must still run.
    await page.evaluate(() => window.adaattn.reload());
    await runPicker('tfjs-wasm', 'photos/bird.stylized-wave-4.png');

    // Reloads after the first run (WebGL, re-enable) read the downloaded files: no request since.
    expect(await page.evaluate(() => window.adaattn.requests().length)).toBe(requests.length);
    await page.evaluate(() => window.adaattn.unload());
    expect(consoleLines.filter((l) => l.startsWith('pageerror'))).toEqual([]);
    console.info(`[e2e] ${SIDE} px: ${timings.join('; ')}`);
  }, 150_000);
});
