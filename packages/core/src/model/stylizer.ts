/**
 * The released AdaAttN image model (docs/MODEL.md) on any backend: encode a style once, stylize any number
 * of contents with it, with every creative control (stylizer-base.ts).
 */
import type { Backend } from '../tensor/backend.js';
import type { HostTensor } from '../tensor/types.js';
import type { ImageModelWeights } from '../weights/types.js';
import { ImageNetwork, MIN_PADDED_CONTENT_SIDE, MIN_STYLE_SIDE } from './image-network.js';
import type { NetworkOptions } from './network.js';
import { IMAGE_NETWORK, type AttentionLevel, type Level } from '../architecture.js';
import { paddedSize, StylizerBase, type StylizeFloatResult as BaseResult } from './stylizer-base.js';

export { MIN_PADDED_CONTENT_SIDE, MIN_STYLE_SIDE };
export type { AttentionOptions, EncodeStyleOptions, StyleImage, StyleInput, StylizeFloatOptions, StylizeOptions } from './stylizer-base.js';

/** Intermediate features of one image-model run, NCHW, at the padded content size. */
export interface CapturedFeatures {
  readonly content: Readonly<Record<Level, HostTensor>>;
  /** Present when one style was given as an image (not as StyleFeatures). */
  readonly style?: Readonly<Record<Level, HostTensor>>;
  /** AdaAttN outputs: relu3_1 is the decoder's skip input; relu4_1 and relu5_1 feed the merge. */
  readonly adaattn: Readonly<Record<AttentionLevel, HostTensor>>;
  /** merge_conv output: the decoder's main input. */
  readonly transformer: HostTensor;
  /** The decoder's output before cropping back to the content size. */
  readonly decoded: HostTensor;
}

export type StylizeFloatResult = BaseResult<CapturedFeatures>;

/** Content is padded to this size for the image model (multiple of 16, at least 32). */
export function paddedContentSize(height: number, width: number): [number, number] {
  return paddedSize(height, width, IMAGE_NETWORK.sideMultiple, IMAGE_NETWORK.minPaddedSide);
}

export class Stylizer extends StylizerBase<CapturedFeatures> {
  /**
   * Checks every expected tensor's presence and shape (one WeightsError listing all problems), then uploads
   * the weights to `backend`.
   */
  static create(backend: Backend, weights: ImageModelWeights, options: NetworkOptions = {}): Stylizer {
    return new Stylizer(backend, ImageNetwork.upload(backend, weights, options));
  }
}
