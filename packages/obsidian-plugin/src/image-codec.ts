/**
 * Image bytes ⇄ core's PixelImage, with the browser's own decoders and a canvas (the renderer has them;
 * no image library needs bundling). An interface, so the plugin's logic can be tested without a canvas.
 */
import type { PixelImage } from '@adaattn/core';

export interface ImageCodec {
  /** Decodes any format the renderer can (PNG, JPEG, WebP, GIF's first frame, …), scaled down to fit `maxSide`. */
  decode(bytes: ArrayBuffer, maxSide: number): Promise<PixelImage>;
  encodePng(image: PixelImage): Promise<ArrayBuffer>;
}

/** The size `width`×`height` takes when its longest side is brought down to `maxSide` (never up). */
export function fitWithin(width: number, height: number, maxSide: number): { width: number; height: number } {
  const scale = Math.min(1, maxSide / Math.max(width, height));
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

export class CanvasCodec implements ImageCodec {
  async decode(bytes: ArrayBuffer, maxSide: number): Promise<PixelImage> {
    // createImageBitmap applies EXIF orientation, so phone photos come out upright.
    const bitmap = await createImageBitmap(new Blob([bytes]));
    try {
      const { width, height } = fitWithin(bitmap.width, bitmap.height, maxSide);
      const ctx = context2d(width, height);
      ctx.imageSmoothingEnabled = true;
      ctx.imageSmoothingQuality = 'high';
      ctx.drawImage(bitmap, 0, 0, width, height);
      return { width, height, channels: 4, data: ctx.getImageData(0, 0, width, height).data };
    } finally {
      bitmap.close();
    }
  }

  async encodePng(image: PixelImage): Promise<ArrayBuffer> {
    const ctx = context2d(image.width, image.height);
    ctx.putImageData(new ImageData(toRgba(image), image.width, image.height), 0, 0);
    const blob = await new Promise<Blob | null>((resolve) => ctx.canvas.toBlob(resolve, 'image/png'));
    if (blob === null) throw new Error(`the renderer could not encode a ${image.width}×${image.height} PNG`);
    return blob.arrayBuffer();
  }
}

function context2d(width: number, height: number): CanvasRenderingContext2D {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  // willReadFrequently keeps the canvas in CPU memory: getImageData is then a copy, not a GPU readback.
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (ctx === null) throw new Error('the renderer gave no 2D canvas context');
  return ctx;
}

/** ImageData wants RGBA; core returns RGB (or RGBA when the content had alpha). */
function toRgba(image: PixelImage): Uint8ClampedArray<ArrayBuffer> {
  const { width, height, channels, data } = image;
  const out = new Uint8ClampedArray(width * height * 4);
  if (channels === 4) {
    out.set(data);
    return out;
  }
  for (let i = 0, j = 0; i < width * height; i++, j += channels) {
    out[i * 4] = data[j] as number;
    out[i * 4 + 1] = data[channels === 1 ? j : j + 1] as number;
    out[i * 4 + 2] = data[channels === 1 ? j : j + 2] as number;
    out[i * 4 + 3] = 255;
  }
  return out;
}
