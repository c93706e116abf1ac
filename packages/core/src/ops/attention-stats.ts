/**
 * The fused attention-statistics op: for a chunk of n queries against Ns style positions,
 *
 *   A = softmax(Q·K + mask)                          'softmax' (image model; no 1/√d scaling, as the authors;
 *                                                    logits floored at row max − 40, see LOGIT_FLOOR_BELOW_ROW_MAX)
 *   A = relu(Q·K + 1 + mask), each row / (its sum + 1e-5)   'cosine' (video model, inference_frame.py)
 *   M = A·V,   S = sqrt(relu(A·V² − M²))
 *
 * q [B,n,Ck], k [B,Ck,Ns] (channels first, as the official G, so Q·K needs no transpose), v and
 * vSquared (= v⊙v, precomputed once per style) [B,Ns,C],
 * mask [B,n,Ns] additive or null. Returns [M, S], each [B,n,C].
 *
 * For 'cosine' the caller passes unit-length query rows and key columns (ops/cosine.ts), so Q·K is the
 * cosine; the additive mask then works inside the relu: relu(cos + 1 − 1e15) = 0 removes a position just as
 * −1e15 does before a softmax.
 *
 * A backend may supply its own kernel for both kinds (`Kernels.attentionStats`); otherwise this composes
 * it from primitives. Callers bound n (see attention.ts): the [n,Ns] matrices are
 * the op's big temporaries, and no more than three are alive at once (the mask, and two of logits /
 * masked logits / weights), which is what `rowsPerChunk` budgets for.
 */
import { InvalidArgumentError } from '../errors.js';
import type { Backend } from '../tensor/backend.js';
import type { AttentionKind } from '../tensor/kernels.js';
import type { Tensor } from '../tensor/tensor.js';
import { formatShape, sameShape } from '../tensor/types.js';

/** How logits become attention weights (defined with the kernel contract, which takes it too). */
export type { AttentionKind };

/** The video model's row-normalisation epsilon (inference_frame.py: `a / (a.sum(-1) + 1e-5)`). */
export const COSINE_ROW_EPS = 1e-5;

function checkOperands(q: Tensor, k: Tensor, v: Tensor, vSquared: Tensor, mask: Tensor | null): void {
  const [bq, n, cq] = q.shape as [number, number, number];
  const [bk, ck, ns] = k.shape as [number, number, number];
  const ok =
    q.rank === 3 &&
    k.rank === 3 &&
    v.rank === 3 &&
    bq === bk &&
    cq === ck &&
    v.shape[0] === bq &&
    v.shape[1] === ns &&
    sameShape(v.shape, vSquared.shape) &&
    (mask === null || sameShape(mask.shape, [bq, n, ns]));
  if (!ok) {
    throw new InvalidArgumentError(
      `attentionStats: expected q [B,n,Ck], k [B,Ck,Ns], v and vSquared [B,Ns,C], mask [B,n,Ns]; got q ${formatShape(q.shape)}, ` +
        `k ${formatShape(k.shape)}, v ${formatShape(v.shape)}, vSquared ${formatShape(vSquared.shape)}` +
        (mask === null ? '' : `, mask ${formatShape(mask.shape)}`),
    );
  }
}

/** `a` replaced by `next(a)`, freeing `a` at once so that big temporaries do not pile up in the scope. */
function step(a: Tensor, next: (x: Tensor) => Tensor): Tensor {
  const out = next(a);
  a.dispose();
  return out;
}

/**
 * How far below its row's maximum a softmax logit may lie: lower logits are raised to (max − this) before
 * the exponential, so that no weight is a float32 subnormal. Near-one-hot rows (most of them) are otherwise
 * full of subnormal weights, which Intel cores multiply through microcode assists, ~10× slower, in every
 * runtime that cannot flush them to zero (WebAssembly, and any CPU kernel left at the IEEE default).
 *
 * Why 40 and not ln(FLT_MIN) ≈ −87.3: the exponential is divided by the row sum (up to Ns) and the weights
 * are then multiplied by V, so e^−87 would still leave subnormal weights and products. With 40, a weight is
 * at least e^−40 / Ns ≈ 4e-18 / Ns (normal for any Ns below 10^20), and its product with V is subnormal only
 * for |v| < ~1e-20 · Ns.
 *
 * Numerical effect: weights smaller than e^−40 ≈ 4.2e-18 of the row's largest change (from that value, or
 * 0, to e^−40 of it). All of them together move the row sum by less than Ns · 4.2e-18 of itself (7e-14 at
 * Ns = 16384), far below float32's resolution of 6e-8, and the statistics by less than that times max |V|.
 * The composed form (guardedLogits) also rounds each logit once more, on a shifted scale (logit − floor, in
 * [0, 40] for the weights that count), which moves a weight by at most 2e-6 of itself; ONNX Runtime's
 * lowering (Max) moves none. Both are far inside the parity bounds, which run unchanged.
 */
export const LOGIT_FLOOR_BELOW_ROW_MAX = 40;

/**
 * Logits whose softmax equals softmax(max(logits, row max − LOGIT_FLOOR_BELOW_ROW_MAX)) plus the mask:
 * relu(logits − floor), shifted by the floor (softmax ignores a per-row shift), with relu rather than an
 * elementwise max because tfjs-wasm's Maximum is ~30× slower than its Sub and Relu. The floor comes from
 * the masked logits (masked positions never set it) and the mask is added after the clamp, so masked
 * positions stay at −1e15 and their weight at exactly 0.
 */
function guardedLogits(b: Backend, logits: Tensor, mask: Tensor | null): Tensor {
  const floorOf = (x: Tensor) => b.affine(b.rowMax(x), 1, -LOGIT_FLOOR_BELOW_ROW_MAX);
  // At most two [n,Ns] matrices at once, three with the mask, as `rowsPerChunk` budgets.
  const floor = mask === null ? floorOf(logits) : step(b.add(logits, mask), floorOf);
  const raised = step(
    step(logits, (x) => b.sub(x, floor)),
    (x) => b.relu(x),
  );
  return mask === null ? raised : step(raised, (x) => b.add(x, mask));
}

function softmaxWeights(b: Backend, q: Tensor, k: Tensor, mask: Tensor | null): Tensor {
  return step(guardedLogits(b, b.matmul(q, k), mask), (x) => b.softmax(x));
}

function cosineWeights(b: Backend, q: Tensor, k: Tensor, mask: Tensor | null): Tensor {
  let a = step(b.matmul(q, k), (x) => b.affine(x, 1, 1));
  if (mask !== null) a = step(a, (x) => b.add(x, mask));
  a = step(a, (x) => b.relu(x));
  const ns = k.shape[2] as number;
  const rowSum = b.matmul(a, b.upload(new Float32Array(ns).fill(1), [1, ns, 1]));
  return step(a, (x) => b.div(x, b.affine(rowSum, 1, COSINE_ROW_EPS)));
}

export function attentionStats(
  b: Backend,
  q: Tensor,
  k: Tensor,
  v: Tensor,
  vSquared: Tensor,
  mask: Tensor | null = null,
  kind: AttentionKind = 'softmax',
): [Tensor, Tensor] {
  checkOperands(q, k, v, vSquared, mask);
  if (kind !== 'softmax' && kind !== 'cosine') {
    throw new InvalidArgumentError(`attentionStats: kind must be 'softmax' or 'cosine', got ${String(kind)}`);
  }
  const fused = b.fusedAttentionStats();
  if (fused !== undefined) return fused(q, k, v, vSquared, mask, kind);
  return b.scope(() => {
    const a = kind === 'softmax' ? softmaxWeights(b, q, k, mask) : cosineWeights(b, q, k, mask);
    const m = b.matmul(a, v);
    const s = b.sqrt(b.relu(b.sub(b.matmul(a, vSquared), b.mul(m, m))));
    return [m, s] as [Tensor, Tensor];
  });
}
