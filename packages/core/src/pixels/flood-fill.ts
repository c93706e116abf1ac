/**
 * Grows a region from clicked points by colour similarity — the authors' way of drawing the user-control
 * regions (docs/MODEL.md §8), for plugins that let people click instead of paint.
 *
 * Each seed grows its own region over 4- (or 8-) connected pixels whose colour lies within `tolerance` of
 * the seed's colour (Euclidean distance in RGB, 0–255 per channel); the result is the union. Comparing with
 * the seed rather than with the neighbour stops a fill from creeping along a slow gradient across the image.
 */
import { InvalidArgumentError } from '../errors.js';
import { checkPixelImage, type PixelImage } from './image.js';
import type { RegionMask } from './mask.js';

export interface Point {
  readonly x: number;
  readonly y: number;
}

export interface FloodFillOptions {
  /** Largest RGB distance (0–441) from the seed's colour that still joins the region. Default: 32. */
  readonly tolerance?: number;
  /** 4: edge neighbours only (default; does not leak through diagonal gaps); 8: corners too. */
  readonly connectivity?: 4 | 8;
}

export const DEFAULT_FLOOD_TOLERANCE = 32;

function rgbAt(image: PixelImage, i: number): [number, number, number] {
  const { channels, data } = image;
  if (channels === 1) {
    const g = data[i] as number;
    return [g, g, g];
  }
  return [data[i * channels] as number, data[i * channels + 1] as number, data[i * channels + 2] as number];
}

/** A one-channel mask (255 inside, 0 outside) the size of `image`, usable as a region mask. */
export function floodFill(image: PixelImage, seeds: readonly Point[], options: FloodFillOptions = {}): RegionMask {
  checkPixelImage(image, 'floodFill image');
  const { tolerance = DEFAULT_FLOOD_TOLERANCE, connectivity = 4 } = options;
  if (!(tolerance >= 0) || !Number.isFinite(tolerance))
    throw new InvalidArgumentError(`floodFill: tolerance must be a number ≥ 0, got ${tolerance}`);
  if (connectivity !== 4 && connectivity !== 8)
    throw new InvalidArgumentError(`floodFill: connectivity must be 4 or 8, got ${String(connectivity)}`);
  const { width, height } = image;
  const inside = new Uint8Array(width * height);
  const queue = new Int32Array(width * height);
  const limit = tolerance * tolerance;
  const steps =
    connectivity === 4
      ? [
          [1, 0],
          [-1, 0],
          [0, 1],
          [0, -1],
        ]
      : [
          [1, 0],
          [-1, 0],
          [0, 1],
          [0, -1],
          [1, 1],
          [1, -1],
          [-1, 1],
          [-1, -1],
        ];
  for (const seed of seeds) {
    const x0 = Math.floor(seed.x);
    const y0 = Math.floor(seed.y);
    if (!(x0 >= 0 && x0 < width && y0 >= 0 && y0 < height)) {
      throw new InvalidArgumentError(`floodFill: seed (${seed.x}, ${seed.y}) lies outside the ${width}×${height} image`);
    }
    const [r0, g0, b0] = rgbAt(image, y0 * width + x0);
    // Per-seed visited marks: a pixel another seed already took may still be a bridge for this one.
    const seen = new Uint8Array(width * height);
    let head = 0;
    let tail = 0;
    queue[tail++] = y0 * width + x0;
    seen[y0 * width + x0] = 1;
    while (head < tail) {
      const i = queue[head++] as number;
      inside[i] = 1;
      const x = i % width;
      const y = (i - x) / width;
      for (const [dx, dy] of steps as [number, number][]) {
        const nx = x + dx;
        const ny = y + dy;
        if (nx < 0 || nx >= width || ny < 0 || ny >= height) continue;
        const j = ny * width + nx;
        if (seen[j]) continue;
        seen[j] = 1;
        const [r, g, b] = rgbAt(image, j);
        if ((r - r0) ** 2 + (g - g0) ** 2 + (b - b0) ** 2 <= limit) queue[tail++] = j;
      }
    }
  }
  for (let i = 0; i < inside.length; i++) inside[i] = inside[i] ? 255 : 0;
  return { width, height, channels: 1, data: inside };
}
