// `npm run bench`: the SDK on ONNX Runtime, the SDK on tfjs-wasm and the PyTorch reference in each
// configuration a user could pick (float32 as the authors run it, with subnormals flushed, and bf16 autocast
// where the CPU has bf16 instructions), side by side on the same weights and inputs, each run in a process of
// its own (peak RSS per run). Reports the CPU, its relevant flags and its measured FMA peak. Not a test.
//
//   npm run bench -- [--sizes 256,512,1024] [--repeats 3] [--runtimes onnx,onnx-nchw,onnx-int8,wasm,onnx-web,torch,torch-ftz,torch-bf16] [--wasm-max 512]
//                    [--model packages/model-image] [--threads 2] [--write docs/BENCHMARKS.md]
//   npm run bench -- --quick        (256 px, 1 repeat: a smoke test of the whole harness)
//
// Needs the packages built (`npm run build`) and, for the reference, /usr/bin/python3 with torch.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { modelFlops } from './flops.mjs';
import { cpuInfo, measureFmaPeak, writeInputs } from './inputs.mjs';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');

/** FP32 FMA peak recorded for AMD Zen 5 with 2 threads (docs/BENCHMARKS.md), used when it cannot be measured here. */
const DOCUMENTED_PEAK_GFLOPS = 437;

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '256,512,1024' },
    repeats: { type: 'string', default: '3' },
    runtimes: { type: 'string', default: 'onnx,wasm,torch,torch-ftz,torch-bf16' },
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
const LABEL = {
  onnx: 'SDK, ONNX Runtime (onnxruntime-node 1.30, CPU)',
  'onnx-nchw': "SDK, ONNX Runtime, layout left to ORT's pass (blockedLayout: false)",
  'onnx-int8': 'SDK, ONNX Runtime, int8 convolutions (opt-in)',
  wasm: 'SDK, tfjs-wasm (1 thread)',
  'onnx-web': 'SDK, onnxruntime-web wasm (1.30, 1 thread)',
  torch: "PyTorch, authors' default (fp32)",
  'torch-ftz': 'PyTorch fp32, set_flush_denormal(True)',
  'torch-bf16': 'PyTorch bf16 autocast (+ flush)',
};
const TORCH_FP32 = ['torch', 'torch-ftz'];

const cpu = await cpuInfo();
const bf16Native = cpu.avx512bf16 || cpu.amx;

if (!existsSync(join(root, 'packages/core/dist/backends/onnx/node.js'))) {
  console.error('bench: packages/core is not built; run `npm run build` first');
  process.exit(1);
}

async function measure(runtime, size, inputs) {
  const common = ['--model', model, '--inputs', inputs, '--size', String(size), '--repeats', String(repeats), '--threads', values.threads];
  const mode = runtime === 'torch' ? 'fp32' : runtime.replace('torch-', '');
  const [cmd, args, env] = runtime.startsWith('torch')
    ? [
        '/usr/bin/python3',
        [join(here, 'torch_reference.py'), ...common, '--mode', mode],
        { ...process.env, PYTHONPATH: join(root, 'tools/pysrc') },
      ]
    : [process.execPath, [join(here, 'sdk-worker.mjs'), '--backend', runtime, ...common], process.env];
  const { stdout } = await run(cmd, args, { env, cwd: root, maxBuffer: 1 << 24 });
  return JSON.parse(stdout.trim().split('\n').at(-1));
}

const fmt = (x, digits = 2) => (x === undefined ? '—' : x.toFixed(digits));

/** Why a runtime has no result at a size (skipped on purpose, or the reason it failed). */
const skipped = new Map();

function table(results, peak) {
  const lines = [
    '| size | runtime | first call s | warm s (median) | × vs PyTorch default | × vs best PyTorch fp32 | × vs PyTorch bf16 | GFLOP/s | % of peak | cached style s | peak RSS MiB |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const size of sizes) {
    const flops = modelFlops(size, size, size, size);
    const at = (runtime) => results.find((r) => r.runtime === runtime && r.size === size);
    const bestFp32 = TORCH_FP32.map(at)
      .filter(Boolean)
      .sort((a, b) => a.warmMedian - b.warmMedian)[0];
    const ratio = (base, r) => (base === undefined ? undefined : base.warmMedian / r.warmMedian);
    for (const runtime of runtimes) {
      const r = at(runtime);
      if (r === undefined) {
        lines.push(`| ${size}² | ${LABEL[runtime]} | ${skipped.get(`${runtime} ${size}`) ?? 'skipped'} | | | | | | | | |`);
        continue;
      }
      const gflops = flops.total / r.warmMedian / 1e9;
      lines.push(
        `| ${size}² | ${LABEL[runtime]} | ${fmt(r.first)} | ${fmt(r.warmMedian)} | ${fmt(ratio(at('torch'), r))} | ${fmt(ratio(bestFp32, r))} | ${fmt(ratio(at('torch-bf16'), r))} | ` +
          // int8 work is not FP32 FMAs: its share of the FP32 peak would mean nothing.
          `${fmt(gflops, 0)} | ${runtime === 'onnx-int8' ? '— (int8)' : `${fmt((100 * gflops) / peak, 0)} %`} | ${fmt(r.cachedMedian)} | ${fmt(r.peakRssMiB, 0)} |`,
      );
    }
  }
  return lines.join('\n');
}

const loadBefore = loadavg()[0];
const dir = await mkdtemp(join(tmpdir(), 'adaattn-bench-'));
const results = [];
const measuredPeak = await measureFmaPeak(values.threads);
const peak = measuredPeak ?? DOCUMENTED_PEAK_GFLOPS;
process.stderr.write(
  `bench: FMA peak ${measuredPeak === undefined ? `not measured (no cc/AVX-512); using the documented ${peak}` : `${measuredPeak.toFixed(0)}`} GFLOP/s with ${values.threads} threads\n`,
);
try {
  for (const size of sizes) {
    await writeInputs(dir, size);
    for (const runtime of runtimes) {
      if ((runtime === 'wasm' || runtime === 'onnx-web') && size > wasmMax) {
        skipped.set(`${runtime} ${size}`, `skipped (--wasm-max ${wasmMax})`);
        continue;
      }
      if (runtime === 'torch-bf16' && !bf16Native) {
        skipped.set(`${runtime} ${size}`, 'skipped (no AVX512-BF16 or AMX: bf16 would be emulated)');
        continue;
      }
      process.stderr.write(`bench: ${runtime} at ${size}² … `);
      try {
        const r = await measure(runtime, size, dir);
        process.stderr.write(`warm ${fmt(r.warmMedian)} s, cached ${fmt(r.cachedMedian)} s\n`);
        results.push(r);
      } catch (error) {
        const reason = String(error.stderr ?? error.message)
          .trim()
          .split('\n')
          .at(-1);
        process.stderr.write(`failed: ${reason}\n`);
        skipped.set(`${runtime} ${size}`, `failed: ${reason}`);
      }
    }
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}

const flopsNote = sizes.map((s) => {
  const f = modelFlops(s, s, s, s);
  return `${s}²: ${(f.total / 1e9).toFixed(0)} GFLOP (${(f.content / 1e9).toFixed(0)} without the style side)`;
});
const peakNote =
  measuredPeak === undefined
    ? `the ${peak} GFLOP/s FP32 FMA peak recorded for AMD Zen 5 (not measured: no C compiler or no AVX-512)`
    : `this machine's FP32 FMA peak measured just before, ${measuredPeak.toFixed(0)} GFLOP/s with ${values.threads} threads ` +
      `(tools/bench/fma-peak.c; ${DOCUMENTED_PEAK_GFLOPS} is the figure recorded for AMD Zen 5)`;
const yes = (b) => (b ? 'yes' : 'no');
const report = `${table(results, peak)}

Command: \`npm run bench -- --sizes ${values.sizes} --repeats ${repeats} --runtimes ${values.runtimes} --threads ${values.threads}\` on ${new Date().toISOString().slice(0, 10)},
${cpus().length} × ${cpu.model}, Node ${process.versions.node}. CPU flags: AVX-512 ${yes(cpu.avx512)}, AVX512-BF16 ${yes(cpu.avx512bf16)},
AMX ${yes(cpu.amx)}, VNNI ${yes(cpu.vnni)}. Content and style are the same size; sampled attention
(the authors' caps), the shipped model (${values.model}). "first call" includes one-time work (ONNX Runtime builds its
sessions); "warm" is the median of ${repeats} further calls with a style image; "cached style" the median of ${repeats} calls
with a style encoded once (\`encodeStyle\`). GFLOP/s = the model's work by formula (tools/bench/flops.mjs: ${flopsNote.join('; ')})
÷ warm time, against ${peakNote}. Peak RSS of each run's process. 1-minute load average
${loadBefore.toFixed(1)} before the runs and ${loadavg()[0].toFixed(1)} after (above the ${cpus().length} cores: the machine was shared, and every time
above is slower than on an idle one; compare the rows of one table, not across tables).`;
console.log(report);
if (values.write !== undefined) {
  const target = resolve(root, values.write);
  const doc = existsSync(target) ? await readFile(target, 'utf8') : '';
  const marker = /<!-- bench:start -->[\s\S]*<!-- bench:end -->/;
  const block = `<!-- bench:start -->\n${report}\n<!-- bench:end -->`;
  await writeFile(target, marker.test(doc) ? doc.replace(marker, block) : `${doc}${doc ? '\n' : ''}${block}\n`);
  console.error(`bench: table written to ${values.write}`);
}
