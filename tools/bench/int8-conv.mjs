// Issue 15's int8 question, one 3×3 convolution at a time on onnxruntime-node: float32 Conv (what the SDK
// runs) against the two ways ONNX Runtime offers int8 convolutions, on the same weights and input:
//   dynamic  DynamicQuantizeLinear → ConvInteger (u8 activations, u8 per-channel-scaled weights) → scale
//            back: needs no calibration;
//   static   QuantizeLinear → QLinearConv (u8 activations, s8 per-channel weights, int32 bias) →
//            DequantizeLinear: needs each activation's range ahead of time (here: taken from this very
//            input's float32 run, the best a calibration could do).
// Reports times, GFLOP/s and each int8 output's relative error against float32. Not a test.
//
//   node tools/bench/int8-conv.mjs [--shapes 64x256,128x128,256x64,512x32] [--repeats 5] [--threads 2]
//
// Shapes are channels×side, as in VGG's and the decoder's convolutions (C in = C out). Needs packages/core
// built (`npm run build`): it writes the graphs with core's ONNX encoder.
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { quantizePerChannel, uint8Quantization } from '../../packages/core/dist/backends/onnx/kernels.js';
import { attr, encodeModel } from '../../packages/core/dist/backends/onnx/onnx-model.js';
import { cpuInfo } from './inputs.mjs';

const { values } = parseArgs({
  options: {
    shapes: { type: 'string', default: '64x256,128x128,256x64,512x32' },
    repeats: { type: 'string', default: '5' },
    threads: { type: 'string', default: '2' },
  },
});

/** A deterministic generator, so that every run times the same numbers. */
function random(seed) {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

function graph(name, initializers, nodes, c, o, side) {
  return encodeModel({
    name,
    inputs: [{ name: 'x', dataType: 'float32', dims: [1, c, side + 2, side + 2] }],
    outputs: [{ name: 'y', dataType: 'float32', dims: [1, o, side, side] }],
    initializers,
    nodes,
  });
}

async function timed(model, feeds, repeats) {
  const options = {
    intraOpNumThreads: Number(values.threads),
    graphOptimizationLevel: 'all',
    extra: { session: { set_denormal_as_zero: '1' } },
  };
  const session = await ort.InferenceSession.create(model, options);
  let out = await session.run(feeds); // warm-up: ORT pre-packs weights on the first run
  const t0 = performance.now();
  for (let i = 0; i < repeats; i++) out = await session.run(feeds);
  await session.release();
  return { seconds: (performance.now() - t0) / repeats / 1000, y: out.y.data };
}

function relativeError(reference, y) {
  let num = 0;
  let den = 0;
  for (let i = 0; i < reference.length; i++) {
    num += (reference[i] - y[i]) ** 2;
    den += reference[i] ** 2;
  }
  return Math.sqrt(num / den);
}

async function measure(c, side) {
  const o = c;
  const rand = random(c * 7919 + side);
  const per = c * 9;
  // He-initialised weights and a post-ReLU input (many zeros), as VGG's activations are.
  const w = Float32Array.from({ length: o * per }, () => (rand() - 0.5) * Math.sqrt(24 / per));
  const bias = Float32Array.from({ length: o }, () => (rand() - 0.5) * 0.2);
  const x = Float32Array.from({ length: c * (side + 2) ** 2 }, () => Math.max(0, rand() - 0.4) * 4);
  const feeds = { x: new ort.Tensor('float32', x, [1, c, side + 2, side + 2]) };
  const conv = { kernel_shape: attr.ints([3, 3]) };

  const float = await timed(
    graph(
      'f32',
      [
        { name: 'w', dataType: 'float32', dims: [o, c, 3, 3], data: w },
        { name: 'b', dataType: 'float32', dims: [o], data: bias },
      ],
      [{ opType: 'Conv', inputs: ['x', 'w', 'b'], outputs: ['y'], attributes: conv }],
      c,
      o,
      side,
    ),
    feeds,
    Number(values.repeats),
  );

  // Per-output-channel symmetric weights, as the SDK quantizes them.
  const { values: wS8, scales: wScale } = quantizePerChannel(w, o);
  const wU8 = Uint8Array.from(wS8, (v) => v + 128);

  const dynamic = await timed(
    graph(
      'dynamic',
      [
        { name: 'wq', dataType: 'uint8', dims: [o, c, 3, 3], data: wU8 },
        { name: 'wz', dataType: 'uint8', dims: [], data: Uint8Array.of(128) },
        { name: 'ws', dataType: 'float32', dims: [1, o, 1, 1], data: wScale },
        { name: 'b', dataType: 'float32', dims: [1, o, 1, 1], data: bias },
      ],
      [
        { opType: 'DynamicQuantizeLinear', inputs: ['x'], outputs: ['xq', 'xs', 'xz'] },
        { opType: 'ConvInteger', inputs: ['xq', 'wq', 'xz', 'wz'], outputs: ['acc'], attributes: conv },
        { opType: 'Cast', inputs: ['acc'], outputs: ['accf'], attributes: { to: attr.int(1) } },
        { opType: 'Mul', inputs: ['accf', 'xs'], outputs: ['m1'] },
        { opType: 'Mul', inputs: ['m1', 'ws'], outputs: ['m2'] },
        { opType: 'Add', inputs: ['m2', 'b'], outputs: ['y'] },
      ],
      c,
      o,
      side,
    ),
    feeds,
    Number(values.repeats),
  );

  // Static ranges from this input's own float32 run: the input is ≥ 0 (u8, zero point 0); the output is
  // signed (u8 with a zero point).
  const { scale: xScale } = uint8Quantization([0, x.reduce((m, v) => Math.max(m, v), 0)]);
  let [lo, hi] = [0, 0];
  for (const v of float.y) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
  const { scale: yScale, zeroPoint: yZero } = uint8Quantization([lo, hi]);
  const staticRun = await timed(
    graph(
      'static',
      [
        { name: 'xs', dataType: 'float32', dims: [], data: Float32Array.of(xScale) },
        { name: 'xz', dataType: 'uint8', dims: [], data: Uint8Array.of(0) },
        { name: 'wq', dataType: 'int8', dims: [o, c, 3, 3], data: wS8 },
        { name: 'ws', dataType: 'float32', dims: [o], data: wScale },
        { name: 'wz', dataType: 'int8', dims: [o], data: new Int8Array(o) },
        { name: 'ys', dataType: 'float32', dims: [], data: Float32Array.of(yScale) },
        { name: 'yz', dataType: 'uint8', dims: [], data: Uint8Array.of(yZero) },
        { name: 'bq', dataType: 'int32', dims: [o], data: Int32Array.from(bias, (b, k) => Math.round(b / (xScale * wScale[k]))) },
      ],
      [
        { opType: 'QuantizeLinear', inputs: ['x', 'xs', 'xz'], outputs: ['xq'] },
        { opType: 'QLinearConv', inputs: ['xq', 'xs', 'xz', 'wq', 'ws', 'wz', 'ys', 'yz', 'bq'], outputs: ['yq'], attributes: conv },
        { opType: 'DequantizeLinear', inputs: ['yq', 'ys', 'yz'], outputs: ['y'] },
      ],
      c,
      o,
      side,
    ),
    feeds,
    Number(values.repeats),
  );

  const gflop = (2 * o * per * side * side) / 1e9;
  return { c, side, gflop, float, dynamic, static: staticRun };
}

const cpu = await cpuInfo();
console.log(`CPU: ${cpu.model}; AVX-512 ${cpu.avx512}, VNNI ${cpu.vnni}, AMX ${cpu.amx}; onnxruntime-node, ${values.threads} threads\n`);
console.log(
  '| channels × side | float32 Conv s (GFLOP/s) | dynamic int8 s | × float32 | rel. error | static int8 s | × float32 | rel. error |',
);
console.log('|---|---|---|---|---|---|---|---|');
for (const shape of values.shapes.split(',')) {
  const [c, side] = shape.split('x').map(Number);
  const r = await measure(c, side);
  const s = (t) => t.seconds.toFixed(4);
  console.log(
    `| ${c} × ${side}² | ${s(r.float)} (${(r.gflop / r.float.seconds).toFixed(0)}) | ${s(r.dynamic)} | ${(r.float.seconds / r.dynamic.seconds).toFixed(2)}× | ` +
      `${relativeError(r.float.y, r.dynamic.y).toExponential(1)} | ${s(r.static)} | ${(r.float.seconds / r.static.seconds).toFixed(2)}× | ${relativeError(r.float.y, r.static.y).toExponential(1)} |`,
  );
}
