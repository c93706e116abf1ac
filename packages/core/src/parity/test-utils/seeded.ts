/**
 * The seeded weights of the parity fixtures, rebuilt exactly as tools/reference/make_parity_fixtures.py makes
 * them (`seeded_uniform`, `seeded_tensor` there): too large to commit (≈26 M parameters), cheap to regenerate.
 *
 * Element i of the tensor `component/key` is fround(u_i · bound): u_i = (h_i >>> 8) · 2^-23 − 1, an exact
 * multiple of 2^-23 in [−1, 1); h_i = fmix32(key + i · 0x9e3779b9) (a Weyl sequence through murmur3's
 * finaliser, so any element can be computed alone); key = fmix32(fnv1a32(name) ^ seed). `bound` is the float64
 * from the manifest, so both sides multiply the same doubles (IEEE-exact) and round to float32 the same way.
 */
import type { WeightTensor } from '../../weights/types.js';

const GAMMA = 0x9e3779b9;

export function fmix32(z: number): number {
  z >>>= 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

export function fnv1a32(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) h = Math.imul(h ^ byte, 0x01000193) >>> 0;
  return h >>> 0;
}

/** fround(u_i · bound) for i < count, the stream named `name`. */
export function seededTensorData(name: string, seed: number, count: number, bound: number): Float32Array {
  const key = fmix32((fnv1a32(name) ^ seed) >>> 0);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    const h = fmix32((key + Math.imul(i, GAMMA)) >>> 0);
    out[i] = ((h >>> 8) * 2 ** -23 - 1) * bound;
  }
  return out;
}

export interface SeededTensorSpec {
  readonly component: string;
  readonly key: string;
  readonly shape: readonly number[];
  readonly bound: number;
  readonly sha256: string;
}

export function seededTensor(spec: SeededTensorSpec, seed: number): WeightTensor {
  const count = spec.shape.reduce((a, b) => a * b, 1);
  return { shape: spec.shape, data: seededTensorData(`${spec.component}/${spec.key}`, seed, count, spec.bound) };
}
