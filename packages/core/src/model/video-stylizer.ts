/**
 * The video model (docs/MODEL.md §7) on any backend. Frames are stylized independently (no
 * optical flow): encode the style once with `encodeStyle`, then `stylize` each frame with it. Every
 * creative control works as with the image model (stylizer-base.ts); region masks act inside the cosine
 * weights' relu (ops/attention-stats.ts).
 */
import type { Backend } from '../tensor/backend.js';
import type { HostTensor } from '../tensor/types.js';
import type { VideoModelWeights } from '../weights/types.js';
import type { NetworkOptions } from './network.js';
import { VideoNetwork } from './video-network.js';
import { StylizerBase, type StylizeFloatResult } from './stylizer-base.js';

export { VIDEO_MIN_PADDED_CONTENT_SIDE, VIDEO_MIN_STYLE_SIDE } from './video-network.js';

type VideoLevel = 'relu1_1' | 'relu2_1' | 'relu3_1';

/** Intermediate features of one video-model run, NCHW, at the padded content size. */
export interface VideoCapturedFeatures {
  readonly content: Readonly<Record<VideoLevel, HostTensor>>;
  /** Present when one style was given as an image. */
  readonly style?: Readonly<Record<VideoLevel, HostTensor>>;
  /** The relu3_1 AdaAttN output: the decoder's input. */
  readonly adaattn: Readonly<Record<'relu3_1', HostTensor>>;
  /** The decoder's output before cropping back to the content size. */
  readonly decoded: HostTensor;
}

export type VideoStylizeFloatResult = StylizeFloatResult<VideoCapturedFeatures>;

export class VideoStylizer extends StylizerBase<VideoCapturedFeatures> {
  /** Checks the weights (encoder to layer 16, `f/g/h`, `decoder.*`), then uploads them to `backend`. */
  static create(backend: Backend, weights: VideoModelWeights, options: NetworkOptions = {}): VideoStylizer {
    return new VideoStylizer(backend, VideoNetwork.upload(backend, weights, options));
  }
}
