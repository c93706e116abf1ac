/**
 * @adaattn/node — AdaAttN style transfer for Node.js.
 *
 * The whole surface: `createStylizer()` (image or video model, every creative control), `stylizeVideo()`,
 * and the image helpers around them.
 *
 * ```ts
 * await using s = await createStylizer();   // the installed @adaattn/model-image, or $ADAATTN_MODEL
 * const out = await s.stylize('photo.jpg', 'painting.jpg', { size: 512 });
 * await writeImage('out.png', out);
 * ```
 */
export { createStylizer } from './api/create-stylizer.js';
export type {
  AttentionMode,
  ControlOptions,
  CreateStylizerOptions,
  EncodeStyleOptions,
  EncodedStyle,
  NodeStylizer,
  Precision,
  RegionPair,
  StyleArgument,
  StylizeOptions,
  StylizeProgress,
} from './api/options.js';
export { DEFAULT_FPS, stylizeVideo, type StylizeVideoOptions, type StylizeVideoResult, type VideoProgress } from './api/stylize-video.js';
export { FfmpegMissingError } from './io/ffmpeg.js';
export { InputError, OutputError } from './errors.js';
// core's typed errors, so callers can branch with instanceof without a second import.
export { AbortError, BackendError, InvalidArgumentError, WeightsError } from '@adaattn/core';
export { FRAME_EXTENSIONS } from './io/frames.js';
export { readMask } from './io/mask.js';
export { floodFill, type FloodFillOptions, type Point, type PreserveColor, type StyleMix } from '@adaattn/core';
export { BACKEND_CHOICES, type BackendName } from './api/backends.js';
export { PRECISIONS } from './api/options.js';
export { writeImage, type WriteImageOptions } from './api/write-image.js';
export {
  DEFAULT_MAX_PIXELS,
  encodeImage,
  outputFormatForPath,
  readImage,
  type EncodeOptions,
  type ImageInput,
  type OutputFormat,
  type ReadImageOptions,
} from './io/image.js';
export { defaultModelDir, defaultVideoModelDir, MODEL_ENV, MODEL_PACKAGES, ModelNotFoundError } from './io/model-dir.js';
export type { PixelImage } from './types.js';
