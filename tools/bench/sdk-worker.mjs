// One benchmark run of the SDK in a process of its own (so that its peak RSS is its own):
//   node sdk-worker.mjs --backend onnx|onnx-nchw|onnx-int8|onnx-web|wasm --model <dir> --inputs <dir> --size <px> --repeats <n>
// Prints one JSON line: first-call, warm and cached-style times in seconds, peak RSS, session stats.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Stylizer, loadModelFromFiles } from '@adaattn/core';

const { values } = parseArgs({
  options: {
    backend: { type: 'string' },
    model: { type: 'string' },
    inputs: { type: 'string' },
    size: { type: 'string' },
    repeats: { type: 'string', default: '3' },
    threads: { type: 'string', default: '2' },
  },
});
const size = Number(values.size);
const repeats = Number(values.repeats);
const threads = Number(values.threads);

async function startBackend(name) {
  if (name === 'onnx' || name === 'onnx-int8' || name === 'onnx-nchw') {
    const { createOnnxNodeBackend } = await import('@adaattn/core/backends/onnx/node');
    // onnx-nchw: the graphs without the blocked layout named in them (ORT's own layout pass only), to
    // compare in one run what that layout buys.
    return createOnnxNodeBackend({ threads, blockedLayout: name !== 'onnx-nchw' });
  }
  if (name === 'onnx-web') {
    // The plugins' candidate engine: onnxruntime-web on its wasm execution provider, one thread as in a
    // plugin iframe without cross-origin isolation.
    const { createOnnxWebBackend } = await import('@adaattn/core/backends/onnx/web');
    return createOnnxWebBackend({ device: 'wasm', threads: 1 });
  }
  const { createTfjsBackend } = await import('@adaattn/core/backends/tfjs');
  return createTfjsBackend({ name });
}

/** The RGB pixels run.mjs wrote (raw HWC 8-bit). */
async function pixels(name) {
  const data = new Uint8Array(await readFile(join(values.inputs, `${name}-${size}.rgb`)));
  return { width: size, height: size, channels: 3, data };
}

const seconds = (t0) => (performance.now() - t0) / 1000;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

const loaded = await loadModelFromFiles(async (name) => new Uint8Array(await readFile(join(values.model, name))));
const backend = await startBackend(values.backend);
if (values.backend === 'onnx-int8' && loaded.config.int8 === undefined) {
  console.error(`sdk-worker: ${values.model} has no int8 ranges in its model.json (tools/train/calibrate_int8.py)`);
  process.exit(1);
}
// onnx-int8: the opt-in precision, the model's calibrated convolutions as QLinearConv.
const stylizer = Stylizer.create(backend, loaded.weights, values.backend === 'onnx-int8' ? { int8: loaded.config.int8 } : {});
const [content, content2, style] = [await pixels('content'), await pixels('content2'), await pixels('style')];

// First call: includes whatever a backend does once per shape (ONNX Runtime: building its sessions).
let t0 = performance.now();
await stylizer.stylize(content, style);
const first = seconds(t0);
const warm = [];
for (let i = 0; i < repeats; i++) {
  t0 = performance.now();
  await stylizer.stylize(content, style);
  warm.push(seconds(t0));
}
// Cached style: encoded once (not timed), then new contents.
const features = await stylizer.encodeStyle(style);
await stylizer.stylize(content2, features); // a new graph shape on ONNX Runtime: not timed, like the warm-up above
const cached = [];
for (let i = 0; i < repeats; i++) {
  t0 = performance.now();
  await stylizer.stylize(i % 2 === 0 ? content2 : content, features);
  cached.push(seconds(t0));
}
features.dispose();

let sessions;
if (values.backend.startsWith('onnx') && values.backend !== 'onnx-web') {
  const { onnxStats } = await import('@adaattn/core/backends/onnx');
  sessions = onnxStats(backend);
}
stylizer.dispose();
console.log(
  JSON.stringify({
    runtime: values.backend,
    size,
    first,
    warm,
    cached,
    warmMedian: median(warm),
    cachedMedian: median(cached),
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
    sessions,
  }),
);
