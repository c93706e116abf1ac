/**
 * One AdaAttN module (networks.py `AdaAttN`): Q = f(content key), K = g(style key), V = h(style);
 * A = softmax(QᵀK) over style positions (no 1/√d scaling) — or, in the video model, the cosine weights
 * relu(cos(q, k) + 1) normalised per row; M = A·Vᵀ, S = sqrt(relu(A·(V²)ᵀ − M²)); output = S ⊙ mvn(content) + M.
 *
 * The style side (K, V, V²) depends on the style only, so it is computed once per style (StyleFeatures)
 * and reused for every content. Sampled positions are selected before g and h rather than after, as the
 * official code does: a 1×1 conv acts on each position alone, so the result is the same and the
 * projection costs `cap` positions instead of all of them.
 *
 * The creative controls (docs/MODEL.md §8) act here, on M and S:
 * - several styles, interpolated: M = Σ wᵢMᵢ, S = Σ wᵢSᵢ (each style attends on its own);
 * - several styles, concatenated: one StyleLevel whose positions pool all of them (see `encodeStyle`);
 * - regions: an additive mask on the logits, built per chunk from `contentRegions` and each style's
 *   `styleInside` (ops/chunked-attention.ts);
 * - strength α: S' = αS + (1−α)σ_c, M' = αM + (1−α)μ_c, with μ_c, σ_c the content feature's own per-channel
 *   mean and std (the std of mvn, √(var + 1e-5)), so that α = 0 returns the content feature exactly.
 */
import { chunkedAttentionStats } from '../ops/chunked-attention.js';
import type { AttentionKind } from '../ops/attention-stats.js';
import { unitColumns, unitRows } from '../ops/cosine.js';
import { meanStd, mvn } from '../ops/mvn.js';
import type { Backend } from '../tensor/backend.js';
import { disposeAll, type Tensor } from '../tensor/tensor.js';
import type { WeightMap } from '../weights/types.js';
import { disposeLayer, project, uploadProjection, type Projection } from './layers.js';
import { adaAttnLayers, type AttentionLevel } from '../architecture.js';

/** The feature grid of one style image at one level. */
export interface LevelGrid {
  readonly height: number;
  readonly width: number;
}

/** One level's precomputed style side; the tensors belong to the StyleFeatures that holds it. */
export interface StyleLevel {
  /** g(style key) at the attended positions, channels first: [1,Ck,Ns] (unit columns for cosine attention). */
  readonly k: Tensor;
  /** h(style feature) at the same positions, [1,Ns,C]. */
  readonly v: Tensor;
  readonly vSquared: Tensor;
  /**
   * The attended style positions, or null for all of them. They index the pool: the row-major H·W
   * positions of the first style image, then those of the second, … (one image: plain H·W indices).
   */
  readonly sampled: Int32Array | null;
  /** The grid of each pooled style image at this level, in pool order (one entry for a single style). */
  readonly sources: readonly LevelGrid[];
}

/** A style feature and its key at one level, NCHW, as the encoder and buildKey give them. */
export interface StyleSource {
  readonly feature: Tensor;
  readonly key: Tensor;
}

/** One style's part in an `apply`. */
export interface StyleTerm {
  readonly level: StyleLevel;
  /** Its interpolation weight (the weights of one apply sum to 1). */
  readonly weight: number;
  /** [1,R,Ns] region mask rows for this style when regions are used (see ops/chunked-attention.ts AttentionMask). */
  readonly styleInside?: Tensor;
}

export interface ApplyOptions {
  readonly memoryBudgetBytes?: number;
  /** [1,Nc,R]: the content side of the region mask; each term then needs its `styleInside`. */
  readonly contentRegions?: Tensor;
  /** α in [0, 1] (default 1: the model's own output). */
  readonly strength?: number;
  readonly afterChunk?: (done: number, total: number) => void | Promise<void>;
}

export class AdaAttnModule {
  readonly level: AttentionLevel;
  readonly kind: AttentionKind;
  private readonly f: Projection;
  private readonly g: Projection;
  private readonly h: Projection;

  private constructor(level: AttentionLevel, kind: AttentionKind, f: Projection, g: Projection, h: Projection) {
    this.level = level;
    this.kind = kind;
    this.f = f;
    this.g = g;
    this.h = h;
  }

  static upload(b: Backend, map: WeightMap, level: AttentionLevel, kind: AttentionKind = 'softmax'): AdaAttnModule {
    const layers: Projection[] = [];
    try {
      for (const spec of adaAttnLayers(level)) layers.push(uploadProjection(b, map, spec));
    } catch (error) {
      layers.forEach(disposeLayer);
      throw error;
    }
    const [f, g, h] = layers as [Projection, Projection, Projection];
    return new AdaAttnModule(level, kind, f, g, h);
  }

  /**
   * K, V, V² of one or more style images (`sources`, pooled in order: concatenation of styles) at the pooled
   * `positions` (null: all).
   */
  encodeStyle(b: Backend, sources: readonly StyleSource[], positions: Int32Array | null): StyleLevel {
    const [k, v, vSquared] = b.scope(() => {
      const pool = (xs: Tensor[]) => (xs.length === 1 ? (xs[0] as Tensor) : b.concat(xs, 1));
      let keys = pool(sources.map((s) => b.toPositions(s.key)));
      let values = pool(sources.map((s) => b.toPositions(s.feature)));
      if (positions !== null) {
        keys = b.gather(keys, positions, 1);
        values = b.gather(values, positions, 1);
      }
      const vv = project(b, values, this.h);
      const kk = b.transpose(project(b, keys, this.g), [0, 2, 1]);
      return [this.kind === 'cosine' ? unitColumns(b, kk) : kk, vv, b.mul(vv, vv)];
    });
    const grids = sources.map((s) => ({ height: s.feature.shape[2] as number, width: s.feature.shape[3] as number }));
    return { k, v, vSquared, sampled: positions, sources: grids };
  }

  /**
   * The module's output [1,C,H,W] for content feature [1,C,H,W] with key [1,Ck,H,W] and one or more
   * weighted styles (see the file comment); owned by the caller.
   */
  async apply(b: Backend, content: Tensor, key: Tensor, terms: readonly StyleTerm[], options: ApplyOptions = {}): Promise<Tensor> {
    const [, , height, width] = content.shape as [number, number, number, number];
    const q = b.scope(() => {
      const projected = project(b, b.toPositions(key), this.f);
      return this.kind === 'cosine' ? unitRows(b, projected) : projected;
    });
    let mean: Tensor | undefined;
    let std: Tensor | undefined;
    try {
      for (const [i, term] of terms.entries()) {
        const mask =
          options.contentRegions === undefined || term.styleInside === undefined
            ? {}
            : { mask: { content: options.contentRegions, styleInside: term.styleInside } };
        const [m, s] = await chunkedAttentionStats(b, q, term.level.k, term.level.v, term.level.vSquared, {
          ...mask,
          kind: this.kind,
          ...(options.memoryBudgetBytes === undefined ? {} : { memoryBudgetBytes: options.memoryBudgetBytes }),
          afterChunk: (done, total) => options.afterChunk?.(i * total + done, terms.length * total),
        });
        [mean, std] = accumulate(b, [mean, std], [m, s], term.weight);
      }
      const [m, s] = [mean as Tensor, std as Tensor];
      return b.scope(() => {
        let mm = b.fromPositions(m, height, width);
        let ss = b.fromPositions(s, height, width);
        const alpha = options.strength ?? 1;
        if (alpha !== 1) {
          const [muC, sigmaC] = meanStd(b, content);
          mm = b.add(b.affine(mm, alpha), b.affine(muC, 1 - alpha));
          ss = b.add(b.affine(ss, alpha), b.affine(sigmaC, 1 - alpha));
        }
        return b.add(b.mul(ss, mvn(b, content)), mm);
      });
    } finally {
      disposeAll(q, mean, std);
    }
  }

  dispose(): void {
    [this.f, this.g, this.h].forEach(disposeLayer);
  }
}

/**
 * acc + w·term for M and S, freeing the inputs. A lone term of weight 1 is passed through untouched, so a
 * single style computes exactly what it always did.
 */
function accumulate(b: Backend, acc: [Tensor | undefined, Tensor | undefined], term: [Tensor, Tensor], weight: number): [Tensor, Tensor] {
  const [am, as] = acc;
  if (am === undefined || as === undefined) {
    if (weight === 1) return term;
    const scaled = b.scope(() => [b.affine(term[0], weight), b.affine(term[1], weight)] as [Tensor, Tensor]);
    disposeAll(term);
    return scaled;
  }
  const sum = b.scope(() => [b.add(am, b.affine(term[0], weight)), b.add(as, b.affine(term[1], weight))] as [Tensor, Tensor]);
  disposeAll(acc, term);
  return sum;
}
