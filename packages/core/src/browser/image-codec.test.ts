/**
 * The codec's arithmetic, and its canvas plumbing against minimal stand-ins for the browser globals (Node
 * has none). The real canvas paths run in the plugins' headless-Chromium tests.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { PixelImage } from '../pixels/image.js';
import { decodeImage, drawThumbnail, encodePng, fitWithin, toRgba } from './image-codec.js';

describe('fitWithin', () => {
  it('brings the longer side down to maxSide, keeping the aspect ratio', () => {
    expect(fitWithin(1000, 500, 100)).toEqual({ width: 100, height: 50 });
    expect(fitWithin(300, 1200, 400)).toEqual({ width: 100, height: 400 });
    expect(fitWithin(333, 1000, 100)).toEqual({ width: 33, height: 100 });
  });

  it('never enlarges', () => {
    expect(fitWithin(64, 48, 512)).toEqual({ width: 64, height: 48 });
    expect(fitWithin(512, 512, 512)).toEqual({ width: 512, height: 512 });
  });

  it('keeps at least one pixel a side', () => {
    expect(fitWithin(10_000, 3, 100)).toEqual({ width: 100, height: 1 });
  });
});

describe('toRgba', () => {
  it('copies RGBA', () => {
    const data = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);
    const out = toRgba({ width: 2, height: 1, channels: 4, data });
    expect([...out]).toEqual([...data]);
    expect(out.buffer).not.toBe(data.buffer);
  });

  it('adds opaque alpha to RGB', () => {
    expect([...toRgba({ width: 2, height: 1, channels: 3, data: new Uint8Array([1, 2, 3, 4, 5, 6]) })]).toEqual([
      1, 2, 3, 255, 4, 5, 6, 255,
    ]);
  });

  it('spreads grey over R, G and B', () => {
    expect([...toRgba({ width: 1, height: 2, channels: 1, data: new Uint8Array([7, 9]) })]).toEqual([7, 7, 7, 255, 9, 9, 9, 255]);
  });
});

/** A 2D context that keeps what is put into it and reports what is drawn. */
class FakeContext {
  imageSmoothingEnabled = false;
  imageSmoothingQuality: 'low' | 'medium' | 'high' = 'low';
  pixels: Uint8ClampedArray<ArrayBuffer> | undefined;
  readonly draws: unknown[][] = [];
  constructor(readonly canvas: { width: number; height: number }) {}
  drawImage(...args: unknown[]): void {
    this.draws.push(args);
  }
  getImageData(_x: number, _y: number, w: number, h: number): { data: Uint8ClampedArray<ArrayBuffer> } {
    return { data: new Uint8ClampedArray(w * h * 4).fill(this.draws.length) };
  }
  putImageData(image: { data: Uint8ClampedArray<ArrayBuffer> }): void {
    this.pixels = image.data;
  }
}

const contexts: FakeContext[] = [];

class FakeCanvas {
  readonly context: FakeContext;
  constructor(
    public width = 0,
    public height = 0,
  ) {
    this.context = new FakeContext(this);
    contexts.push(this.context);
  }
  getContext(id: string, options?: { willReadFrequently?: boolean }): FakeContext | null {
    expect(id).toBe('2d');
    expect(options?.willReadFrequently ?? true).toBe(true);
    return this.context;
  }
}

/** A "PNG" of the pixels put into the canvas. */
const fakeBlob = (context: FakeContext) => ({ arrayBuffer: async () => new Uint8Array(context.pixels ?? []).buffer });

class FakeOffscreenCanvas extends FakeCanvas {
  async convertToBlob(options: { type: string }) {
    expect(options.type).toBe('image/png');
    return fakeBlob(this.context);
  }
}

class FakeHtmlCanvas extends FakeCanvas {
  blobFails = false;
  toBlob(callback: (blob: unknown) => void, type: string): void {
    expect(type).toBe('image/png');
    callback(this.blobFails ? null : fakeBlob(this.context));
  }
}

class FakeImageData {
  constructor(
    readonly data: Uint8ClampedArray<ArrayBuffer>,
    readonly width: number,
    readonly height: number,
  ) {}
}

function stubBrowser({ offscreen = true, htmlCanvas = () => new FakeHtmlCanvas() } = {}): void {
  contexts.length = 0;
  if (offscreen) vi.stubGlobal('OffscreenCanvas', FakeOffscreenCanvas);
  vi.stubGlobal('document', { createElement: (tag: string) => (tag === 'canvas' ? htmlCanvas() : undefined) });
  vi.stubGlobal('ImageData', FakeImageData);
}

const rgb: PixelImage = { width: 2, height: 1, channels: 3, data: new Uint8Array([10, 20, 30, 40, 50, 60]) };

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('decodeImage', () => {
  function stubBitmap(width: number, height: number) {
    const bitmap = { width, height, close: vi.fn() };
    const create = vi.fn(async (blob: Blob, _options: unknown) => {
      expect(blob.size).toBe(3);
      return bitmap;
    });
    vi.stubGlobal('createImageBitmap', create);
    return { bitmap, create };
  }

  it('draws the bitmap at the fitted size and reads RGBA back, reporting the source size', async () => {
    stubBrowser();
    const { bitmap, create } = stubBitmap(400, 200);
    const decoded = await decodeImage(new Uint8Array([1, 2, 3]), 100);
    expect(create.mock.calls[0]?.[1]).toEqual({ premultiplyAlpha: 'none', colorSpaceConversion: 'none' });
    expect(decoded.sourceWidth).toBe(400);
    expect(decoded.sourceHeight).toBe(200);
    expect(decoded.image).toMatchObject({ width: 100, height: 50, channels: 4 });
    expect(decoded.image.data.length).toBe(100 * 50 * 4);
    const [context] = contexts;
    expect(context?.canvas).toBeInstanceOf(FakeOffscreenCanvas);
    expect(context?.draws).toEqual([[bitmap, 0, 0, 100, 50]]);
    expect(context?.imageSmoothingEnabled).toBe(true);
    expect(context?.imageSmoothingQuality).toBe('high');
    expect(bitmap.close).toHaveBeenCalledOnce();
  });

  it('keeps the full size without maxSide, takes an ArrayBuffer and passes the colour option on', async () => {
    stubBrowser({ offscreen: false });
    const { create } = stubBitmap(30, 20);
    const decoded = await decodeImage(new Uint8Array([1, 2, 3]).buffer, undefined, { colorSpaceConversion: 'default' });
    expect(create.mock.calls[0]?.[1]).toEqual({ premultiplyAlpha: 'none', colorSpaceConversion: 'default' });
    expect(decoded.image).toMatchObject({ width: 30, height: 20 });
    expect(contexts[0]?.canvas).toBeInstanceOf(FakeHtmlCanvas);
  });

  it('says which formats to use when the browser cannot decode the bytes', async () => {
    stubBrowser();
    vi.stubGlobal('createImageBitmap', async () => {
      throw new Error('The source image could not be decoded.');
    });
    await expect(decodeImage(new Uint8Array([1, 2, 3]))).rejects.toThrow(
      'the image could not be decoded (The source image could not be decoded.): use a PNG, JPEG, WebP or GIF',
    );
  });

  it('closes the bitmap when the canvas fails', async () => {
    stubBrowser({ offscreen: false, htmlCanvas: () => Object.assign(new FakeHtmlCanvas(), { getContext: () => null }) });
    const { bitmap } = stubBitmap(4, 4);
    await expect(decodeImage(new Uint8Array([1, 2, 3]))).rejects.toThrow('this browser gives no 2D canvas context');
    expect(bitmap.close).toHaveBeenCalledOnce();
  });

  it('says that it needs a browser', async () => {
    await expect(decodeImage(new Uint8Array([1, 2, 3]))).rejects.toThrow('needs a browser');
  });
});

describe('encodePng', () => {
  it('puts the RGBA pixels into an OffscreenCanvas and returns its PNG bytes', async () => {
    stubBrowser();
    const png = await encodePng(rgb);
    expect([...png]).toEqual([10, 20, 30, 255, 40, 50, 60, 255]);
    expect(png.byteLength).toBe(png.buffer.byteLength);
    expect(contexts[0]?.canvas).toMatchObject({ width: 2, height: 1 });
  });

  it('falls back to a <canvas> and its toBlob', async () => {
    stubBrowser({ offscreen: false });
    expect([...(await encodePng(rgb))]).toEqual([10, 20, 30, 255, 40, 50, 60, 255]);
    expect(contexts[0]?.canvas).toBeInstanceOf(FakeHtmlCanvas);
  });

  it('reports a canvas that gives no PNG', async () => {
    stubBrowser({ offscreen: false, htmlCanvas: () => Object.assign(new FakeHtmlCanvas(), { blobFails: true }) });
    await expect(encodePng(rgb)).rejects.toThrow('the browser could not encode a 2×1 PNG');
  });
});

describe('drawThumbnail', () => {
  it('sizes the target to fit and draws the pixels into it', () => {
    stubBrowser();
    const image: PixelImage = { width: 300, height: 150, channels: 4, data: new Uint8Array(300 * 150 * 4) };
    const target = new FakeCanvas();
    drawThumbnail(target, image, 100);
    expect(target).toMatchObject({ width: 100, height: 50 });
    const source = contexts[1]; // contexts[0] is the target's
    expect(source?.pixels?.length).toBe(300 * 150 * 4);
    expect(target.context.draws).toEqual([[source?.canvas, 0, 0, 100, 50]]);
  });
});
