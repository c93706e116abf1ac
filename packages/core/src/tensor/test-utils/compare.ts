/**
 * Test helpers: seeded random tensors and element-wise comparison with useful failure messages.
 */
import { expect } from 'vitest';
import { createRng } from '../../ops/sampling.js';
import type { HostTensor } from '../types.js';
import { formatShape, sizeOf } from '../types.js';

/** Uniform in [−scale, scale), reproducible from `seed`. */
export function randomTensor(shape: readonly number[], seed: number, scale = 1): HostTensor {
  const next = createRng(seed);
  const data = new Float32Array(sizeOf(shape));
  for (let i = 0; i < data.length; i++) data[i] = (next() / 2 ** 32) * 2 * scale - scale;
  return { shape, data };
}

/** |got − want| ≤ tol · (1 + |want|) everywhere, NaN only where NaN is expected; reports the worst element. */
export function expectClose(got: HostTensor, want: HostTensor, tol: number, label = ''): void {
  expect([...got.shape], `${label}: shape`).toEqual([...want.shape]);
  expect(got.data.length, `${label}: size`).toBe(want.data.length);
  let worst = -1;
  let worstErr = 0;
  for (let i = 0; i < want.data.length; i++) {
    const g = got.data[i] as number;
    const w = want.data[i] as number;
    if (Number.isNaN(w) || Number.isNaN(g)) {
      if (Number.isNaN(w) !== Number.isNaN(g)) {
        worst = i;
        worstErr = Infinity;
        break;
      }
      continue;
    }
    const err = Math.abs(g - w) / (1 + Math.abs(w));
    if (err > worstErr) {
      worstErr = err;
      worst = i;
    }
  }
  if (worstErr > tol) {
    expect.fail(
      `${label}: element ${worst} of ${formatShape(want.shape)} is ${got.data[worst]}, expected ${want.data[worst]} (relative error ${worstErr.toExponential(2)} > ${tol})`,
    );
  }
}
