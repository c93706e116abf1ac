// The plugins' engines side by side in headless Chromium (Debian's, tools/ci/ensure-chromium.sh): the SDK on
// tfjs-wasm, onnxruntime-web wasm, and WebGPU / WebGL where this Chromium has an adapter (on a machine without
// a GPU, a software one: its timings say nothing of a real GPU, its output is checked against wasm's). Each
// runtime runs in a fresh page, one thread, called with an AbortSignal and progress as the plugins call it. Reports the CPU, timings (first call and warm
// median) and each output's PSNR against the first runtime's. Not a test.
//
//   node tools/bench/browser.mjs [--sizes 256,512] [--repeats 3] [--runtimes tfjs-wasm,onnx-web-wasm,onnx-web-webgpu,tfjs-webgl]
//
// Needs the packages built (`npm run build`).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { startServer } from '../../packages/figma-plugin/serve.mjs';
import { cpuInfo, psnr, writeInputs } from './inputs.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '256,512' },
    repeats: { type: 'string', default: '3' },
    runtimes: { type: 'string', default: 'tfjs-wasm,onnx-web-wasm,onnx-web-webgpu,tfjs-webgl' },
    model: { type: 'string', default: 'packages/model-image' },
    chromium: { type: 'string', default: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium' },
  },
});
const sizes = values.sizes.split(',').map(Number);
const runtimes = values.runtimes.split(',');
const repeats = Number(values.repeats);

const page = await build({
  entryPoints: [join(here, 'browser-page.mjs')],
  bundle: true,
  format: 'esm',
  platform: 'browser',
  write: false,
  minify: true,
  logLevel: 'error',
});
const inputs = await mkdtemp(join(tmpdir(), 'adaattn-browser-bench-'));
for (const size of sizes) await writeInputs(inputs, size);
const server = await startServer({
  routes: {
    '/model/': resolve(root, values.model),
    '/inputs/': inputs,
    '/ort/': join(root, 'node_modules/onnxruntime-web/dist'),
    '/tfjs/': join(root, 'node_modules/@tensorflow/tfjs-backend-wasm/dist'),
  },
  virtual: {
    '/': { type: 'text/html; charset=utf-8', body: '<!doctype html><title>bench</title><script type="module" src="/page.js"></script>' },
    '/page.js': { type: 'text/javascript; charset=utf-8', body: page.outputFiles[0].text },
  },
});
// A browser per run, so that one runtime's crash (a GPU process that dies) cannot take the next one down.
// WebGPU on SwiftShader, Chromium's CPU implementation, where there is no GPU (the page is on 127.0.0.1: a
// secure context, which WebGPU needs).
const launch = () =>
  chromium.launch({
    executablePath: values.chromium,
    headless: true,
    args: ['--no-sandbox', '--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader'],
  });
let version = '?'; // Chromium's, read from the first browser launched

const cpu = await cpuInfo();
console.log(`CPU: ${cpu.model}; AVX-512 ${cpu.avx512}, VNNI ${cpu.vnni}`);
const rows = [];
try {
  for (const size of sizes) {
    let reference;
    for (const runtime of runtimes) {
      const browser = await launch();
      version = browser.version();
      const tab = await browser.newPage();
      const log = [];
      tab.on('console', (m) => log.push(m.text()));
      try {
        await tab.goto(`${server.url}/`);
        await tab.waitForFunction(() => typeof globalThis.bench === 'function');
        const r = await tab.evaluate((args) => globalThis.bench(args), { runtime, size, repeats });
        const output = Buffer.from(r.output, 'base64');
        reference ??= { runtime, output };
        const sorted = [...r.warm].sort((a, b) => a - b);
        const warm = (sorted[Math.floor((sorted.length - 1) / 2)] + sorted[Math.floor(sorted.length / 2)]) / 2; // median
        rows.push({
          size,
          runtime,
          first: r.first,
          warm,
          psnr: runtime === reference.runtime ? undefined : psnr(output, reference.output),
          adapter: r.adapter,
        });
      } catch (error) {
        const last = log.filter((l) => /error|fail/i.test(l)).at(-1);
        rows.push({
          size,
          runtime,
          error: String(error?.message ?? error).split('\n')[0] + (last ? ` (page said: ${last.slice(0, 200)})` : ''),
        });
      } finally {
        await browser.close();
      }
      const row = rows.at(-1);
      console.log(
        row.error
          ? `${size}² ${runtime}: failed: ${row.error}`
          : `${size}² ${runtime}: first ${row.first.toFixed(2)} s, warm ${row.warm.toFixed(2)} s` +
              (row.psnr === undefined ? '' : `, PSNR vs ${reference.runtime} ${row.psnr.toFixed(1)} dB`),
      );
    }
  }
} finally {
  await server.close();
  await rm(inputs, { recursive: true, force: true });
}

console.log(`\nCPU: ${cpu.model}, headless Chromium ${version}, one thread (page not cross-origin isolated)`);
console.log(`WebGPU adapter: ${rows.find((r) => r.adapter)?.adapter ?? 'none'}\n`);
console.log('| size | runtime | first call (s) | warm (s) | vs tfjs-wasm | PSNR vs first row (dB) |');
console.log('|---|---|---|---|---|---|');
for (const row of rows) {
  const base = rows.find((r) => r.size === row.size && r.runtime === 'tfjs-wasm' && !r.error);
  if (row.error) {
    console.log(`| ${row.size}² | ${row.runtime} | failed: ${row.error} | | | |`);
    continue;
  }
  const ratio = base ? `${(base.warm / row.warm).toFixed(2)}×` : '';
  console.log(
    `| ${row.size}² | ${row.runtime} | ${row.first.toFixed(2)} | ${row.warm.toFixed(2)} | ${ratio} | ${row.psnr === undefined ? '—' : row.psnr.toFixed(1)} |`,
  );
}
// Timings through a software adapter are of the CPU, not of any GPU.
await writeFile(join(tmpdir(), 'adaattn-browser-bench.json'), JSON.stringify({ cpu, rows }, null, 2));
