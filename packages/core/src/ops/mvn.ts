/**
 * Mean-variance normalisation, as the official `calc_mean_std` / `mean_variance_norm`:
 * per sample and channel, (x − mean) / sqrt(unbiased var + 1e-5).
 */
import type { Backend } from '../tensor/backend.js';
import type { Tensor } from '../tensor/tensor.js';

export const MVN_EPS = 1e-5;

/** Spatial mean and sqrt(unbiased variance + eps), each [N,C,1,1]. */
export function meanStd(b: Backend, x: Tensor): [Tensor, Tensor] {
  return b.scope(() => [b.spatialMean(x), b.sqrt(b.affine(b.spatialVariance(x), 1, MVN_EPS))]);
}

export function mvn(b: Backend, x: Tensor): Tensor {
  return b.scope(() => {
    const [mean, std] = meanStd(b, x);
    return b.div(b.sub(x, mean), std);
  });
}
