/**
 * Weights on the backend and the few layer shapes the model is made of.
 */
import type { Backend } from '../tensor/backend.js';
import type { ConvInt8Ranges } from '../tensor/kernels.js';
import type { Tensor } from '../tensor/tensor.js';
import type { WeightMap, WeightTensor } from '../weights/types.js';
import type { LayerSpec } from '../architecture.js';

/** A conv's weight [O,I,k,k] and bias [O], kept (scopes never free them; the owner disposes). */
export interface Conv {
  readonly spec: LayerSpec;
  readonly weight: Tensor;
  readonly bias: Tensor;
  /** Its calibrated ranges when the stylizer computes in int8 (backends that cannot ignore them). */
  readonly int8?: ConvInt8Ranges;
}

/** Calibrated int8 ranges by layer key (model.json's `int8.layers`), for the convs a stylizer quantizes. */
export type Int8Layers = Readonly<Record<string, ConvInt8Ranges>>;

/** A 1×1 conv as a matrix over positions: weight transposed to [1,I,O] (so x·W needs no transpose), bias [1,1,O]. */
export interface Projection {
  readonly spec: LayerSpec;
  readonly weight: Tensor;
  readonly bias: Tensor;
}

function get(map: WeightMap, key: string): WeightTensor {
  const t = map.get(key);
  if (t === undefined) throw new Error(`internal: ${key} missing after validation`);
  return t;
}

export function uploadConv(b: Backend, map: WeightMap, spec: LayerSpec, int8: Int8Layers = {}): Conv {
  const w = get(map, `${spec.key}.weight`);
  const bias = get(map, `${spec.key}.bias`);
  const ranges = Object.hasOwn(int8, spec.key) ? { int8: int8[spec.key] as ConvInt8Ranges } : {};
  return { spec, weight: b.keep(b.upload(w.data, w.shape)), bias: b.keep(b.upload(bias.data, bias.shape)), ...ranges };
}

export function uploadProjection(b: Backend, map: WeightMap, spec: LayerSpec): Projection {
  const w = get(map, `${spec.key}.weight`);
  const bias = get(map, `${spec.key}.bias`);
  const [out, input] = w.shape as [number, number];
  const transposed = new Float32Array(out * input);
  for (let o = 0; o < out; o++) for (let i = 0; i < input; i++) transposed[i * out + o] = w.data[o * input + i] as number;
  return {
    spec,
    weight: b.keep(b.upload(transposed, [1, input, out])),
    bias: b.keep(b.upload(bias.data, [1, 1, out])),
  };
}

export function disposeLayer(layer: Conv | Projection): void {
  layer.weight.dispose();
  layer.bias.dispose();
}

/** Reflection pad 1, 3×3 conv, optional ReLU: every 3×3 conv of the model. */
export function conv3x3(b: Backend, x: Tensor, conv: Conv, relu: boolean): Tensor {
  return b.scope(() => b.conv2d(b.reflectPad(x, [1, 1, 1, 1]), conv.weight, conv.bias, relu, conv.int8));
}

/**
 * Work (FLOPs) above which an eager backend computes a 3×3 conv in bands of output rows. tfjs runs each op
 * to its end before anything else can happen, and a full-resolution conv at 1024² is ~77 GFLOP: 4.5 s of
 * tfjs-wasm during which an abort waited (tools/bench/abort-latency.mjs --backend tfjs-wasm). 2^33 is about
 * half a second of wasm. Deferred backends (ONNX) cut their own pieces and bands (backends/onnx/pieces.ts).
 */
export const EAGER_BAND_FLOPS = 2 ** 33;

/**
 * conv3x3 that, given `betweenBands`, on an eager backend and above `maxFlops`, computes bands of output rows
 * (each from its rows of the padded input, 2 rows of halo) and awaits `betweenBands(fraction done)` after
 * each but the last: the caller's progress and abort check. The result equals conv3x3's (each output row sees
 * the same inputs). Callers pass `betweenBands` only for a watched call (signal or progress): the joined bands
 * cost one more output-sized tensor at the concat, which an unwatched call has no reason to pay.
 */
export async function conv3x3InBands(
  b: Backend,
  x: Tensor,
  conv: Conv,
  relu: boolean,
  betweenBands: ((fraction: number) => Promise<void>) | undefined,
  maxFlops = EAGER_BAND_FLOPS,
): Promise<Tensor> {
  const [n, c, h, w] = x.shape as [number, number, number, number];
  const flops = 2 * n * (conv.weight.shape[0] as number) * c * 9 * h * w;
  const bands = Math.min(h, Math.ceil(flops / maxFlops));
  if (betweenBands === undefined || b.deferred || bands <= 1) return conv3x3(b, x, conv, relu);
  const padded = b.reflectPad(x, [1, 1, 1, 1]);
  const parts: Tensor[] = [];
  try {
    for (let k = 0; k < bands; k++) {
      const top = Math.floor((k * h) / bands);
      const rows = Math.floor(((k + 1) * h) / bands) - top;
      parts.push(
        b.scope(() => b.conv2d(b.slice(padded, [0, 0, top, 0], [n, c, rows + 2, w + 2]), conv.weight, conv.bias, relu, conv.int8)),
      );
      if (k < bands - 1) await betweenBands((k + 1) / bands);
    }
    return b.concat(parts, 2);
  } finally {
    padded.dispose();
    parts.forEach((t) => t.dispose());
  }
}

/** A 1×1 conv applied to positions x [B,N,I] → [B,N,O]. */
export function project(b: Backend, x: Tensor, p: Projection): Tensor {
  return b.scope(() => b.add(b.matmul(x, p.weight), p.bias));
}

/** nn.Upsample(scale_factor=2, mode='nearest'). */
export function up2(b: Backend, x: Tensor): Tensor {
  return b.resizeNearest(x, (x.shape[2] as number) * 2, (x.shape[3] as number) * 2);
}
