/**
 * Seeded random weights with the official shapes, for model tests without a checkpoint.
 * Scaled so activations neither vanish nor explode through 14 + 9 convolutions (He-uniform for convs
 * followed by ReLU). The attention projections f, g get a quarter of the 1/fan-in scale, so the logits
 * QᵀK stay O(1) and the softmax smooth: a near one-hot softmax would amplify float summation-order noise
 * and make cross-backend comparisons flaky without testing anything more.
 */
import { networkSpec } from '../architecture.js';
import { createRng } from '../ops/sampling.js';
import { componentsOf, expectedShapes } from '../weights/official-names.js';
import type {
  ComponentName,
  ImageModelWeights,
  ModelVariant,
  StrengthEndpoint,
  VideoModelWeights,
  WeightTensor,
} from '../weights/types.js';

export function randomImageWeights(seed = 1): ImageModelWeights {
  return randomWeights('image', seed) as unknown as ImageModelWeights;
}

export function randomVideoWeights(seed = 1): VideoModelWeights {
  return randomWeights('video', seed) as unknown as VideoModelWeights;
}

/** A seeded random strength endpoint (W₀ of the variant's strength layers, architecture.ts `strengthLayers`). */
export function randomStrengthEndpoint(variant: ModelVariant, seed = 1): StrengthEndpoint {
  const all = randomWeights(variant, seed);
  const out: Partial<Record<ComponentName, Map<string, WeightTensor>>> = {};
  for (const [component, layers] of Object.entries(networkSpec(variant).strengthLayers)) {
    const keys = layers.flatMap((l) => [`${l.key}.weight`, `${l.key}.bias`]);
    out[component as ComponentName] = new Map(keys.map((k) => [k, all[component]!.get(k)!]));
  }
  return out;
}

function randomWeights(variant: ModelVariant, seed: number): Record<string, Map<string, WeightTensor>> {
  const next = createRng(seed);
  const uniform = (bound: number) => ((next() / 2 ** 32) * 2 - 1) * bound;
  const out: Record<string, Map<string, WeightTensor>> = {};
  for (const component of componentsOf(variant)) {
    const map = new Map<string, WeightTensor>();
    for (const [key, shape] of expectedShapes(variant, component)) {
      const size = shape.reduce((a, b) => a * b, 1);
      const fanIn = shape.length === 4 ? (shape[1] as number) * (shape[2] as number) * (shape[3] as number) : 1;
      const projection = /(^|\.)[fg]\.weight$/.test(key);
      const bound =
        shape.length === 1 ? 0.05 : projection ? Math.sqrt(3 / fanIn) / 4 : shape[2] === 1 ? Math.sqrt(3 / fanIn) : Math.sqrt(6 / fanIn);
      const data = new Float32Array(size);
      for (let i = 0; i < size; i++) data[i] = uniform(bound);
      map.set(key, { shape, data });
    }
    out[component] = map;
  }
  return out;
}

/** A smooth, seeded test picture (HWC 8-bit). */
export function testPixels(
  width: number,
  height: number,
  channels: 1 | 3 | 4,
  seed = 0,
): { width: number; height: number; channels: 1 | 3 | 4; data: Uint8Array } {
  const data = new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < channels; c++) {
        const v = 127.5 + 120 * Math.sin(0.3 * x + 0.17 * y * (c + 1) + seed * 1.3 + c);
        data[(y * width + x) * channels + c] = Math.round(v);
      }
    }
  }
  return { width, height, channels, data };
}
