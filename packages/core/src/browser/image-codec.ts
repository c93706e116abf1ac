/**
 * Image bytes ⇄ PixelImage through the browser's own codecs: createImageBitmap to decode (any format the
 * browser reads: PNG, JPEG, WebP, GIF's first frame, …; EXIF orientation applied), a 2D canvas to scale and
 * to read or write pixels, and the canvas's PNG encoder. No image library needs bundling.
 *
 * Browser-only (pages, plugin iframes, Electron renderers). core compiles without the DOM library, so the
 * few canvas members used here are typed structurally below; the real DOM types fit them.
 */
import type { PixelImage } from '../pixels/image.js';

/** The members of a 2D context used here (CanvasRenderingContext2D and OffscreenCanvasRenderingContext2D fit). */
interface Context2D {
  imageSmoothingEnabled: boolean;
  imageSmoothingQuality: 'low' | 'medium' | 'high';
  drawImage(image: object, dx: number, dy: number, dw: number, dh: number): void;
  getImageData(sx: number, sy: number, sw: number, sh: number): { readonly data: Uint8ClampedArray<ArrayBuffer> };
  putImageData(image: object, dx: number, dy: number): void;
}

/** A canvas to paint into, such as an HTMLCanvasElement. */
export interface CanvasTarget {
  width: number;
  height: number;
  getContext(contextId: '2d', options?: { willReadFrequently?: boolean }): Context2D | null;
}

interface BlobLike {
  arrayBuffer(): Promise<ArrayBuffer>;
}

interface OffscreenCanvasLike extends CanvasTarget {
  convertToBlob(options: { type: string }): Promise<BlobLike>;
}

interface HtmlCanvasLike extends CanvasTarget {
  toBlob(callback: (blob: BlobLike | null) => void, type: string): void;
}

type AnyCanvas = OffscreenCanvasLike | HtmlCanvasLike;

interface BitmapLike {
  readonly width: number;
  readonly height: number;
  close(): void;
}

/** The browser globals used here, each looked up when needed (absent in Node). */
interface BrowserGlobals {
  createImageBitmap?: (
    image: Blob,
    options: { premultiplyAlpha: 'none'; colorSpaceConversion: ColorSpaceConversion },
  ) => Promise<BitmapLike>;
  OffscreenCanvas?: new (width: number, height: number) => OffscreenCanvasLike;
  document?: { createElement(tagName: 'canvas'): HtmlCanvasLike };
  ImageData: new (data: Uint8ClampedArray<ArrayBuffer>, width: number, height: number) => object;
}

const browser = (): BrowserGlobals => globalThis as unknown as BrowserGlobals;

function canvas2d(width: number, height: number): { canvas: AnyCanvas; context: Context2D } {
  // OffscreenCanvas where it exists (no layout cost); a detached <canvas> otherwise.
  // willReadFrequently keeps the canvas in CPU memory: getImageData is then a copy, not a GPU readback.
  const { OffscreenCanvas, document } = browser();
  if (typeof OffscreenCanvas === 'function') {
    const canvas = new OffscreenCanvas(width, height);
    const context = canvas.getContext('2d', { willReadFrequently: true });
    if (context !== null) return { canvas, context };
  }
  if (document === undefined) throw new Error('no 2D canvas here: @adaattn/core/browser needs a browser (OffscreenCanvas or document)');
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext('2d', { willReadFrequently: true });
  if (context === null) throw new Error('this browser gives no 2D canvas context');
  return { canvas, context };
}

/** The size `width`×`height` takes when its longer side is brought down to `maxSide` (never up; at least 1×1). */
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

/** createImageBitmap's colour handling: 'none' keeps the file's own values, 'default' lets the browser colour-manage them. */
export type ColorSpaceConversion = 'none' | 'default';

export interface DecodeImageOptions {
  /** Default 'none': uncorrected colours, so the model sees the values stored in the file. */
  readonly colorSpaceConversion?: ColorSpaceConversion;
}

/** Decodes image bytes to RGBA pixels, shrunk to at most `maxSide` a side when given. */
export async function decodeImage(
  bytes: Uint8Array | ArrayBuffer,
  maxSide?: number,
  options: DecodeImageOptions = {},
): Promise<DecodedImage> {
  const { createImageBitmap } = browser();
  if (typeof createImageBitmap !== 'function') throw new Error('no createImageBitmap here: @adaattn/core/browser needs a browser');
  let bitmap: BitmapLike;
  try {
    // Unpremultiplied alpha: colour values of translucent pixels are not rounded through a multiplication.
    bitmap = await createImageBitmap(new Blob([bytes]), {
      premultiplyAlpha: 'none',
      colorSpaceConversion: options.colorSpaceConversion ?? 'none',
    });
  } catch (error) {
    throw new Error(
      `the image could not be decoded (${error instanceof Error ? error.message : String(error)}): use a PNG, JPEG, WebP or GIF`,
    );
  }
  try {
    const size = maxSide === undefined ? { width: bitmap.width, height: bitmap.height } : fitWithin(bitmap.width, bitmap.height, maxSide);
    const { context } = canvas2d(size.width, size.height);
    context.imageSmoothingEnabled = true;
    context.imageSmoothingQuality = 'high';
    context.drawImage(bitmap, 0, 0, size.width, size.height);
    const { data } = context.getImageData(0, 0, size.width, size.height);
    return { image: { width: size.width, height: size.height, channels: 4, data }, sourceWidth: bitmap.width, sourceHeight: bitmap.height };
  } finally {
    bitmap.close();
  }
}

/** Expands grey or RGB pixels to the RGBA a canvas takes (RGBA is copied). */
export function toRgba(image: PixelImage): Uint8ClampedArray<ArrayBuffer> {
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

/** A canvas of the image's size holding its pixels. */
function canvasWith(image: PixelImage): AnyCanvas {
  const { canvas, context } = canvas2d(image.width, image.height);
  context.putImageData(new (browser().ImageData)(toRgba(image), image.width, image.height), 0, 0);
  return canvas;
}

/** Encodes pixels as PNG bytes (a Uint8Array over the whole of its own ArrayBuffer). */
export async function encodePng(image: PixelImage): Promise<Uint8Array<ArrayBuffer>> {
  const canvas = canvasWith(image);
  const failed = () => new Error(`the browser could not encode a ${image.width}×${image.height} PNG`);
  const blob =
    'convertToBlob' in canvas
      ? await canvas.convertToBlob({ type: 'image/png' })
      : await new Promise<BlobLike>((resolve, reject) => canvas.toBlob((b) => (b === null ? reject(failed()) : resolve(b)), 'image/png'));
  return new Uint8Array(await blob.arrayBuffer());
}

/** Paints pixels into a visible canvas (a thumbnail), fitted to `maxSide`; the canvas takes the fitted size. */
export function drawThumbnail(target: CanvasTarget, image: PixelImage, maxSide: number): void {
  const source = canvasWith(image);
  const size = fitWithin(image.width, image.height, maxSide);
  target.width = size.width;
  target.height = size.height;
  target.getContext('2d')?.drawImage(source, 0, 0, size.width, size.height);
}
