// Why the attention bounds the float32 speed on ONNX Runtime's CPU provider (issue 15): times MLAS's SGEMM
// (a plain MatMul) on a square product and on the attention's own products at 1024² (relu4_1: 2048-row
// chunks × 16384 style positions, 960 key and 2 × 512 value channels), the same products as MLAS's blocked
// 1×1 convolutions, the attention chunk as the SDK lowers it (core's own kernels and planner: MatMul,
// Softmax, MatMul with [V, V²] where the runtime has no blocked kernels; two blocked 1×1 convolutions where
// it has) and as one fused com.microsoft MultiHeadAttention (ORT's CPU flash attention), each against this
// machine's FP32 FMA peak (fma-peak.c). Not a test.
//
//   node tools/bench/attention-gemm.mjs [--threads 2] [--repeats 3]
//
// Needs packages/core built (it writes the graphs with core's ONNX encoder) and a C compiler for the peak.
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { OnnxKernels } from '../../packages/core/dist/backends/onnx/kernels.js';
import { attr, encodeModel, MICROSOFT_DOMAIN, NCHWC_DOMAIN } from '../../packages/core/dist/backends/onnx/onnx-model.js';
import { planFor } from '../../packages/core/dist/backends/onnx/plan.js';
import { probeBlockSize } from '../../packages/core/dist/backends/onnx/runtime.js';
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

// The single products end in a ReduceMax to one number, so that a row times the product and not the copy of
// a 134 MB output into JavaScript (the reduction itself takes ~15 ms of it).
const reduced = (product) => [product, { opType: 'ReduceMax', inputs: ['p'], outputs: ['y'], attributes: { keepdims: attr.int(0) } }];
const matmul = (m, k, n) => ({
  name: 'mm',
  inputs: [input('a', [m, k]), input('b', [k, n])],
  outputs: [input('y', [])],
  initializers: [],
  nodes: reduced({ opType: 'MatMul', inputs: ['a', 'b'], outputs: ['p'] }),
});
const [rows, keyWidth, positions, values2] = [2048, 960, 16384, 1024];
const attentionInputs = [input('q', [1, rows, keyWidth]), input('kt', [1, keyWidth, positions]), input('v', [1, positions, values2 / 2])];
/** One attention chunk as core records and plans it, for a runtime of NCHWc block size `blockSize` (1: none). */
function sdkAttention(name, blockSize) {
  const kernels = new OnnxKernels(name, { addConstant() {}, dropConstant() {}, blockSize });
  const upload = (dims) => {
    const x = kernels.upload(new Float32Array(dims.reduce((a, b) => a * b, 1)), dims);
    return { handle: x, shape: x.shape };
  };
  const [q, k, v] = attentionInputs.map((i) => upload(i.dims));
  const squares = { handle: kernels.binary('mul', v, v), shape: v.shape };
  const { graph } = planFor(kernels.attentionStats(q, k, v, squares, null), undefined, blockSize);
  return { ...graph, name };
}
const fused = {
  name: 'fused',
  inputs: [...attentionInputs.slice(0, 2), input('v', [1, positions, values2])],
  outputs: [input('y', [1, rows, values2])],
  initializers: [],
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
/** A 1×1 convolution on MLAS's blocked kernels: `channels` → `outputs`, over `rows` pixels (data already blocked). */
const blockedConv = (channels, outputs) => ({
  name: 'conv',
  inputs: [input('a', [1, channels, rows, 1]), input('w', [outputs, channels, 1, 1])],
  outputs: [input('y', [])],
  initializers: [],
  nodes: reduced({
    opType: 'Conv',
    domain: NCHWC_DOMAIN,
    inputs: ['a', 'w'],
    outputs: ['p'],
    attributes: { kernel_shape: attr.ints([1, 1]) },
  }),
});
const blockSize = await probeBlockSize({
  name: 'probe',
  createSession: (m) => ort.InferenceSession.create(m),
  tensor: (t, d, dims) => new ort.Tensor(t, d, dims),
});
const attentionFlops = 2 * rows * positions * (keyWidth + values2);
const cases = [
  ['MatMul 2048 × 2048 × 2048 (square)', matmul(2048, 2048, 2048), 2 * 2048 ** 3],
  [`MatMul ${rows} × ${keyWidth} × ${positions} (logits)`, matmul(rows, keyWidth, positions), 2 * rows * keyWidth * positions],
  [`MatMul ${rows} × ${positions} × ${values2} (weights · [V, V²])`, matmul(rows, positions, values2), 2 * rows * positions * values2],
  ...(blockSize > 1
    ? [
        [
          `the logits as a blocked 1×1 convolution (${keyWidth} → ${positions} channels)`,
          blockedConv(keyWidth, positions),
          2 * rows * keyWidth * positions,
        ],
        [
          `weights · [V, V², 1] as a blocked 1×1 convolution (${positions} → ${values2} + ${blockSize})`,
          blockedConv(positions, values2 + blockSize),
          2 * rows * positions * values2,
        ],
      ]
    : []),
  ['attention chunk as the SDK lowers it without blocked kernels (MatMul, Softmax, MatMul)', sdkAttention('matmul', 1), attentionFlops],
  ...(blockSize > 1
    ? [
        [
          `attention chunk as the SDK lowers it with blocked kernels (block ${blockSize})`,
          sdkAttention('blocked', blockSize),
          attentionFlops,
        ],
      ]
    : []),
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
