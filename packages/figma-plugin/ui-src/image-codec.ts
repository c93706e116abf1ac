/**
 * PNG (or any browser-decodable image) bytes ↔ core's PixelImage, through the browser's own codecs:
 * createImageBitmap to decode and resize, a 2D canvas to read and write pixels, canvas PNG encoding.
 */
import type { PixelImage } from '@adaattn/core';

type Canvas2D = { canvas: OffscreenCanvas | HTMLCanvasElement; context: OffscreenCanvasRenderingContext2D | CanvasRenderingContext2D };

function canvas2d(width: number, height: number): Canvas2D {
  // OffscreenCanvas where it exists (no layout cost); a detached <canvas> otherwise.
  if (typeof OffscreenCanvas === 'function') {
    const canvas = new OffscreenCanvas(width, height);
    const context = canvas.getContext('2d', { willReadFrequently: true });
    if (context !== null) return { canvas, context };
  }
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext('2d', { willReadFrequently: true });
  if (context === null) throw new Error('this browser gives no 2D canvas context');
  return { canvas, context };
}

/** The size that fits `width`×`height` into `maxSide` on its long side (never enlarges). */
export function fitWithin(width: number, height: number, maxSide: number): { width: number; height: number } {
  const scale = Math.min(1, maxSide / Math.max(width, height));
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

export interface DecodedImage {
  readonly image: PixelImage;
  /** The file's own size, before any shrinking. */
  readonly sourceWidth: number;
  readonly sourceHeight: number;
}

/** Decodes image bytes to RGBA pixels, shrunk to at most `maxSide` a side when given. */
export async function decodeImage(bytes: Uint8Array, maxSide?: number): Promise<DecodedImage> {
  // Uncorrected colours and unpremultiplied alpha: the model sees the file's own values.
  const options: ImageBitmapOptions = { premultiplyAlpha: 'none', colorSpaceConversion: 'none' };
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(new Blob([bytes as Uint8Array<ArrayBuffer>]), options);
  } catch (error) {
    throw new Error(`the image could not be decoded (${error instanceof Error ? error.message : String(error)}): use a PNG, JPEG, WebP or GIF`);
  }
  try {
    const size = maxSide === undefined ? { width: bitmap.width, height: bitmap.height } : fitWithin(bitmap.width, bitmap.height, maxSide);
    const { context } = canvas2d(size.width, size.height);
    context.imageSmoothingQuality = 'high';
    context.drawImage(bitmap, 0, 0, size.width, size.height);
    const { data } = context.getImageData(0, 0, size.width, size.height);
    return { image: { width: size.width, height: size.height, channels: 4, data }, sourceWidth: bitmap.width, sourceHeight: bitmap.height };
  } finally {
    bitmap.close();
  }
}

/** Expands grey or RGB pixels to the RGBA a canvas takes. */
export function toRgba(image: PixelImage): Uint8ClampedArray<ArrayBuffer> {
  const { width, height, channels, data } = image;
  const out = new Uint8ClampedArray(width * height * 4);
  if (channels === 4) {
    out.set(data);
    return out;
  }
  for (let i = 0, j = 0; i < width * height; i++, j += channels) {
    const r = data[j] as number;
    out[i * 4] = r;
    out[i * 4 + 1] = channels === 1 ? r : (data[j + 1] as number);
    out[i * 4 + 2] = channels === 1 ? r : (data[j + 2] as number);
    out[i * 4 + 3] = 255;
  }
  return out;
}

/** Encodes pixels as PNG bytes. */
export async function encodePng(image: PixelImage): Promise<Uint8Array> {
  const { canvas, context } = canvas2d(image.width, image.height);
  context.putImageData(new ImageData(toRgba(image), image.width, image.height), 0, 0);
  const blob = 'convertToBlob' in canvas
    ? await canvas.convertToBlob({ type: 'image/png' })
    : await new Promise<Blob>((resolve, reject) => canvas.toBlob((b) => (b === null ? reject(new Error('PNG encoding failed')) : resolve(b)), 'image/png'));
  return new Uint8Array(await blob.arrayBuffer());
}

/** Paints pixels into a visible canvas (style thumbnails), fitted to `maxSide`. */
export function drawThumbnail(target: HTMLCanvasElement, image: PixelImage, maxSide: number): void {
  const { canvas, context } = canvas2d(image.width, image.height);
  context.putImageData(new ImageData(toRgba(image), image.width, image.height), 0, 0);
  const size = fitWithin(image.width, image.height, maxSide);
  target.width = size.width;
  target.height = size.height;
  const ctx = target.getContext('2d');
  ctx?.drawImage(canvas, 0, 0, size.width, size.height);
}
