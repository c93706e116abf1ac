// Why the attention bounds the float32 speed on ONNX Runtime's CPU provider (issue 15): times MLAS's SGEMM
// (a plain MatMul) on a square product and on the attention's own products at 1024² (relu4_1: 2048-row
// chunks × 16384 style positions, 960 key and 2 × 512 value channels), the attention as the SDK lowers it
// (MatMul, Softmax, MatMul with [V, V²]) and as one fused com.microsoft MultiHeadAttention (ORT's CPU flash
// attention), each against this machine's FP32 FMA peak (fma-peak.c). Not a test.
//
//   node tools/bench/attention-gemm.mjs [--threads 2] [--repeats 3]
//
// Needs packages/core built (it writes the graphs with core's ONNX encoder) and a C compiler for the peak.
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { attr, encodeModel, MICROSOFT_DOMAIN } from '../../packages/core/dist/backends/onnx/onnx-model.js';
import { cpuInfo, measureFmaPeak } from './inputs.mjs';

const { values } = parseArgs({ options: { threads: { type: 'string', default: '2' }, repeats: { type: 'string', default: '3' } } });
const threads = Number(values.threads);

const input = (name, dims) => ({ name, dataType: 'float32', dims });
const fill = (n, seed) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898 + seed) * 0.5);

/** Seconds per run (best of --repeats after one warm-up) of a graph whose inputs are filled with numbers. */
async function time(graph) {
  const session = await ort.InferenceSession.create(encodeModel(graph), {
    intraOpNumThreads: threads,
    graphOptimizationLevel: 'all',
    extra: { session: { set_denormal_as_zero: '1' } },
  });
  const feeds = Object.fromEntries(
    graph.inputs.map((v, i) => {
      const n = v.dims.reduce((a, b) => a * b, 1);
      return [
        v.name,
        new ort.Tensor(
          'float32',
          fill(n, i).map((x) => x * (v.name === 'v' ? 1 : 4)),
          v.dims,
        ),
      ];
    }),
  );
  await session.run(feeds);
  let best = Infinity;
  for (let i = 0; i < Number(values.repeats); i++) {
    const t0 = performance.now();
    await session.run(feeds);
    best = Math.min(best, (performance.now() - t0) / 1000);
  }
  await session.release();
  return best;
}

const matmul = (m, k, n) => ({
  name: 'mm',
  inputs: [input('a', [m, k]), input('b', [k, n])],
  outputs: [input('y', [m, n])],
  initializers: [],
  nodes: [{ opType: 'MatMul', inputs: ['a', 'b'], outputs: ['y'] }],
});
const [rows, keyWidth, positions, values2] = [2048, 960, 16384, 1024];
const attentionInputs = [input('q', [1, rows, keyWidth]), input('kt', [1, keyWidth, positions]), input('v', [1, positions, values2])];
const composed = {
  name: 'composed',
  inputs: attentionInputs,
  outputs: [input('y', [1, rows, values2])],
  initializers: [],
  nodes: [
    { opType: 'MatMul', inputs: ['q', 'kt'], outputs: ['l'] },
    { opType: 'Softmax', inputs: ['l'], outputs: ['a'], attributes: { axis: attr.int(-1) } },
    { opType: 'MatMul', inputs: ['a', 'v'], outputs: ['y'] },
  ],
};
const fused = {
  ...composed,
  name: 'fused',
  nodes: [
    { opType: 'Transpose', inputs: ['kt'], outputs: ['k'], attributes: { perm: attr.ints([0, 2, 1]) } },
    {
      opType: 'MultiHeadAttention',
      domain: MICROSOFT_DOMAIN,
      inputs: ['q', 'k', 'v'],
      outputs: ['y'],
      attributes: { num_heads: attr.int(1), scale: attr.float(1) },
    },
  ],
};
const attentionFlops = 2 * rows * positions * (keyWidth + values2);
const cases = [
  ['MatMul 2048 × 2048 × 2048 (square)', matmul(2048, 2048, 2048), 2 * 2048 ** 3],
  [`MatMul ${rows} × ${keyWidth} × ${positions} (logits)`, matmul(rows, keyWidth, positions), 2 * rows * keyWidth * positions],
  [`MatMul ${rows} × ${positions} × ${values2} (weights · [V, V²])`, matmul(rows, positions, values2), 2 * rows * positions * values2],
  ['attention as the SDK lowers it (MatMul, Softmax, MatMul)', composed, attentionFlops],
  ['attention as com.microsoft MultiHeadAttention (flash)', fused, attentionFlops],
];

const peak = await measureFmaPeak(threads);
const share = (rate) => (peak === undefined ? '—' : `${((100 * rate) / peak).toFixed(0)} %`);
const cpu = await cpuInfo();
console.log('| product | s | GFLOP/s | % of FMA peak |\n|---|---|---|---|');
for (const [label, graph, flops] of cases) {
  const s = await time(graph);
  const rate = flops / s / 1e9;
  console.log(`| ${label} | ${s.toFixed(3)} | ${rate.toFixed(0)} | ${share(rate)} |`);
}
console.log(
  `\nonnxruntime-node ${ort.env.versions?.common ?? ''}, ${threads} threads, best of ${values.repeats}; FP32 FMA peak ${peak?.toFixed(0) ?? 'not measured (no cc or AVX-512)'} GFLOP/s ` +
    `(fma-peak.c, ${threads} threads); ${cpu.model}.\nCommand: \`node tools/bench/attention-gemm.mjs --threads ${threads} --repeats ${values.repeats}\``,
);
