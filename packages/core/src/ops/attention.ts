/**
 * Attention statistics over any number of content positions in bounded memory.
 *
 * The official code materialises the whole (HcWc × HsWs) logits matrix, which grows without bound with
 * the content size (DESIGN.md §2). Here content positions are processed in chunks of rows, each chunk in
 * its own scope, so that the [rows × Ns] matrices a chunk needs at once (logits and probabilities, plus the
 * mask when there is one) fit `memoryBudgetBytes`. Results are identical to one big chunk: softmax rows
 * are independent.
 */
import { InvalidArgumentError } from '../errors.js';
import type { Backend } from '../tensor/backend.js';
import { disposeAll, type Tensor } from '../tensor/tensor.js';
import { attentionStats } from './attention-stats.js';

export const DEFAULT_MEMORY_BUDGET_BYTES = 256 * 1024 * 1024;

/** Logits between content region r and style positions outside style region r are pushed to −1e15. */
export const MASKED_LOGIT = -1e15;

/**
 * Region constraints in factored form, so a chunk's additive mask is built per chunk and never in full:
 * mask = MASKED_LOGIT · (content · styleOutside).
 */
export interface AttentionMask {
  /** [B,Nc,R]: 1 where content position i lies in region r. */
  readonly content: Tensor;
  /** [B,R,Ns]: 1 where style position j lies outside style region r. */
  readonly styleOutside: Tensor;
}

export interface ChunkedAttentionOptions {
  /** Bytes the per-chunk [rows × Ns] float32 matrices may take together. Default 256 MiB. */
  readonly memoryBudgetBytes?: number;
  readonly mask?: AttentionMask;
  /** Awaited after each chunk (progress, cancellation, yielding to the event loop). */
  readonly afterChunk?: (done: number, total: number) => void | Promise<void>;
}

/** Rows of content positions per chunk: at least 1, whatever the budget. */
export function rowsPerChunk(styleCount: number, memoryBudgetBytes: number, masked: boolean): number {
  if (!(memoryBudgetBytes > 0)) throw new InvalidArgumentError(`memoryBudgetBytes must be a positive number of bytes, got ${memoryBudgetBytes}`);
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
          chunkMask = b.affine(b.matmul(region, mask.styleOutside), MASKED_LOGIT);
        }
        return attentionStats(b, qc, k, v, vSquared, chunkMask);
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
