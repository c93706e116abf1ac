/**
 * Region masks for the user control (docs/MODEL.md §8): any 8-bit image, white = inside.
 *
 * A pixel is inside when its grey level — the single channel, or the mean of R, G and B — is at least 128;
 * alpha is ignored (an app that paints masks with transparency flattens them over black first, as the Node
 * reader does). Masks may have any size: they are resampled with PyTorch's nearest rule to whatever grid
 * they are used on, so a mask drawn at full resolution works with a downsized image.
 */
import { InvalidArgumentError } from '../errors.js';
import { checkPixelImage, type PixelImage } from './image.js';
import { nearestSourceIndices } from '../tensor/nearest.js';

/** A mask as an image (see the file comment). */
export type RegionMask = PixelImage;

/** One byte per pixel, row-major, 1 inside and 0 outside. */
export interface BinaryMask {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

/** Grey level at or above which a mask pixel is inside. */
export const MASK_THRESHOLD = 128;

export function toBinaryMask(mask: RegionMask, what = 'mask'): BinaryMask {
  checkPixelImage(mask, what);
  const { width, height, channels, data } = mask;
  const out = new Uint8Array(width * height);
  for (let i = 0; i < out.length; i++) {
    const grey =
      channels === 1
        ? (data[i] as number)
        : ((data[i * channels] as number) + (data[i * channels + 1] as number) + (data[i * channels + 2] as number)) / 3;
    out[i] = grey >= MASK_THRESHOLD ? 1 : 0;
  }
  return { width, height, data: out };
}

/** The number of inside pixels. */
export function countInside(mask: BinaryMask): number {
  let n = 0;
  for (const v of mask.data) n += v;
  return n;
}

/**
 * Samples `mask` at the given source rows and columns (one index per output row/column): the building block
 * for nearest resizing and for following a resize with a reflection pad.
 */
export function sampleMask(mask: BinaryMask, rows: ArrayLike<number>, cols: ArrayLike<number>): BinaryMask {
  const out = new Uint8Array(rows.length * cols.length);
  for (let y = 0; y < rows.length; y++) {
    const src = (rows[y] as number) * mask.width;
    for (let x = 0; x < cols.length; x++) out[y * cols.length + x] = mask.data[src + (cols[x] as number)] as number;
  }
  return { width: cols.length, height: rows.length, data: out };
}

/** PyTorch `interpolate(mode='nearest')` of a mask to height × width. */
export function resizeMask(mask: BinaryMask, height: number, width: number): BinaryMask {
  if (!(height >= 1 && width >= 1)) throw new InvalidArgumentError(`resizeMask: size ${width}×${height} must be positive`);
  return sampleMask(mask, nearestSourceIndices(mask.height, height), nearestSourceIndices(mask.width, width));
}
