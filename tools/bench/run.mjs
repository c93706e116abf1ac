// `npm run bench`: the SDK on ONNX Runtime, the SDK on tfjs-wasm and the PyTorch reference, side by side on
// the same weights and inputs, each run in a process of its own (peak RSS per run). Not part of the tests.
//
//   npm run bench -- [--sizes 256,512,1024] [--repeats 3] [--runtimes onnx,wasm,torch] [--wasm-max 512]
//                    [--model packages/model-image] [--threads 2] [--write docs/BENCHMARKS.md]
//   npm run bench -- --quick        (256 px, 1 repeat: a smoke test of the whole harness)
//
// Needs the packages built (`npm run build`) and, for the reference, /usr/bin/python3 with torch.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import sharp from 'sharp';
import { modelFlops } from './flops.mjs';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const samples = resolve(root, '../shared/data/samples');

/** FP32 FMA peak that ../shared/docs/DESIGN.md §4 gives for this machine kind (used when it cannot be measured). */
const DOCUMENTED_PEAK_GFLOPS = 437;

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '256,512,1024' },
    repeats: { type: 'string', default: '3' },
    runtimes: { type: 'string', default: 'onnx,wasm,torch' },
    'wasm-max': { type: 'string', default: '512' },
    model: { type: 'string', default: 'packages/model-image' },
    threads: { type: 'string', default: '2' },
    write: { type: 'string' },
    quick: { type: 'boolean', default: false },
  },
});
if (values.quick) {
  values.sizes = '256';
  values.repeats = '1';
}
const sizes = values.sizes.split(',').map(Number);
const runtimes = values.runtimes.split(',');
const repeats = Number(values.repeats);
const wasmMax = Number(values['wasm-max']);
const model = resolve(root, values.model);
const LABEL = { onnx: 'SDK, ONNX Runtime (onnxruntime-node 1.30, CPU)', wasm: 'SDK, tfjs-wasm (1 thread)', torch: 'PyTorch reference (tools/pysrc)' };

if (!existsSync(join(root, 'packages/core/dist/backends/onnx/node.js'))) {
  console.error('bench: packages/core is not built; run `npm run build` first');
  process.exit(1);
}

/** Two contents and one style from ../shared/data/samples, centre-cropped to size², as raw RGB. */
async function writeInputs(dir, size) {
  const files = { content: 'content/tubingen.jpg', content2: 'content/venice-boat.jpg', style: 'style/udnie.jpg' };
  for (const [name, file] of Object.entries(files)) {
    const raw = await sharp(join(samples, file)).resize(size, size, { fit: 'cover' }).removeAlpha().raw().toBuffer();
    await writeFile(join(dir, `${name}-${size}.rgb`), raw);
  }
}

async function measure(runtime, size, inputs) {
  const common = ['--model', model, '--inputs', inputs, '--size', String(size), '--repeats', String(repeats), '--threads', values.threads];
  const [cmd, args, env] =
    runtime === 'torch'
      ? ['/usr/bin/python3', [join(here, 'torch_reference.py'), ...common], { ...process.env, PYTHONPATH: join(root, 'tools/pysrc') }]
      : [process.execPath, [join(here, 'sdk-worker.mjs'), '--backend', runtime, ...common], process.env];
  const { stdout } = await run(cmd, args, { env, cwd: root, maxBuffer: 1 << 24 });
  return JSON.parse(stdout.trim().split('\n').at(-1));
}

/**
 * The FMA peak of this machine now, with as many threads as the runs use: fma-peak.c compiled with the
 * system's C compiler (AVX-512), best of three. Undefined when there is no compiler or no AVX-512.
 */
async function measurePeak(dir) {
  try {
    const exe = join(dir, 'fma-peak');
    await run('cc', ['-O3', '-mavx512f', '-mfma', join(here, 'fma-peak.c'), '-o', exe, '-lpthread']);
    let best = 0;
    for (let i = 0; i < 3; i++) best = Math.max(best, Number((await run(exe, [values.threads])).stdout.trim()));
    return best > 0 ? best : undefined;
  } catch {
    return undefined;
  }
}

const fmt = (x, digits = 2) => (x === undefined ? '—' : x.toFixed(digits));

function table(results, peak) {
  const lines = [
    '| size | runtime | first call s | warm s (median) | × vs PyTorch | GFLOP/s | % of peak | cached style s | warm ÷ cached | peak RSS MiB |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const size of sizes) {
    const flops = modelFlops(size, size, size, size);
    const torch = results.find((r) => r.runtime === 'torch' && r.size === size);
    for (const runtime of runtimes) {
      const r = results.find((x) => x.runtime === runtime && x.size === size);
      if (r === undefined) {
        lines.push(`| ${size}² | ${LABEL[runtime]} | skipped (--wasm-max ${wasmMax}) | | | | | | | |`);
        continue;
      }
      const gflops = flops.total / r.warmMedian / 1e9;
      const speedup = torch === undefined ? undefined : torch.warmMedian / r.warmMedian;
      lines.push(
        `| ${size}² | ${LABEL[runtime]} | ${fmt(r.first)} | ${fmt(r.warmMedian)} | ${runtime === 'torch' ? '1.00' : fmt(speedup)} | ` +
          `${fmt(gflops, 0)} | ${fmt((100 * gflops) / peak, 0)} % | ${fmt(r.cachedMedian)} | ${fmt(r.warmMedian / r.cachedMedian)} | ${fmt(r.peakRssMiB, 0)} |`,
      );
    }
  }
  return lines.join('\n');
}

const dir = await mkdtemp(join(tmpdir(), 'adaattn-bench-'));
const results = [];
const measuredPeak = await measurePeak(dir);
const peak = measuredPeak ?? DOCUMENTED_PEAK_GFLOPS;
process.stderr.write(`bench: FMA peak ${measuredPeak === undefined ? `not measured (no cc/AVX-512); using the documented ${peak}` : `${measuredPeak.toFixed(0)}`} GFLOP/s with ${values.threads} threads\n`);
try {
  for (const size of sizes) {
    await writeInputs(dir, size);
    for (const runtime of runtimes) {
      if (runtime === 'wasm' && size > wasmMax) continue;
      process.stderr.write(`bench: ${runtime} at ${size}² … `);
      const r = await measure(runtime, size, dir);
      process.stderr.write(`warm ${fmt(r.warmMedian)} s, cached ${fmt(r.cachedMedian)} s\n`);
      results.push(r);
    }
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}

const flopsNote = sizes.map((s) => {
  const f = modelFlops(s, s, s, s);
  return `${s}²: ${(f.total / 1e9).toFixed(0)} GFLOP (${(f.content / 1e9).toFixed(0)} without the style side)`;
});
const cpu = cpus()[0]?.model ?? 'unknown CPU';
const peakNote =
  measuredPeak === undefined
    ? `the ${peak} GFLOP/s FP32 FMA peak that DESIGN.md §4 gives for this machine kind (not measured: no C compiler or no AVX-512)`
    : `this machine's FP32 FMA peak measured just before, ${measuredPeak.toFixed(0)} GFLOP/s with ${values.threads} threads ` +
      `(tools/bench/fma-peak.c; DESIGN.md §4 gives ${DOCUMENTED_PEAK_GFLOPS} for this machine kind)`;
const report = `${table(results, peak)}

Command: \`npm run bench -- --sizes ${values.sizes} --repeats ${repeats} --runtimes ${values.runtimes} --threads ${values.threads}\` on ${new Date().toISOString().slice(0, 10)},
${cpus().length} × ${cpu}, Node ${process.versions.node}. Content and style are the same size; sampled attention
(the authors' caps), the shipped model (${values.model}). "first call" includes one-time work (ONNX Runtime builds its
sessions); "warm" is the median of ${repeats} further calls with a style image; "cached style" the median of ${repeats} calls
with a style encoded once (\`encodeStyle\`). GFLOP/s = the model's work by formula (tools/bench/flops.mjs: ${flopsNote.join('; ')})
÷ warm time, against ${peakNote}. Peak RSS of each run's process.`;
console.log(report);
if (values.write !== undefined) {
  const target = resolve(root, values.write);
  const doc = existsSync(target) ? await readFile(target, 'utf8') : '';
  const marker = /<!-- bench:start -->[\s\S]*<!-- bench:end -->/;
  const block = `<!-- bench:start -->\n${report}\n<!-- bench:end -->`;
  await writeFile(target, marker.test(doc) ? doc.replace(marker, block) : `${doc}${doc ? '\n' : ''}${block}\n`);
  console.error(`bench: table written to ${values.write}`);
}
