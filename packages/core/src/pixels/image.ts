/**
 * 8-bit images in and out of the model's float NCHW RGB in [0, 1].
 */
import { InvalidArgumentError } from '../errors.js';
import type { HostTensor } from '../tensor/types.js';
import { formatShape } from '../tensor/types.js';

/** HWC, 8 bits per sample, rows without padding. Grey is expanded to RGB; alpha is ignored by the model. */
export interface PixelImage {
  readonly width: number;
  readonly height: number;
  readonly channels: 1 | 3 | 4;
  readonly data: Uint8Array | Uint8ClampedArray;
}

export function isPixelImage(value: unknown): value is PixelImage {
  return typeof value === 'object' && value !== null && 'width' in value && 'height' in value && 'data' in value && !('shape' in value);
}

export function checkPixelImage(image: PixelImage, what: string): void {
  const { width, height, channels, data } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new InvalidArgumentError(`${what}: width and height must be positive integers, got ${width}×${height}`);
  }
  if (channels !== 1 && channels !== 3 && channels !== 4) {
    throw new InvalidArgumentError(`${what}: channels must be 1 (grey), 3 (RGB) or 4 (RGBA), got ${String(channels)}`);
  }
  if (!(data instanceof Uint8Array || data instanceof Uint8ClampedArray) || data.length !== width * height * channels) {
    throw new InvalidArgumentError(
      `${what}: data must be a Uint8Array or Uint8ClampedArray of width·height·channels = ${width * height * channels} bytes (HWC), ` +
        `got ${data?.constructor?.name ?? typeof data} of length ${(data as { length?: number })?.length}`,
    );
  }
}

/** A float RGB image [1,3,H,W]; checks shape and size. */
export function checkFloatImage(image: HostTensor, what: string): [number, number] {
  const [n, c, h, w] = image.shape as [number, number, number, number];
  if (image.shape.length !== 4 || n !== 1 || c !== 3 || !(h >= 1 && w >= 1) || image.data.length !== 3 * h * w) {
    throw new InvalidArgumentError(
      `${what}: expected a float RGB image of shape [1, 3, H, W] with 3·H·W values, got shape ${formatShape(image.shape)} with ${image.data.length} values`,
    );
  }
  return [h, w];
}

/** HWC 8-bit → [1,3,H,W] float in [0,1]. */
export function pixelsToFloat(image: PixelImage): HostTensor {
  const { width, height, channels, data } = image;
  const plane = width * height;
  const out = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) out[c * plane + i] = (data[i * channels + (channels === 1 ? 0 : c)] as number) / 255;
  }
  return { shape: [1, 3, height, width], data: out };
}

/**
 * [1,3,H,W] float → HWC 8-bit, clamped to [0,1] and rounded. With `alphaFrom` (an RGBA input of the same
 * size), the result is RGBA carrying that alpha.
 */
export function floatToPixels(image: HostTensor, alphaFrom?: PixelImage): PixelImage {
  const [, , height, width] = image.shape as [number, number, number, number];
  const plane = width * height;
  const channels = alphaFrom?.channels === 4 ? 4 : 3;
  const data = new Uint8ClampedArray(plane * channels);
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) {
      const v = image.data[c * plane + i] as number;
      data[i * channels + c] = v > 0 ? Math.round(Math.min(v, 1) * 255) : 0; // NaN → 0
    }
    if (channels === 4) data[i * 4 + 3] = (alphaFrom as PixelImage).data[i * 4 + 3] as number;
  }
  return { width, height, channels, data };
}
