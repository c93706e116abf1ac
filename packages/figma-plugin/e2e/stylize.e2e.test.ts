/**
 * End to end, in headless Chromium: the production build (dist/code.js + dist/ui.html, exactly as `npm run
 * build` and the release zip have them, model URL on jsDelivr) runs the real trained model on 3 small
 * frames of an in-memory document (e2e/harness plays Figma's main thread). The model package is served by a
 * local server at the path jsDelivr serves it at (/npm/@adaattn/model-image@<version>/), and the saved
 * settings point the plugin there, as a user would in the Model panel. Needs Debian's chromium
 * (tools/ci/ensure-chromium.sh); without it the suite is skipped locally and fails in CI.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseModelJson } from '@adaattn/core';
import { ORT_WEB_CDN_URL } from '@adaattn/core/browser/onnx';
import { build } from 'esbuild';
import { chromium, type BrowserContext, type FrameLocator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPlugin, DEFAULT_MODEL_URL, MODEL_CDN_PATH } from '../build.mjs';
import { startServer } from '../serve.mjs';
import type { UiToMain } from '../common/protocol.js';
import { servedFiles } from '../ui-src/model-loader.js';
import type { startHarness } from './harness/harness.js';

type Harness = Awaited<ReturnType<typeof startHarness>>;
declare global {
  interface Window {
    h: Harness;
    startHarness: typeof startHarness;
  }
}

const here = dirname(fileURLToPath(import.meta.url));
const packageDir = join(here, '..');
const repoRoot = join(packageDir, '../..');
const modelDir = join(packageDir, '../model-image');
const samplesDir = join(repoRoot, '../shared/data/samples');
const ortDist = join(repoRoot, 'node_modules/onnxruntime-web/dist');
const chromiumPath = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const haveChromium = existsSync(chromiumPath);

if (!haveChromium && process.env['CI']) {
  throw new Error(`${chromiumPath} is missing: run tools/ci/ensure-chromium.sh before the tests`);
}

const FRAME_SIZES: [number, number][] = [
  [64, 64],
  [96, 64],
  [80, 96],
];

describe.skipIf(!haveChromium)('figma plugin in headless Chromium, real model', () => {
  let server: { url: string; close(): Promise<void> };
  let modelUrl: string;
  /** Model files the server sent, by path (a second open must need none but model.json). */
  const served: string[] = [];
  /** Range requests the server saw, by path: the decoder's first download is cut half-way. */
  const ranges: string[] = [];
  let cutDecoder = true;
  let context: BrowserContext;
  let profile: string;
  let page: Page;
  let ui: FrameLocator;
  const consoleErrors: string[] = [];
  /** onnxruntime-web files the plugin fetched from jsDelivr (answered from node_modules: no network here). */
  const ortFetched: string[] = [];

  async function openHarness(uiQuery = ''): Promise<void> {
    page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(String(e)));
    await page.goto(`${server.url}/harness.html`);
    await page.evaluate(
      async (config) => {
        window.h = await window.startHarness(config);
      },
      {
        contentUrls: ['/samples/content/bird.jpg', '/samples/content/venice-boat.jpg', '/samples/content/tubingen.jpg'],
        styleUrl: '/samples/style/wave.jpg',
        modelUrl,
        // No GPU adapter and no hardware WebGL under --disable-gpu: the UI's table falls back to wasm by itself.
        uiQuery,
        frameSizes: FRAME_SIZES,
      },
    );
    ui = page.frameLocator('#plugin-ui');
    // The init message has arrived once the saved model URL shows; open the Model panel to see the engine.
    await (await ui.locator('body').elementHandle())?.waitForElementState('stable');
    const frame = page.frames().find((f) => f.url().includes('/dist/ui.html'));
    if (frame === undefined) throw new Error('the plugin UI iframe did not load');
    await frame.waitForFunction((url) => (document.getElementById('model-url') as HTMLInputElement | null)?.value === url, modelUrl, {
      timeout: 20_000,
    });
    await ui.locator('details summary').click();
  }

  function received<T extends UiToMain['type']>(type: T): Promise<Extract<UiToMain, { type: T }>[]> {
    return page.evaluate((t) => window.h.received.filter((m) => m.type === t), type) as Promise<Extract<UiToMain, { type: T }>[]>;
  }

  async function waitForFinished(runId: number, timeout: number): Promise<Extract<UiToMain, { type: 'finished' }>> {
    try {
      await page.waitForFunction((id) => window.h.received.some((m) => m.type === 'finished' && m.runId === id), runId, {
        timeout,
        polling: 200,
      });
    } catch (error) {
      // Say where the run was: the window's status and engine lines, and what the page logged.
      const status = await ui
        .locator('#status')
        .textContent()
        .catch(() => '?');
      const engine = await ui
        .locator('#engine-info')
        .textContent()
        .catch(() => '?');
      throw new Error(
        `run ${runId} did not finish: status “${status}”, engine “${engine}”, console errors ${JSON.stringify(consoleErrors)}`,
        { cause: error },
      );
    }
    return (await received('finished')).find((m) => m.runId === runId) as Extract<UiToMain, { type: 'finished' }>;
  }

  /** Clicks Stylize and returns the new run's id, once the UI's `start` for it has reached the harness. */
  async function stylize(): Promise<number> {
    const before = (await received('start')).length;
    await ui.locator('#stylize').click();
    await page.waitForFunction((n) => window.h.received.filter((m) => m.type === 'start').length > n, before, {
      timeout: 10_000,
      polling: 50,
    });
    return (await received('start')).at(-1)?.runId as number;
  }

  beforeAll(async () => {
    if (!existsSync(join(modelDir, 'model.json'))) throw new Error(`${modelDir} is missing: the e2e test runs the shipped model`);
    if (!existsSync(samplesDir)) throw new Error(`${samplesDir} is missing: the e2e test reads ../shared/data/samples`);
    // The production build: no ADAATTN_MODEL_URL, so the CDN URL is baked in (checked below).
    const built = await buildPlugin({ modelUrl: DEFAULT_MODEL_URL, quiet: true });
    expect(built.modelUrl).toMatch(/^https:\/\/cdn\.jsdelivr\.net\/npm\/@adaattn\/model-image@/);
    const harnessJs = await build({
      entryPoints: [join(here, 'harness/harness.ts')],
      bundle: true,
      write: false,
      format: 'iife',
      target: 'chrome100',
      logLevel: 'warning',
    });
    server = await startServer({
      routes: { '/dist/': join(packageDir, 'dist'), [MODEL_CDN_PATH]: modelDir, '/samples/': samplesDir },
      onFile: (path: string, range: string | undefined) => {
        if (!path.startsWith(MODEL_CDN_PATH)) return undefined;
        const file = path.slice(MODEL_CDN_PATH.length);
        if (range !== undefined) ranges.push(`${file} ${range}`);
        else served.push(file);
        if (file !== 'decoder.safetensors' || !cutDecoder) return undefined;
        cutDecoder = false;
        return 3_000_000; // a broken connection: the plugin must resume from here
      },
      virtual: {
        '/harness.html': {
          type: 'text/html; charset=utf-8',
          body: '<!doctype html><title>harness</title><body><script src="/harness.js"></script></body>',
        },
        '/harness.js': { type: 'text/javascript; charset=utf-8', body: harnessJs.outputFiles[0]?.text ?? '' },
      },
    });
    modelUrl = `${server.url}${MODEL_CDN_PATH}`;
    profile = await mkdtemp(join(tmpdir(), 'adaattn-figma-e2e-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: chromiumPath,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
      viewport: { width: 1000, height: 760 },
    });
    // The release build fetches onnxruntime-web's wasm from jsDelivr at the version core names; the CDN
    // is answered with the installed package's own files.
    await context.route(`${ORT_WEB_CDN_URL}*`, async (route) => {
      const file = new URL(route.request().url()).pathname.split('/').at(-1) ?? '';
      ortFetched.push(file);
      await route.fulfill({
        path: join(ortDist, file),
        contentType: file.endsWith('.wasm') ? 'application/wasm' : 'text/javascript',
        headers: { 'access-control-allow-origin': '*' },
      });
    });
    await openHarness();
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    await server?.close();
    if (profile) await rm(profile, { recursive: true, force: true });
  });

  it('says clearly when the model cannot be loaded', async () => {
    const urlInput = ui.locator('#model-url');
    await page.evaluate(() => window.h.select([window.h.styleNode]));
    await urlInput.fill(`${server.url}/missing/`);
    await urlInput.dispatchEvent('change');
    await ui.locator('#use-selection').click();
    await ui.locator('#style-name', { hasText: 'wave' }).waitFor();
    await ui.locator('#status.error', { hasText: 'HTTP 404' }).waitFor({ timeout: 20_000 });
    const toasts = await page.evaluate(() => window.h.figma.notifications);
    expect(toasts).toContainEqual({ message: 'AdaAttN: the model could not be loaded (see the plugin window).', error: true });
    await urlInput.fill(`${server.url}${MODEL_CDN_PATH}`);
    await urlInput.dispatchEvent('change');
  }, 60_000);

  it('tells the user to select something', async () => {
    await page.evaluate(() => window.h.select([]));
    await ui.locator('#stylize').click();
    await ui.locator('#status.error', { hasText: 'Select one or more frames' }).waitFor();
    expect(await page.evaluate(() => window.h.figma.notifications.at(-1))).toEqual({
      message: 'Select one or more frames or layers to stylize.',
      error: true,
    });
  }, 30_000);

  it('stylizes 3 selected frames into 3 new image layers and leaves the originals alone', async () => {
    await page.evaluate(() => window.h.select(window.h.frames));
    await ui.locator('#stylize', { hasText: 'Stylize 3 layers' }).waitFor();
    const started = Date.now();
    const runId = await stylize();
    const finished = await waitForFinished(runId, 100_000);
    const seconds = (Date.now() - started) / 1000;
    const engine = (await ui.locator('#engine-info').textContent()) ?? '';
    console.log(`3 frames stylized in ${seconds.toFixed(1)} s (style encoding included); ${engine}`);
    expect(finished).toMatchObject({ outcome: 'done', failures: [] });
    // Headless Chromium has no WebGPU adapter here and only a software WebGL: the backend table passed both
    // over for tfjs's inlined wasm, and ONNX Runtime downloaded nothing.
    expect(engine).toMatch(/on WebAssembly \(CPU, tfjs\)[\s\S]*Not used: webgpu: [^;]+; webgl: /);
    expect(ortFetched).toEqual([]);

    const layers = await page.evaluate(() =>
      window.h.figma.rectangles.map((r) => ({ name: r.name, x: r.x, y: r.y, width: r.width, height: r.height, hash: r.imageHash })),
    );
    expect(layers.map((l) => l.name)).toEqual(['wave — Frame 1', 'wave — Frame 2', 'wave — Frame 3']);
    for (const [i, layer] of layers.entries()) {
      const [w, h] = FRAME_SIZES[i] as [number, number];
      expect(layer).toMatchObject({ x: w + 40, y: i * 130, width: w, height: h });
      const result = await page.evaluate((hash) => window.h.describeImage(hash as string), layer.hash);
      const content = await page.evaluate((index) => window.h.exportPixels(index), i);
      expect(result).toMatchObject({ width: w, height: h, png: true });
      // A stylized image: far from the content's pixels, yet not flat.
      const a = result?.pixels as number[];
      const b = content?.pixels as number[];
      let diff = 0;
      let sum = 0;
      let sumSq = 0;
      for (let p = 0; p < a.length; p += 4) {
        for (let c = 0; c < 3; c++) {
          const v = a[p + c] as number;
          diff += Math.abs(v - (b[p + c] as number));
          sum += v;
          sumSq += v * v;
        }
      }
      const n = (a.length / 4) * 3;
      const std = Math.sqrt(sumSq / n - (sum / n) ** 2);
      expect(diff / n).toBeGreaterThan(8);
      expect(std).toBeGreaterThan(8);
    }
    const state = await page.evaluate(() => ({
      steps: window.h.figma.undoSteps(),
      untouched: window.h.originalsUntouched(),
      exports: window.h.frames.map((f) => f.exportCalls),
    }));
    expect(state.steps).toHaveLength(1);
    expect(state.steps[0]).toHaveLength(3);
    expect(state.untouched).toBe(true);
    expect(state.exports).toEqual(FRAME_SIZES.map(() => [{ format: 'PNG', constraint: { type: 'SCALE', value: 1 } }]));
    expect(await page.evaluate(() => window.h.figma.notifications.at(-1))).toEqual({
      message: 'Stylized 3 frames with “wave”.',
      error: false,
    });
    // FIGMA_UI_SCREENSHOT=path: the README's picture (the panel after a run, beside the harness's canvas).
    const shot = process.env['FIGMA_UI_SCREENSHOT'];
    if (shot) {
      await page.evaluate(() => window.h.renderCanvas());
      await page.screenshot({ path: shot, clip: { x: 0, y: 0, width: 1000, height: 642 } });
    }
  }, 120_000);

  it('cancels mid-run, keeping what finished and placing nothing after', async () => {
    // The other style path: a local file.
    const base64 = await page.evaluate(() => window.h.stylePngBase64(96, 72));
    await ui.locator('#style-file').setInputFiles({ name: 'wave-file.png', mimeType: 'image/png', buffer: Buffer.from(base64, 'base64') });
    await ui.locator('#style-name', { hasText: 'wave-file' }).waitFor();
    const layersBefore = await page.evaluate(() => window.h.figma.rectangles.length);
    // At 2× each frame takes several model steps' worth of time: room to cancel in the middle.
    await ui.locator('#scale').selectOption('2');
    await page.evaluate(() => window.h.select(window.h.frames));
    // Press Cancel from inside the page the moment the second frame is a fifth done: a click from the test
    // process would race the model (a frame takes about a second), this cannot.
    const frame = page.frames().find((f) => f.url().includes('/dist/ui.html'));
    await frame?.evaluate(() => {
      const list = document.getElementById('frames') as HTMLElement;
      const observer = new MutationObserver(() => {
        const second = list.children[1] as HTMLElement | undefined;
        const bar = second?.querySelector('progress');
        if (second?.dataset['state'] === 'running' && bar !== null && bar !== undefined && bar.value > 0.2) {
          observer.disconnect();
          (document.getElementById('cancel') as HTMLButtonElement).click();
        }
      });
      observer.observe(list, { subtree: true, childList: true, attributes: true });
    });
    const runId = await stylize();
    const finished = await waitForFinished(runId, 60_000);
    expect(finished.outcome).toBe('cancelled');
    await page.waitForTimeout(1500); // anything still in flight would arrive now
    const results = (await received('result')).filter((m) => m.runId === runId);
    const layers = await page.evaluate(() => window.h.figma.rectangles.map((r) => r.name));
    expect(results.length).toBe(1); // the first frame; the second was cancelled a fifth of the way in
    expect(layers.length - layersBefore).toBe(results.length);
    expect(layers.slice(layersBefore).every((n) => n.startsWith('wave-file — '))).toBe(true);
    for (const result of results) {
      const index = await page.evaluate((id) => window.h.frames.findIndex((f) => f.id === id), result.frameId);
      const [w, h] = FRAME_SIZES[index] as [number, number];
      expect([result.width, result.height]).toEqual([2 * w, 2 * h]); // the 2× resolution setting
    }
    expect(await page.evaluate(() => window.h.figma.undoSteps().length)).toBe(results.length > 0 ? 2 : 1);
    expect(await page.evaluate(() => window.h.originalsUntouched())).toBe(true);
    await ui.locator('#status', { hasText: 'Cancelled' }).waitFor();
    expect(await ui.locator('#stylize').isEnabled()).toBe(true);
  }, 90_000);

  it('applies strength and colour preservation: at strength 0 the style no longer matters; luminance keeps the colours', async () => {
    // One 64×64 frame at 1×, one run per setting, with the last test's style (wave-file) and then a very
    // different one. Strength 0 is exactly independent of the style, and with the model's strength endpoint
    // (docs/CONTROLS.md#strength) it is close to the original frame.
    await ui.locator('#scale').selectOption('1');
    await page.evaluate(() => window.h.select([window.h.frames[0] as (typeof window.h.frames)[number]]));
    await ui.locator('#stylize', { hasText: /^Stylize$/ }).waitFor();
    const content = (await page.evaluate(() => window.h.exportPixels(0)))?.pixels as number[];

    async function runWith(strength: number, colours: 'off' | 'luminance' | 'histogram'): Promise<number[]> {
      await ui.locator('#strength').fill(String(strength));
      await ui.locator('#strength').dispatchEvent('change');
      await ui.locator('#preserve-color').selectOption(colours);
      // The settings travel to the main thread for clientStorage.
      expect((await received('save-settings')).at(-1)?.settings).toMatchObject({ strength, preserveColor: colours });
      const runId = await stylize();
      expect(await waitForFinished(runId, 30_000)).toMatchObject({ outcome: 'done', failures: [] });
      const hash = await page.evaluate(() => window.h.figma.rectangles.at(-1)?.imageHash);
      const result = await page.evaluate((h) => window.h.describeImage(h as string), hash);
      expect(result).toMatchObject({ width: 64, height: 64, png: true });
      return result?.pixels as number[];
    }

    /** Mean and largest absolute difference over R, G, B; mean over the YIQ chroma (I, Q) alone. */
    function distance(a: number[], b: number[]): { rgb: number; max: number; chroma: number } {
      let rgb = 0;
      let max = 0;
      let chroma = 0;
      const iq = (p: number[], k: number) => {
        const [r, g, bl] = [p[k] as number, p[k + 1] as number, p[k + 2] as number];
        return [0.5959 * r - 0.2746 * g - 0.3213 * bl, 0.2115 * r - 0.5227 * g + 0.3112 * bl] as const;
      };
      for (let k = 0; k < a.length; k += 4) {
        for (let c = 0; c < 3; c++) {
          const d = Math.abs((a[k + c] as number) - (b[k + c] as number));
          rgb += d;
          max = Math.max(max, d);
        }
        const [ia, qa] = iq(a, k);
        const [ib, qb] = iq(b, k);
        chroma += Math.abs(ia - ib) + Math.abs(qa - qb);
      }
      const n = a.length / 4;
      return { rgb: rgb / (3 * n), max, chroma: chroma / (2 * n) };
    }
    const show = (d: { rgb: number; chroma: number }) => `${d.rgb.toFixed(1)}/${d.chroma.toFixed(1)}`;

    const started = Date.now();
    const waveFull = await runWith(1, 'off');
    const waveNone = await runWith(0, 'off');
    const kept = await runWith(1, 'luminance');
    const matched = await runWith(1, 'histogram');
    // A second style, nothing like the wave: red and yellow diagonal stripes.
    const stripes = await page.evaluate(async () => {
      const canvas = new OffscreenCanvas(96, 96);
      const ctx = canvas.getContext('2d') as OffscreenCanvasRenderingContext2D;
      for (let x = -96; x < 96; x += 16) {
        ctx.fillStyle = (x / 16) % 2 === 0 ? '#d01010' : '#f0d020';
        ctx.beginPath();
        ctx.moveTo(x, 0);
        ctx.lineTo(x + 16, 0);
        ctx.lineTo(x + 112, 96);
        ctx.lineTo(x + 96, 96);
        ctx.fill();
      }
      const bytes = new Uint8Array(await (await canvas.convertToBlob({ type: 'image/png' })).arrayBuffer());
      return btoa(Array.from(bytes, (b) => String.fromCharCode(b)).join(''));
    });
    await ui.locator('#style-file').setInputFiles({ name: 'stripes.png', mimeType: 'image/png', buffer: Buffer.from(stripes, 'base64') });
    await ui.locator('#style-name', { hasText: 'stripes' }).waitFor();
    const stripesFull = await runWith(1, 'off');
    const stripesNone = await runWith(0, 'off');
    const seconds = (Date.now() - started) / 1000;

    const full = distance(waveFull, content);
    const luminance = distance(kept, content);
    const histogram = distance(matched, content);
    const styles1 = distance(waveFull, stripesFull);
    const styles0 = distance(waveNone, stripesNone);
    console.log(
      `controls: 6 runs in ${seconds.toFixed(1)} s. To the original (rgb/chroma): strength 1 ${show(full)}, strength 0 ${show(distance(waveNone, content))}, ` +
        `luminance ${show(luminance)}, histogram ${show(histogram)}. Wave vs stripes: strength 1 ${show(styles1)}, strength 0 ${show(styles0)} (max ${styles0.max})`,
    );
    // Strength: the two styles give very different results at 1 and the same result at 0.
    expect(styles1.rgb).toBeGreaterThan(15);
    expect(styles0.max).toBeLessThanOrEqual(1);
    // Without the endpoint strength 0 was further from the frame than strength 1 (57.9/32.4 against 37.9/9.6).
    const none = distance(waveNone, content);
    expect(none.rgb).toBeLessThan(0.7 * full.rgb);
    expect(none.chroma).toBeLessThan(1.5 * full.chroma);
    // Luminance: the original's chroma exactly, up to 8-bit rounding and clamping; the plain result's is far off.
    expect(luminance.chroma).toBeLessThan(2);
    expect(full.chroma).toBeGreaterThan(4 * luminance.chroma);
    // Histogram: the style image path ran (not the cached encoding) and changed the result.
    expect(distance(matched, waveFull).rgb).toBeGreaterThan(3);
  }, 60_000);

  it('reads the model from the cache the next time the plugin opens', async () => {
    const listed = [...servedFiles(parseModelJson(await readFile(join(modelDir, 'model.json')))).keys()];
    // The first open downloaded each listed file once (shards where a file is split); the decoder, cut
    // after 3 MB, was resumed with a Range request for the rest.
    expect([...served].filter((p) => p !== 'model.json').sort()).toEqual([...listed].sort());
    expect(ranges).toEqual(['decoder.safetensors bytes=3000000-']);
    served.length = 0;
    await page.close();
    // This time on ONNX Runtime's wasm, chosen in the query: the table's last row, its binary from the CDN.
    await openHarness('?backend=onnx-wasm');
    await page.evaluate(() => window.h.select([window.h.styleNode]));
    await ui.locator('#use-selection').click();
    await ui.locator('#engine-info', { hasText: `${listed.length} files from cache` }).waitFor({ timeout: 60_000 });
    expect(served).toEqual(['model.json']); // revalidated; every weight file came from the cache
    expect(await ui.locator('#engine-info').textContent()).toMatch(/on WebAssembly \(CPU, ONNX Runtime\)/);
    await page.evaluate(() => window.h.select([window.h.frames[0] as (typeof window.h.frames)[number]]));
    expect(await waitForFinished(await stylize(), 30_000)).toMatchObject({ outcome: 'done', failures: [] });
    // Only the binary: the JavaScript glue is the bundle's own (a module import from the CDN might be refused by a CSP).
    expect(ortFetched).toEqual(['ort-wasm-simd-threaded.wasm']);
    // Expected: the 404 of the first test and the connection cut on purpose (a length mismatch).
    expect(consoleErrors.filter((e) => !e.includes('404') && !e.includes('ERR_CONTENT_LENGTH_MISMATCH'))).toEqual([]);
  }, 90_000);
});
