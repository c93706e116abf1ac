/**
 * The fused attention-statistics op: for a chunk of n queries against Ns style positions,
 *
 *   A = softmax(Q·K + mask)         (over style positions; no 1/√d scaling, as the authors)
 *   M = A·V,   S = sqrt(relu(A·V² − M²))
 *
 * q [B,n,Ck], k [B,Ck,Ns] (channels first, as the official G, so Q·K needs no transpose), v and
 * vSquared (= v⊙v, precomputed once per style) [B,Ns,C],
 * mask [B,n,Ns] additive or null. Returns [M, S], each [B,n,C].
 *
 * A backend may supply its own kernel (`Kernels.attentionStats`); otherwise this composes it from
 * primitives. Callers bound n (see attention.ts): the [n,Ns] logits are the op's big temporary.
 */
import { InvalidArgumentError } from '../errors.js';
import type { Backend } from '../tensor/backend.js';
import type { Tensor } from '../tensor/tensor.js';
import { formatShape, sameShape } from '../tensor/types.js';

function checkOperands(q: Tensor, k: Tensor, v: Tensor, vSquared: Tensor, mask: Tensor | null): void {
  const [bq, n, cq] = q.shape as [number, number, number];
  const [bk, ck, ns] = k.shape as [number, number, number];
  const ok =
    q.rank === 3 && k.rank === 3 && v.rank === 3 && bq === bk && cq === ck &&
    v.shape[0] === bq && v.shape[1] === ns && sameShape(v.shape, vSquared.shape) &&
    (mask === null || sameShape(mask.shape, [bq, n, ns]));
  if (!ok) {
    throw new InvalidArgumentError(
      `attentionStats: expected q [B,n,Ck], k [B,Ck,Ns], v and vSquared [B,Ns,C], mask [B,n,Ns]; got q ${formatShape(q.shape)}, ` +
        `k ${formatShape(k.shape)}, v ${formatShape(v.shape)}, vSquared ${formatShape(vSquared.shape)}` +
        (mask === null ? '' : `, mask ${formatShape(mask.shape)}`),
    );
  }
}

export function attentionStats(b: Backend, q: Tensor, k: Tensor, v: Tensor, vSquared: Tensor, mask: Tensor | null = null): [Tensor, Tensor] {
  checkOperands(q, k, v, vSquared, mask);
  const fused = b.fusedAttentionStats();
  if (fused !== undefined) return fused(q, k, v, vSquared, mask);
  return b.scope(() => {
    let logits = b.matmul(q, k);
    if (mask !== null) {
      const masked = b.add(logits, mask);
      logits.dispose();
      logits = masked;
    }
    const a = b.softmax(logits);
    logits.dispose(); // free the first [n,Ns] matrix before the products make theirs
    const m = b.matmul(a, v);
    const s = b.sqrt(b.relu(b.sub(b.matmul(a, vSquared), b.mul(m, m))));
    return [m, s] as [Tensor, Tensor];
  });
}
