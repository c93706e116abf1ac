/**
 * The video model (docs/MODEL.md §7; the authors' inference_frame.py; tools/pysrc/adaattn_torch VideoModel):
 * encoder to relu3_1, one AdaAttN at relu3_1 with cosine attention, and a decoder straight from relu3_1.
 * Cosine weights are bounded and smooth in the features, which is what keeps consecutive frames stable.
 */
import type { VideoModelWeights } from '../weights/types.js';
import type { Backend } from '../tensor/backend.js';
import type { Tensor } from '../tensor/tensor.js';
import { AdaAttnModule } from './adaattn.js';
import { VideoDecoder } from './decoder.js';
import { Encoder } from './encoder.js';
import { int8Layers, uploadAll, type DecodeHooks, type Network, type NetworkOptions } from './network.js';
import { VIDEO_NETWORK, type AttentionLevel } from '../architecture.js';
import { StrengthLayers } from './strength.js';
import { validateVideoWeights } from './validate.js';

export const VIDEO_MIN_STYLE_SIDE = VIDEO_NETWORK.minStyleSide;
export const VIDEO_MIN_PADDED_CONTENT_SIDE = VIDEO_NETWORK.minPaddedSide;

export class VideoNetwork implements Network {
  readonly spec = VIDEO_NETWORK;

  private constructor(
    readonly encoder: Encoder,
    readonly modules: Readonly<Partial<Record<AttentionLevel, AdaAttnModule>>>,
    private readonly decoder: StrengthLayers<VideoDecoder>,
  ) {}

  static upload(b: Backend, weights: VideoModelWeights, options: NetworkOptions = {}): VideoNetwork {
    validateVideoWeights(weights);
    const int8 = int8Layers(b, options);
    const [encoder, relu3, decoder] = uploadAll<{ dispose(): void }>([
      () => Encoder.upload(b, weights.encoder, 'relu3_1', int8),
      () => AdaAttnModule.upload(b, weights.adaattn3, 'relu3_1', 'cosine'),
      // Below full strength the decoder runs in float32: its int8 ranges were measured on the full-strength weights.
      () =>
        new StrengthLayers(VideoDecoder.upload(b, weights.decoder, int8), weights, weights.strength, (w) =>
          VideoDecoder.upload(b, w('decoder')),
        ),
    ]) as [Encoder, AdaAttnModule, StrengthLayers<VideoDecoder>];
    return new VideoNetwork(encoder, { relu3_1: relu3 }, decoder);
  }

  get strengthInterpolated(): boolean {
    return this.decoder.interpolated;
  }

  async decode(b: Backend, outputs: Readonly<Partial<Record<AttentionLevel, Tensor>>>, hooks: DecodeHooks): Promise<Tensor> {
    const lease = this.decoder.at(hooks.strength);
    try {
      return await lease.layers.decode(b, outputs.relu3_1 as Tensor, hooks.afterLayer, hooks.inBands);
    } finally {
      lease.release();
    }
  }

  dispose(): void {
    this.encoder.dispose();
    this.modules.relu3_1?.dispose();
    this.decoder.dispose();
  }
}
