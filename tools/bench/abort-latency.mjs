// How fast a stylize on ONNX Runtime stops when its AbortSignal fires, and what running the work in pieces
// (packages/core/src/backends/onnx/pieces.ts) costs in throughput, side by side in one process:
//
//   node tools/bench/abort-latency.mjs [--sizes 512,1024,2048] [--at 0.5,2,5] [--repeats 3] [--threads 2]
//                                      [--thread worker|main] [--backend onnx-node|onnx-web-wasm|tfjs-wasm|tfjs-cpu]
//                                      [--throughput-size 512] [--no-throughput]
//
// For each size, calls are aborted `--at` seconds after they start (the first one while ONNX Runtime still
// makes its sessions); latency = from the moment the abort was due to the call's rejection. The event loop's longest stall is
// measured alongside (a 10 ms timer's largest gap). `--thread` picks where ONNX Runtime runs for that part
// (the default, a worker thread of its own, or the calling thread). Then first-call and warm times at
// --throughput-size: pieces on the worker (the default), pieces on the calling thread, and one graph per read
// (`pieceFlops: Infinity`), alternating, medians.
// Random weights (@adaattn/core/testing): times do not depend on the values. Needs `npm run build`.
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { Stylizer } from '@adaattn/core';
import { createOnnxNodeBackend } from '@adaattn/core/backends/onnx/node';
import { createOnnxWebBackend } from '@adaattn/core/backends/onnx/web';
import { createTfjsBackend } from '@adaattn/core/backends/tfjs';
import { randomImageWeights, testPixels } from '@adaattn/core/testing';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '512,1024,2048' },
    at: { type: 'string', default: '0.5,2,5' },
    repeats: { type: 'string', default: '3' },
    threads: { type: 'string', default: '2' },
    thread: { type: 'string', default: 'worker' },
    backend: { type: 'string', default: 'onnx-node' },
    'throughput-size': { type: 'string', default: '512' },
    'no-throughput': { type: 'boolean', default: false },
  },
});
const threads = Number(values.threads);
const weights = randomImageWeights(1);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const fmt = (ms) => `${(ms / 1000).toFixed(3)} s`;

/** The event loop's longest stall while `work` runs (gaps of a 10 ms interval timer). */
async function withStallMeter(work) {
  let last = performance.now();
  let worst = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last - 10);
    last = now;
  }, 10);
  try {
    return { result: await work(), stallMs: worst };
  } finally {
    clearInterval(timer);
  }
}

async function abortOnce(stylizer, content, style, atSeconds) {
  const controller = new AbortController();
  const started = performance.now();
  // Latency counts from when the abort was due (a user's Ctrl-C), not from when a blocked loop ran the timer.
  const abortedAt = started + atSeconds * 1000;
  const timer = setTimeout(() => controller.abort(), atSeconds * 1000);
  const { result, stallMs } = await withStallMeter(async () => {
    try {
      await stylizer.stylize(content, style, { signal: controller.signal });
      return { finished: true, error: undefined };
    } catch (error) {
      return { finished: false, error };
    }
  });
  clearTimeout(timer);
  const ended = performance.now();
  if (result.finished) return { atSeconds, note: `finished before the abort (${fmt(ended - started)})`, stallMs };
  if (result.error?.name !== 'AbortError') throw result.error;
  return { atSeconds, latencyMs: ended - abortedAt, stallMs };
}

console.log(
  `CPU: ${cpus()[0]?.model ?? 'unknown'} × ${cpus().length} logical cores; ${values.backend === 'onnx-node' ? `onnxruntime-node, ${threads} threads, on the ${values.thread} thread` : values.backend}; Node ${process.version}; load average ${loadavg()[0].toFixed(1)}`,
);
console.log('| content = style | abort after | abort → rejection | longest event-loop stall |');
console.log('|---|---|---|---|');
for (const size of values.sizes.split(',').map(Number)) {
  const backend =
    values.backend === 'onnx-node'
      ? await createOnnxNodeBackend({ threads, thread: values.thread })
      : values.backend === 'onnx-web-wasm'
        ? await createOnnxWebBackend({ device: 'wasm', threads: 1 }) // the plugins' CPU engine, on the calling thread
        : await createTfjsBackend({ name: values.backend.replace(/^tfjs-/, '') });
  const stylizer = Stylizer.create(backend, weights);
  const content = testPixels(size, size, 3, 1);
  const style = testPixels(size, size, 3, 2);
  for (const at of values.at.split(',').map(Number)) {
    const r = await abortOnce(stylizer, content, style, at);
    const latency = r.latencyMs === undefined ? r.note : fmt(r.latencyMs);
    console.log(`| ${size}² | ${at} s | ${latency} | ${fmt(r.stallMs)} |`);
  }
  stylizer.dispose();
}

if (!values['no-throughput']) {
  const size = Number(values['throughput-size']);
  const repeats = Number(values.repeats);
  const content = testPixels(size, size, 3, 1);
  const style = testPixels(size, size, 3, 2);
  const variants = [
    { label: 'pieces on the worker thread (default)', options: { threads } },
    { label: 'pieces on the calling thread', options: { threads, thread: 'main' } },
    { label: 'one graph (pieceFlops: Infinity)', options: { threads, thread: 'main', pieceFlops: Infinity } },
  ];
  const stylizers = [];
  const firstCalls = [];
  for (const v of variants) {
    const s = Stylizer.create(await createOnnxNodeBackend(v.options), weights);
    const t0 = performance.now();
    await s.stylize(content, style, { signal: new AbortController().signal }); // sessions made, as in a CLI run
    firstCalls.push(performance.now() - t0);
    stylizers.push(s);
  }
  const times = variants.map(() => []);
  const stalls = variants.map(() => []);
  for (let r = 0; r < repeats; r++) {
    for (const [i, s] of stylizers.entries()) {
      const t0 = performance.now();
      // With a signal, as the CLI calls it: only a watched read runs in pieces.
      const { stallMs } = await withStallMeter(() => s.stylize(content, style, { signal: new AbortController().signal }));
      times[i].push(performance.now() - t0);
      stalls[i].push(stallMs);
    }
  }
  console.log(`\nWarm ${size}² stylize (style image ${size}²), median of ${repeats}, alternating:`);
  console.log('| how the read runs | first call (makes sessions) | warm time | ÷ one graph, warm | longest event-loop stall |');
  console.log('|---|---|---|---|---|');
  const whole = median(times[variants.length - 1]);
  variants.forEach((v, i) =>
    console.log(
      `| ${v.label} | ${fmt(firstCalls[i])} | ${fmt(median(times[i]))} | ${(median(times[i]) / whole).toFixed(2)} | ${fmt(median(stalls[i]))} |`,
    ),
  );
  console.log(`load average now ${loadavg()[0].toFixed(1)}`);
  stylizers.forEach((s) => s.dispose());
}
