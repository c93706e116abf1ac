/**
 * The released image model (docs/MODEL.md §1–6; networks.py with shallow_layer + skip_connection_3): encoder to
 * relu5_1, softmax AdaAttN at relu3_1 (the skip), relu4_1 and relu5_1, the transformer's merge conv, and
 * the skip decoder.
 */
import type { Backend } from '../tensor/backend.js';
import type { Tensor } from '../tensor/tensor.js';
import type { ImageModelWeights } from '../weights/types.js';
import { AdaAttnModule } from './adaattn.js';
import { Decoder } from './decoder.js';
import { Encoder } from './encoder.js';
import { int8Layers, uploadAll, type DecodeHooks, type Network, type NetworkOptions } from './network.js';
import { IMAGE_NETWORK, type AttentionLevel } from '../architecture.js';
import { LevelMerge } from './level-merge.js';
import type { Int8Layers } from './layers.js';
import { StrengthLayers } from './strength.js';
import { validateImageWeights } from './validate.js';
import type { WeightMap } from '../weights/types.js';

export const MIN_STYLE_SIDE = IMAGE_NETWORK.minStyleSide;
export const MIN_PADDED_CONTENT_SIDE = IMAGE_NETWORK.minPaddedSide;

export class ImageNetwork implements Network {
  readonly spec = IMAGE_NETWORK;

  private constructor(
    readonly encoder: Encoder,
    readonly modules: Readonly<Record<AttentionLevel, AdaAttnModule>>,
    private readonly tail: StrengthLayers<ImageTail>,
  ) {}

  /** Checks every tensor's presence and shape (one WeightsError listing all problems), then uploads. */
  static upload(b: Backend, weights: ImageModelWeights, options: NetworkOptions = {}): ImageNetwork {
    validateImageWeights(weights);
    const int8 = int8Layers(b, options);
    const [encoder, relu3, relu4, relu5, tail] = uploadAll<{ dispose(): void }>([
      () => Encoder.upload(b, weights.encoder, 'relu5_1', int8),
      () => AdaAttnModule.upload(b, weights.adaattn3, 'relu3_1'),
      () => AdaAttnModule.upload(b, weights.transformer, 'relu4_1'),
      () => AdaAttnModule.upload(b, weights.transformer, 'relu5_1'),
      // Below full strength the tail runs in float32: its int8 ranges were measured on the full-strength weights.
      () =>
        new StrengthLayers(ImageTail.upload(b, weights.transformer, weights.decoder, int8), weights, weights.strength, (w) =>
          ImageTail.upload(b, w('transformer'), w('decoder')),
        ),
    ]) as [Encoder, AdaAttnModule, AdaAttnModule, AdaAttnModule, StrengthLayers<ImageTail>];
    return new ImageNetwork(encoder, { relu3_1: relu3, relu4_1: relu4, relu5_1: relu5 }, tail);
  }

  get strengthInterpolated(): boolean {
    return this.tail.interpolated;
  }

  async decode(b: Backend, outputs: Readonly<Partial<Record<AttentionLevel, Tensor>>>, hooks: DecodeHooks): Promise<Tensor> {
    const { relu3_1: skip, relu4_1: out4, relu5_1: out5 } = outputs as Record<AttentionLevel, Tensor>;
    const lease = this.tail.at(hooks.strength);
    try {
      const { merge, decoder } = lease.layers;
      const merged = merge.apply(b, out4, out5);
      try {
        hooks.release(out4, out5);
        await hooks.capture?.('transformer', merged);
        return await decoder.decode(b, merged, skip, hooks.afterLayer, hooks.inBands);
      } finally {
        merged.dispose();
      }
    } finally {
      lease.release();
    }
  }

  dispose(): void {
    this.encoder.dispose();
    Object.values(this.modules).forEach((m) => m.dispose());
    this.tail.dispose();
  }
}

/** The layers after the attention: the merge conv and the decoder. */
class ImageTail {
  private constructor(
    readonly merge: LevelMerge,
    readonly decoder: Decoder,
  ) {}

  static upload(b: Backend, transformer: WeightMap, decoder: WeightMap, int8: Int8Layers = {}): ImageTail {
    const [merge, decode] = uploadAll<{ dispose(): void }>([
      () => LevelMerge.upload(b, transformer, int8),
      () => Decoder.upload(b, decoder, int8),
    ]) as [LevelMerge, Decoder];
    return new ImageTail(merge, decode);
  }

  dispose(): void {
    this.merge.dispose();
    this.decoder.dispose();
  }
}
