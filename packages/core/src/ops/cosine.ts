/**
 * Unit-length queries and keys for the video model's cosine attention (authors' inference_frame.py:
 * `logits / (‖q‖ + 1e-5) / (‖k‖ + 1e-5)`). Normalising each operand once, before the chunked products,
 * costs O((Nc + Ns)·Ck) instead of an [Nc × Ns] division per chunk; the epsilon sits on the norm exactly
 * where the authors put it.
 */
import type { Backend } from '../tensor/backend.js';
import type { Tensor } from '../tensor/tensor.js';

export const COSINE_NORM_EPS = 1e-5;

function ones(b: Backend, shape: readonly number[]): Tensor {
  return b.upload(new Float32Array(shape.reduce((p, d) => p * d, 1)).fill(1), shape);
}

/** x [B,N,C] with each row divided by (its L2 norm + 1e-5). */
export function unitRows(b: Backend, x: Tensor): Tensor {
  return b.scope(() => {
    const c = x.shape[2] as number;
    const norm = b.sqrt(b.matmul(b.mul(x, x), ones(b, [1, c, 1])));
    return b.div(x, b.affine(norm, 1, COSINE_NORM_EPS));
  });
}

/** x [B,C,N] with each column divided by (its L2 norm + 1e-5). */
export function unitColumns(b: Backend, x: Tensor): Tensor {
  return b.scope(() => {
    const c = x.shape[1] as number;
    const norm = b.sqrt(b.matmul(ones(b, [1, 1, c]), b.mul(x, x)));
    return b.div(x, b.affine(norm, 1, COSINE_NORM_EPS));
  });
}
