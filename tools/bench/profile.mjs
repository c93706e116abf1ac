// Where the time goes on ONNX Runtime: one warm stylize with ORT's profiler on, summed per operator type.
//   node tools/bench/profile.mjs [--size 512] [--cached] [--int8] [--nchw] [--model packages/model-image | packages/model-video]
// --nchw: without the blocked layout named in the graphs (blockedLayout: false), as before issue 15's last step.
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadModelFromFiles, stylizerFromWeights } from '@adaattn/core';
import { createOnnxNodeBackend } from '@adaattn/core/backends/onnx/node';
import { sampleImage } from './inputs.mjs';

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '512' },
    cached: { type: 'boolean', default: false },
    int8: { type: 'boolean', default: false },
    nchw: { type: 'boolean', default: false },
    model: { type: 'string', default: 'packages/model-image' },
    threads: { type: 'string', default: '2' },
  },
});
const size = Number(values.size);
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const dir = await mkdtemp(join(tmpdir(), 'adaattn-profile-'));
const model = resolve(root, values.model);
const loaded = await loadModelFromFiles(async (name) => new Uint8Array(await readFile(join(model, name))));
const backend = await createOnnxNodeBackend({
  threads: Number(values.threads),
  blockedLayout: !values.nchw,
  sessionOptions: { enableProfiling: true, profileFilePrefix: join(dir, 'ort') },
});
const stylizer = stylizerFromWeights(
  backend,
  { variant: loaded.config.variant, weights: loaded.weights },
  values.int8 ? { int8: loaded.config.int8 } : {},
);
const [content, style] = [await sampleImage('content/tubingen.jpg', size), await sampleImage('style/udnie.jpg', size)];
const features = values.cached ? await stylizer.encodeStyle(style) : undefined;
await stylizer.stylize(content, features ?? style); // sessions made, profiles start
const t0 = performance.now();
await stylizer.stylize(content, features ?? style);
const wall = (performance.now() - t0) / 1000;
features?.dispose();
stylizer.dispose(); // releasing the sessions writes the profiles, asynchronously

/**
 * A profile's events. ORT closes the JSON array when the session ends, which may be later (a busy machine)
 * or never for a session still cached: the events written so far are read then.
 */
async function events(file) {
  await new Promise((r) => setTimeout(r, 3000));
  const text = (await readFile(join(dir, file), 'utf8')).trim();
  if (text === '') return []; // nothing flushed yet
  try {
    return JSON.parse(text);
  } catch {
    return JSON.parse(`${text.trim().replace(/,$/, '')}]`);
  }
}

const byOp = new Map();
const convs = [];
let runs = 0;
for (const file of (await readdir(dir)).filter((f) => f.endsWith('.json'))) {
  const all = await events(file);
  // The second model_run of each session is the warm call.
  const modelRuns = all.filter((e) => e.name === 'model_run');
  const warm = modelRuns[1];
  if (warm === undefined) continue;
  runs++;
  for (const e of all) {
    if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time') || e.ts < warm.ts || e.ts > warm.ts + warm.dur) continue;
    const op = e.args.op_name;
    if (op === 'Conv' || op === 'MatMul' || op === 'FusedMatMul')
      convs.push({
        op,
        us: e.dur,
        shapes: [...e.args.input_type_shape.map((x) => Object.values(x)[0]), Object.values(e.args.output_type_shape[0])[0]],
      });
    const entry = byOp.get(op) ?? { us: 0, count: 0 };
    entry.us += e.dur;
    entry.count++;
    byOp.set(op, entry);
  }
}
await rm(dir, { recursive: true, force: true });
const total = [...byOp.values()].reduce((s, e) => s + e.us, 0);
console.log(
  `${size}², ${values.cached ? 'cached style' : 'style image'}: ${wall.toFixed(2)} s wall, ${(total / 1e6).toFixed(2)} s in ${runs} graphs' kernels`,
);
for (const [op, e] of [...byOp.entries()].sort((a, b) => b[1].us - a[1].us)) {
  console.log(`  ${op.padEnd(22)} ${(e.us / 1e6).toFixed(3)} s  ${((100 * e.us) / total).toFixed(1).padStart(5)} %  ×${e.count}`);
}

// GFLOP/s of each product (2 · output size · reduction length) for the slowest ones.
const flops = (c) => {
  const out = c.shapes.at(-1).reduce((a, b) => a * b, 1);
  if (c.op === 'Conv') {
    const w = c.shapes[1]; // [O, I/block?, kh, kw] as ORT reports it (NCHWc weights are reordered)
    return 2 * out * (w.length === 4 ? w[1] * w[2] * w[3] : 1);
  }
  const a = c.shapes[0];
  return 2 * out * a.at(-1);
};
console.log('slowest products:');
for (const c of convs.sort((a, b) => b.us - a.us).slice(0, 25)) {
  console.log(
    `  ${c.op.padEnd(11)} ${(c.us / 1000).toFixed(1).padStart(7)} ms  ${(flops(c) / c.us / 1e3).toFixed(0).padStart(4)} GFLOP/s  ${JSON.stringify(c.shapes)}`,
  );
}
