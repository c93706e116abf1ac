// What core's softmax logit floor (LOGIT_FLOOR_BELOW_ROW_MAX, ops/attention-stats.ts) costs, and what it
// saves where subnormals are slow: one attention chunk, M = softmax(L)·V with L = Q·K, on each backend,
// without and with the floor, side by side in one process (alternating, best of --repeats: on a shared
// machine the best run is the one least disturbed by other processes), plus how many
// weights each variant leaves subnormal. The logits are spread like the trained model's (unscaled, ±hundreds),
// so the rows are near one-hot. On CPUs without a subnormal penalty (AMD Zen) the ratio is the floor's cost;
// on Intel cores the unguarded rows go through microcode assists wherever the runtime cannot flush (wasm).
//
//   node tools/bench/subnormal-guard.mjs [--rows 2048] [--keys 4096] [--channels 256] [--spread 150]
//                                        [--repeats 3] [--backends wasm,onnx-web,onnx]
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { LOGIT_FLOOR_BELOW_ROW_MAX } from '@adaattn/core';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '2048' },
    keys: { type: 'string', default: '4096' },
    channels: { type: 'string', default: '256' },
    spread: { type: 'string', default: '150' },
    repeats: { type: 'string', default: '3' },
    backends: { type: 'string', default: 'wasm,onnx-web,onnx' },
  },
});
const [n, ns, ck, spread, repeats] = ['rows', 'keys', 'channels', 'spread', 'repeats'].map((k) => Number(values[k]));

/** Uniform entries scaled so that a logit (a sum of ck products) has standard deviation `spread`. */
function operand(length, seed) {
  const scale = Math.sqrt((3 * spread) / Math.sqrt(ck));
  let s = seed >>> 0;
  return Float32Array.from({ length }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 32) * 2 * scale - scale;
  });
}
const host = { q: operand(n * ck, 1), k: operand(ck * ns, 2), v: operand(ns * 64, 3).map((x) => Math.abs(x)) };

async function backendNamed(name) {
  if (name === 'onnx') return (await import('@adaattn/core/backends/onnx/node')).createOnnxNodeBackend({ threads: 2 });
  if (name === 'onnx-web') return (await import('@adaattn/core/backends/onnx/web')).createOnnxWebBackend({ device: 'wasm', threads: 1 });
  return (await import('@adaattn/core/backends/tfjs')).createTfjsBackend({ name });
}

const FLT_MIN = 2 ** -126;
const subnormals = (w) => w.reduce((c, x) => c + (x !== 0 && Math.abs(x) < FLT_MIN ? 1 : 0), 0);

/** One chunk; returns seconds (upload to read of M) and the weights' subnormal count. */
async function once(b, floored) {
  const t0 = performance.now();
  const out = b.scope(() => {
    const q = b.upload(host.q, [1, n, ck]);
    const k = b.upload(host.k, [1, ck, ns]);
    const v = b.upload(host.v, [1, ns, 64]);
    let logits = b.matmul(q, k);
    // As core composes it (ops/attention-stats.ts guardedLogits): relu(logits − (row max − floor)).
    if (floored) logits = b.relu(b.sub(logits, b.affine(b.rowMax(logits), 1, -LOGIT_FLOOR_BELOW_ROW_MAX)));
    const w = b.softmax(logits);
    return [b.matmul(w, v), w];
  });
  await b.read(out[0]);
  const seconds = (performance.now() - t0) / 1000;
  const count = subnormals(await b.read(out[1]));
  out.forEach((t) => t.dispose());
  return { seconds, count };
}

console.log(`| backend | unguarded s | floored s | floored ÷ unguarded | subnormal weights unguarded | floored |`);
console.log('|---|---|---|---|---|---|');
for (const name of values.backends.split(',')) {
  const b = await backendNamed(name);
  await once(b, false); // warm-up (ORT builds its sessions)
  await once(b, true);
  const runs = { false: [], true: [] };
  const counts = {};
  for (let i = 0; i < repeats; i++) {
    for (const floored of [false, true]) {
      const r = await once(b, floored);
      runs[floored].push(r.seconds);
      counts[floored] = r.count;
    }
  }
  const [plain, guarded] = [Math.min(...runs.false), Math.min(...runs.true)];
  console.log(
    `| ${b.name} | ${plain.toFixed(3)} | ${guarded.toFixed(3)} | ${(guarded / plain).toFixed(2)} | ${counts.false} of ${n * ns} | ${counts.true} |`,
  );
}
console.log(
  `\n${n} rows × ${ns} keys, ${ck} channels, logit spread ${spread}, best of ${repeats}; ${cpus().length} × ${cpus()[0]?.model}.`,
);
