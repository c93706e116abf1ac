/**
 * The attention key at one encoder level (official `get_key` with shallow_layer=True):
 * concat over channels of mvn(nearest(F_j → size of F_l)) for every shallower level j, then mvn(F_l).
 * Channels at relu3_1 / relu4_1 / relu5_1: 448 / 960 / 1472.
 */
import type { Backend } from '../tensor/backend.js';
import type { Tensor } from '../tensor/tensor.js';
import { mvn } from './mvn.js';

/** `features` are relu1_1 … (at least up to `level`), `level` indexes them (2 = relu3_1). */
export function buildKey(b: Backend, features: readonly Tensor[], level: number): Tensor {
  const target = features[level] as Tensor;
  const [, , h, w] = target.shape as [number, number, number, number];
  return b.scope(() => {
    const parts = features.slice(0, level).map((f) => {
      const sameSize = f.shape[2] === h && f.shape[3] === w;
      // mvn after resizing: the statistics are those of the resized map, as in the official code.
      return mvn(b, sameSize ? f : b.resizeNearest(f, h, w));
    });
    parts.push(mvn(b, target));
    return b.concat(parts, 1);
  });
}
