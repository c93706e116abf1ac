/**
 * Image bytes ⇄ core's PixelImage, with the browser's own decoders and a canvas (the renderer has them;
 * no image library needs bundling): core's browser codec behind an interface, so the plugin's logic can be
 * tested without a canvas.
 */
import type { PixelImage } from '@adaattn/core';
import { decodeImage, encodePng } from '@adaattn/core/browser';

export interface ImageCodec {
  /** Decodes any format the renderer can (PNG, JPEG, WebP, GIF's first frame, …), scaled down to fit `maxSide`. */
  decode(bytes: ArrayBuffer, maxSide: number): Promise<PixelImage>;
  encodePng(image: PixelImage): Promise<ArrayBuffer>;
}

export class CanvasCodec implements ImageCodec {
  async decode(bytes: ArrayBuffer, maxSide: number): Promise<PixelImage> {
    // createImageBitmap's default colour handling (the renderer converts tagged images to the canvas's sRGB);
    // EXIF orientation is applied, so phone photos come out upright.
    return (await decodeImage(bytes, maxSide, { colorSpaceConversion: 'default' })).image;
  }

  async encodePng(image: PixelImage): Promise<ArrayBuffer> {
    // core's PNG bytes span their whole ArrayBuffer.
    return (await encodePng(image)).buffer;
  }
}
