/**
 * @adaattn/node — AdaAttN style transfer for Node.js.
 *
 * The whole surface: `createStylizer()` and the image helpers around it.
 *
 * ```ts
 * await using s = await createStylizer({ model: './models/adaattn-image' });
 * const out = await s.stylize('photo.jpg', 'painting.jpg', { size: 512 });
 * await writeImage('out.png', out);
 * ```
 */
export { createStylizer } from './api/create-stylizer.js';
export type {
  AttentionMode,
  CreateStylizerOptions,
  EncodeStyleOptions,
  EncodedStyle,
  NodeStylizer,
  StylizeOptions,
  StylizeProgress,
} from './api/options.js';
export { BACKEND_CHOICES, type BackendName } from './api/backends.js';
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
export { defaultModelDir } from './io/model-dir.js';
export type { PixelImage } from './types.js';
