/**
 * A style, encoded once and reusable for any number of contents (frames, batches, previews).
 *
 * It holds, per attention level, the style side of AdaAttN (K, V, V² at the attended positions), which is
 * everything a stylize call needs from the style image. Several images encoded together are pooled into
 * one set of positions (style concatenation). It belongs to the stylizer that made it (its projections are
 * baked in) and holds backend memory until `dispose()` (or the stylizer's disposal).
 */
import { InvalidArgumentError } from '../errors.js';
import { disposeAll } from '../tensor/tensor.js';
import type { StyleLevel } from './adaattn.js';
import type { AttentionLevel } from '../architecture.js';

export type AttentionMode = 'sampled' | 'exact';

export interface ImageSize {
  readonly width: number;
  readonly height: number;
}

export class StyleFeatures {
  /** Size of the (first) style image. */
  readonly width: number;
  readonly height: number;
  /** The size of each pooled style image, in pool order (one entry unless styles were concatenated). */
  readonly sources: readonly ImageSize[];
  /** The options the style was encoded with; a stylize call asking for others is refused. */
  readonly attention: AttentionMode;
  readonly seed: number;
  /** @internal */
  readonly owner: object;
  /** @internal One entry per attention level of the model that made it. */
  readonly levels: Readonly<Partial<Record<AttentionLevel, StyleLevel>>>;
  private readonly onDispose: (features: StyleFeatures) => void;
  private disposedFlag = false;

  /** @internal Made by a stylizer's `encodeStyle`. */
  constructor(init: {
    owner: object;
    sources: readonly ImageSize[];
    attention: AttentionMode;
    seed: number;
    levels: Partial<Record<AttentionLevel, StyleLevel>>;
    onDispose: (features: StyleFeatures) => void;
  }) {
    this.owner = init.owner;
    this.sources = init.sources;
    this.width = init.sources[0]?.width ?? 0;
    this.height = init.sources[0]?.height ?? 0;
    this.attention = init.attention;
    this.seed = init.seed;
    this.levels = init.levels;
    this.onDispose = init.onDispose;
  }

  get isDisposed(): boolean {
    return this.disposedFlag;
  }

  /** @internal The level's style side; throws if the model has no attention at `level`. */
  level(level: AttentionLevel): StyleLevel {
    const found = this.levels[level];
    if (found === undefined)
      throw new InvalidArgumentError(
        `these StyleFeatures have no ${level} attention (the levels are ${Object.keys(this.levels).join(', ')})`,
      );
    return found;
  }

  /** The style positions (row-major indices into the level's pooled H·W) attention uses; null means all. */
  sampledPositions(level: AttentionLevel): Int32Array | null {
    return this.level(level).sampled;
  }

  dispose(): void {
    if (this.disposedFlag) return;
    this.disposedFlag = true;
    for (const level of Object.values(this.levels)) disposeAll(level.k, level.v, level.vSquared);
    this.onDispose(this);
  }
}
