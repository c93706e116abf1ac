/**
 * Attention statistics over any number of content positions in bounded memory.
 *
 * The official code materialises the whole (HcWc × HsWs) logits matrix, which grows without bound with
 * the content size (docs/MODEL.md §3). Here content positions are processed in chunks of rows, each chunk in
 * its own scope, so that the [rows × Ns] matrices a chunk needs at once (logits and probabilities, plus the
 * mask when there is one) fit `memoryBudgetBytes`. Results are identical to one big chunk: softmax rows
 * are independent.
 */
import { InvalidArgumentError } from '../errors.js';
import type { Backend } from '../tensor/backend.js';
import { disposeAll, type Tensor } from '../tensor/tensor.js';
import { attentionStats, type AttentionKind } from './attention-stats.js';

export const DEFAULT_MEMORY_BUDGET_BYTES = 256 * 1024 * 1024;

/** The additive logit that removes a (content, style) pair from the attention (the authors' user control). */
export const MASKED_LOGIT = -1e15;

/**
 * Region constraints in factored form, so a chunk's additive mask is built per chunk and never in full.
 * Content position i may attend to style position j iff some region r has `content[i,r] = 1` and
 * `styleInside[r,j] = 1`; every other pair gets MASKED_LOGIT:
 *
 *   mask = MASKED_LOGIT · relu(1 − content · styleInside)
 *
 * (the product counts the regions that allow the pair). A content position in several regions may
 * therefore draw on the union of their style regions. A row with no region at all would be masked
 * entirely, so callers give every content position a region (model/regions.ts adds one that allows every
 * style position for content outside all the user's regions).
 */
export interface AttentionMask {
  /** [B,Nc,R]: 1 where content position i lies in region r, else 0. */
  readonly content: Tensor;
  /** [B,R,Ns]: 1 where style position j lies inside region r's style region, else 0. */
  readonly styleInside: Tensor;
}

export interface ChunkedAttentionOptions {
  /** Bytes the per-chunk [rows × Ns] float32 matrices may take together. Default 256 MiB. */
  readonly memoryBudgetBytes?: number;
  readonly mask?: AttentionMask;
  /** 'softmax' (default, the image model) or 'cosine' (the video model; q and k pre-normalised, see ops/cosine.ts). */
  readonly kind?: AttentionKind;
  /** Awaited after each chunk (progress, cancellation, yielding to the event loop). */
  readonly afterChunk?: (done: number, total: number) => void | Promise<void>;
}

/** Rows of content positions per chunk: at least 1, whatever the budget. */
export function rowsPerChunk(styleCount: number, memoryBudgetBytes: number, masked: boolean): number {
  if (!(memoryBudgetBytes > 0))
    throw new InvalidArgumentError(`memoryBudgetBytes must be a positive number of bytes, got ${memoryBudgetBytes}`);
  const matrices = masked ? 3 : 2; // logits, probabilities (and the chunk's mask)
  return Math.max(1, Math.floor(memoryBudgetBytes / (styleCount * 4 * matrices)));
}

/**
 * [M, S] for every query row of q [B,Nc,Ck] against k [B,Ck,Ns], v and vSquared [B,Ns,C]; each [B,Nc,C].
 * The returned tensors belong to the caller (and to the enclosing scope, if any).
 */
export async function chunkedAttentionStats(
  b: Backend,
  q: Tensor,
  k: Tensor,
  v: Tensor,
  vSquared: Tensor,
  options: ChunkedAttentionOptions = {},
): Promise<[Tensor, Tensor]> {
  const [batch, n, ck] = q.shape as [number, number, number];
  const ns = k.shape[2] as number;
  const mask = options.mask;
  const rows = rowsPerChunk(ns, options.memoryBudgetBytes ?? DEFAULT_MEMORY_BUDGET_BYTES, mask !== undefined);
  const total = Math.ceil(n / rows);
  const means: Tensor[] = [];
  const stds: Tensor[] = [];
  try {
    for (let i = 0; i < total; i++) {
      const start = i * rows;
      const len = Math.min(rows, n - start);
      const [m, s] = b.scope(() => {
        const whole = len === n;
        const qc = whole ? q : b.slice(q, [0, start, 0], [batch, len, ck]);
        let chunkMask: Tensor | null = null;
        if (mask !== undefined) {
          const r = mask.content.shape[2] as number;
          const region = whole ? mask.content : b.slice(mask.content, [0, start, 0], [batch, len, r]);
          chunkMask = chunkMaskOf(b, region, mask.styleInside);
        }
        return attentionStats(b, qc, k, v, vSquared, chunkMask, options.kind ?? 'softmax');
      });
      means.push(m);
      stds.push(s);
      await options.afterChunk?.(i + 1, total);
    }
    if (total === 1) return [means[0] as Tensor, stds[0] as Tensor];
    const result = b.scope(() => [b.concat(means, 1), b.concat(stds, 1)] as [Tensor, Tensor]);
    disposeAll(means, stds);
    return result;
  } catch (error) {
    disposeAll(means, stds);
    throw error;
  }
}

/** The additive [B,n,Ns] mask of one chunk of content rows (see AttentionMask). */
function chunkMaskOf(b: Backend, region: Tensor, styleInside: Tensor): Tensor {
  return b.scope(() => {
    const allowedBy = b.matmul(region, styleInside);
    const outside = b.relu(b.affine(allowedBy, -1, 1));
    allowedBy.dispose(); // keep at most two [n,Ns] matrices alive while the mask is built
    return b.affine(outside, MASKED_LOGIT, 0);
  });
}
