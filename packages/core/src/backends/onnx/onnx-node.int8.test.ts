/**
 * int8 convolutions on onnx-node (`precision: 'int8'`): conv2d given ranges runs as QLinearConv and stays
 * within the quantization error of float32; a ReLU conv's output clamps at 0, a signed output at its range;
 * only backends that can quantize accept an int8 stylizer.
 */
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../errors.js';
import { Stylizer } from '../../model/stylizer.js';
import { randomImageWeights } from '../../testing/index.js';
import type { Backend } from '../../tensor/backend.js';
import type { ConvInt8Ranges } from '../../tensor/kernels.js';
import { createReferenceBackend } from '../ref-cpu/index.js';
import type { Executor } from './executor.js';
import { OnnxKernels, uint8Quantization } from './kernels.js';
import type { LazyValue } from './lazy-value.js';
import { planFor } from './plan.js';
import { createOnnxNodeBackend } from './node.js';

function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

const [C, O, H, W] = [32, 16, 12, 10];
const rand = random(7);
// A post-ReLU input (many zeros) and He-scaled weights, as in VGG.
const x = Float32Array.from({ length: C * H * W }, () => Math.max(0, rand() - 0.4) * 3);
const w = Float32Array.from({ length: O * C * 9 }, () => (rand() - 0.5) * Math.sqrt(24 / (C * 9)));
const bias = Float32Array.from({ length: O }, () => (rand() - 0.5) * 0.4);

async function conv(b: Backend, relu: boolean, int8?: ConvInt8Ranges): Promise<Float32Array> {
  const [xt, wt, bt] = [b.upload(x, [1, C, H, W]), b.keep(b.upload(w, [O, C, 3, 3])), b.keep(b.upload(bias, [O]))];
  const y = b.conv2d(xt, wt, bt, relu, int8);
  const out = (await b.readHost(y)).data;
  [xt, wt, bt, y].forEach((t) => t.dispose());
  return out;
}

const range = (v: Float32Array): [number, number] => [Math.min(0, ...v), Math.max(...v)];
const maxInput = Math.max(...x);

describe('int8 convolutions on onnx-node', () => {
  it('a ReLU conv stays within a few quantization steps of float32 and clamps at 0', async () => {
    const b = await createOnnxNodeBackend({ threads: 1 });
    expect(b.int8Convolutions).toBe(true);
    const float = await conv(b, true);
    const ranges: ConvInt8Ranges = { input: [0, maxInput], output: range(float) };
    const int8 = await conv(b, true, ranges);
    const step = uint8Quantization(ranges.output).scale;
    let worst = 0;
    let differ = 0;
    for (let i = 0; i < float.length; i++) {
      worst = Math.max(worst, Math.abs((int8[i] as number) - (float[i] as number)));
      if (int8[i] !== float[i]) differ++;
    }
    expect(worst).toBeLessThan(3 * step);
    expect(differ).toBeGreaterThan(float.length / 2); // it did compute in int8
    expect(Math.min(...int8)).toBe(0);
  });

  it('a signed output is clamped to its calibrated range', async () => {
    const b = await createOnnxNodeBackend({ threads: 1 });
    const float = await conv(b, false);
    const [lo, hi] = range(float);
    expect(lo).toBeLessThan(0);
    const narrow: ConvInt8Ranges = { input: [0, maxInput], output: [lo / 2, hi / 2] };
    const int8 = await conv(b, false, narrow);
    const { scale, zeroPoint } = uint8Quantization(narrow.output);
    const [qlo, qhi] = [-zeroPoint * scale, (255 - zeroPoint) * scale];
    for (let i = 0; i < float.length; i++) {
      const expected = Math.min(qhi, Math.max(qlo, float[i] as number));
      expect(Math.abs((int8[i] as number) - expected)).toBeLessThan(3 * scale);
    }
    expect(Math.min(...int8)).toBeCloseTo(qlo, 5);
    expect(Math.max(...int8)).toBeCloseTo(qhi, 5);
  });

  it('between int8 convolutions, padding, pooling and upsampling run on the u8 values: one quantize, one dequantize', () => {
    // Recording only: no executor work happens until a read, and planFor just lowers.
    const k = new OnnxKernels('record', { addConstant: () => undefined, dropConstant: () => undefined } as unknown as Executor);
    const input = (handle: LazyValue) => ({ handle, shape: handle.shape });
    const weight = (o: number, c: number) => {
      const t = k.upload(
        Float32Array.from({ length: o * c * 9 }, () => rand() - 0.5),
        [o, c, 3, 3],
      );
      k.keep(input(t));
      return input(t);
    };
    const ranges: ConvInt8Ranges = { input: [0, 4], output: [0, 6] };
    const pad = (v: LazyValue) => input(k.reflectPad(input(v), [1, 1, 1, 1]));
    let v = k.upload(x, [1, C, H, W]);
    v = k.conv2d(pad(v), weight(C, C), null, true, ranges);
    v = k.maxPool2x2Ceil(input(v));
    v = k.conv2d(pad(v), weight(C, C), null, true, ranges);
    v = k.resizeNearest(input(v), 12, 10);
    v = k.conv2d(pad(v), weight(O, C), null, false, { input: [0, 4], output: [-3, 3] });
    const ops = planFor([v]).graph.nodes.map((n) => n.opType);
    expect(ops.filter((o) => o === 'QLinearConv')).toHaveLength(3);
    expect(ops.filter((o) => o === 'QuantizeLinear')).toHaveLength(1);
    expect(ops.filter((o) => o === 'DequantizeLinear')).toHaveLength(1);
    expect(ops).toEqual(expect.arrayContaining(['Pad', 'MaxPool', 'Resize']));
  });

  it('the u8 quantization of a range represents 0 exactly', () => {
    for (const r of [
      [0, 10],
      [-3, 7],
      [-0.001, 500],
    ] as [number, number][]) {
      const { scale, zeroPoint } = uint8Quantization(r);
      expect(Number.isInteger(zeroPoint) && zeroPoint >= 0 && zeroPoint <= 255).toBe(true);
      expect(scale).toBeCloseTo((r[1] - r[0]) / 255, 12);
    }
  });

  it('an int8 stylizer needs a backend with int8 convolutions', () => {
    const weights = randomImageWeights(3);
    const int8 = { layers: { '5': { input: [0, 1], output: [0, 1] } as ConvInt8Ranges }, provenance: {} };
    expect(() => Stylizer.create(createReferenceBackend(), weights, { int8 })).toThrow(InvalidArgumentError);
    expect(() => Stylizer.create(createReferenceBackend(), weights, { int8 })).toThrow(/int8 precision needs a backend/);
  });
});
