/**
 * Region masks from files, bytes or pixels (white = inside; core thresholds the grey level at 128).
 *
 * A mask is read at its own size — core resamples it to each feature grid with the nearest rule, so
 * resizing it here with a smoothing filter would only blur the edge — and transparency counts as outside
 * (composited over black), since masks painted in image editors are often white strokes on nothing.
 */
import type { PixelImage } from '../types.js';
import { DEFAULT_MAX_PIXELS, readImage, type ImageInput } from './image.js';

export function readMask(input: ImageInput, options: { maxPixels?: number; label?: string } = {}): Promise<PixelImage> {
  return readImage(input, {
    size: 0,
    maxPixels: options.maxPixels ?? DEFAULT_MAX_PIXELS,
    label: options.label ?? 'mask',
    background: '#000000',
  });
}
