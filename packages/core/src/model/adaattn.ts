/**
 * One AdaAttN module (networks.py `AdaAttN`): Q = f(content key), K = g(style key), V = h(style);
 * A = softmax(QᵀK) over style positions (no 1/√d scaling); M = A·Vᵀ, S = sqrt(relu(A·(V²)ᵀ − M²));
 * output = S ⊙ mvn(content) + M.
 *
 * The style side (K, V, V²) depends on the style only, so it is computed once per style (StyleFeatures)
 * and reused for every content. Sampled positions are selected before g and h rather than after, as the
 * official code does: a 1×1 conv acts on each position alone, so the result is the same and the
 * projection costs `cap` positions instead of all of them.
 */
import { chunkedAttentionStats, type AttentionMask } from '../ops/attention.js';
import { mvn } from '../ops/mvn.js';
import type { Backend } from '../tensor/backend.js';
import { disposeAll, type Tensor } from '../tensor/tensor.js';
import type { WeightMap } from '../weights/types.js';
import { disposeLayer, project, uploadProjection, type Projection } from './layers.js';
import { adaAttnLayers, type AttentionLevel } from './spec.js';

/** One level's precomputed style side; the tensors belong to the StyleFeatures that holds it. */
export interface StyleLevel {
  /** g(style key) at the attended positions, channels first: [1,Ck,Ns]. */
  readonly k: Tensor;
  /** h(style feature) at the same positions, [1,Ns,C]. */
  readonly v: Tensor;
  readonly vSquared: Tensor;
  /** The attended style positions (row-major indices into H·W), or null for all of them. */
  readonly sampled: Int32Array | null;
}

export interface ApplyOptions {
  readonly memoryBudgetBytes?: number;
  readonly mask?: AttentionMask;
  readonly afterChunk?: (done: number, total: number) => void | Promise<void>;
}

export class AdaAttnModule {
  readonly level: AttentionLevel;
  private readonly f: Projection;
  private readonly g: Projection;
  private readonly h: Projection;

  private constructor(level: AttentionLevel, f: Projection, g: Projection, h: Projection) {
    this.level = level;
    this.f = f;
    this.g = g;
    this.h = h;
  }

  static upload(b: Backend, map: WeightMap, level: AttentionLevel): AdaAttnModule {
    const [f, g, h] = adaAttnLayers(level).map((spec) => uploadProjection(b, map, spec)) as [Projection, Projection, Projection];
    return new AdaAttnModule(level, f, g, h);
  }

  /** K, V, V² from the style feature [1,C,Hs,Ws] and key [1,Ck,Hs,Ws], at `positions` (null: all). */
  encodeStyle(b: Backend, feature: Tensor, key: Tensor, positions: Int32Array | null): StyleLevel {
    const [k, v, vSquared] = b.scope(() => {
      let keys = b.toPositions(key);
      let values = b.toPositions(feature);
      if (positions !== null) {
        keys = b.gather(keys, positions, 1);
        values = b.gather(values, positions, 1);
      }
      const vv = project(b, values, this.h);
      return [b.transpose(project(b, keys, this.g), [0, 2, 1]), vv, b.mul(vv, vv)];
    });
    return { k, v, vSquared, sampled: positions };
  }

  /** The module's output [1,C,H,W] for content feature [1,C,H,W] with key [1,Ck,H,W]; owned by the caller. */
  async apply(b: Backend, content: Tensor, key: Tensor, style: StyleLevel, options: ApplyOptions = {}): Promise<Tensor> {
    const [, , height, width] = content.shape as [number, number, number, number];
    const q = b.scope(() => project(b, b.toPositions(key), this.f));
    let stats: [Tensor, Tensor] | undefined;
    try {
      stats = await chunkedAttentionStats(b, q, style.k, style.v, style.vSquared, options);
      const [m, s] = stats;
      return b.scope(() => b.add(b.mul(b.fromPositions(s, height, width), mvn(b, content)), b.fromPositions(m, height, width)));
    } finally {
      disposeAll(q, stats);
    }
  }

  dispose(): void {
    [this.f, this.g, this.h].forEach(disposeLayer);
  }
}
