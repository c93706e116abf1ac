/** Deterministic weights with the official keys and shapes, for round-trip tests of whole models. */
import { componentsOf, expectedShapes } from '../official-names.js';
import type { ComponentName, ModelVariant, WeightMap, WeightTensor } from '../types.js';

export function fakeComponent(variant: ModelVariant, component: ComponentName, seed = 1): Map<string, WeightTensor> {
  const map = new Map<string, WeightTensor>();
  let state = seed >>> 0 || 1;
  for (const [key, shape] of expectedShapes(variant, component)) {
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < data.length; i++) {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0; // LCG: fast, deterministic, good enough for weights
      data[i] = (state / 2 ** 32 - 0.5) * 0.2;
    }
    map.set(key, { shape, data });
  }
  return map;
}

export function fakeModel(variant: ModelVariant): Record<ComponentName, WeightMap> {
  const out: Partial<Record<ComponentName, WeightMap>> = {};
  componentsOf(variant).forEach((c, i) => (out[c] = fakeComponent(variant, c, i + 1)));
  return out as Record<ComponentName, WeightMap>;
}

/** A readFile over an in-memory directory that fails like Node's fs for absent files. */
export function memoryReader(files: Map<string, Uint8Array>): (path: string) => Promise<Uint8Array> {
  return async (path) => {
    const bytes = files.get(path);
    if (bytes === undefined) throw Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: 'ENOENT' });
    return bytes;
  };
}
