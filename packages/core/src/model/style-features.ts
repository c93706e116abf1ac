/**
 * A style, encoded once and reusable for any number of contents (frames, batches, previews).
 *
 * It holds, per attention level, the style side of AdaAttN (K, V, V² at the attended positions), which is
 * everything a stylize call needs from the style image. It belongs to the Stylizer that made it (its
 * projections are baked in) and holds backend memory until `dispose()` (or the Stylizer's disposal).
 */
import { disposeAll } from '../tensor/tensor.js';
import type { StyleLevel } from './adaattn.js';
import type { AttentionLevel } from './spec.js';

export type AttentionMode = 'sampled' | 'exact';

export class StyleFeatures {
  /** Size of the style image. */
  readonly width: number;
  readonly height: number;
  /** The options the style was encoded with; a stylize call asking for others is refused. */
  readonly attention: AttentionMode;
  readonly seed: number;
  /** @internal */
  readonly owner: object;
  /** @internal */
  readonly levels: Readonly<Record<AttentionLevel, StyleLevel>>;
  private readonly onDispose: (features: StyleFeatures) => void;
  private disposedFlag = false;

  /** @internal Made by `Stylizer.encodeStyle`. */
  constructor(init: {
    owner: object;
    width: number;
    height: number;
    attention: AttentionMode;
    seed: number;
    levels: Record<AttentionLevel, StyleLevel>;
    onDispose: (features: StyleFeatures) => void;
  }) {
    this.owner = init.owner;
    this.width = init.width;
    this.height = init.height;
    this.attention = init.attention;
    this.seed = init.seed;
    this.levels = init.levels;
    this.onDispose = init.onDispose;
  }

  get isDisposed(): boolean {
    return this.disposedFlag;
  }

  /** The style positions (row-major indices into that level's H·W) attention uses; null means all. */
  sampledPositions(level: AttentionLevel): Int32Array | null {
    return this.levels[level].sampled;
  }

  dispose(): void {
    if (this.disposedFlag) return;
    this.disposedFlag = true;
    for (const level of Object.values(this.levels)) disposeAll(level.k, level.v, level.vSquared);
    this.onDispose(this);
  }
}
