import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gradient, makeTempDir, writeBombPng, writeJpeg, writePng } from '../test-utils/images.js';
import { DEFAULT_MAX_PIXELS, encodeImage, outputFormatForPath, readImage } from './image.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ dir, cleanup } = await makeTempDir());
});
afterAll(() => cleanup());

const px = (img: { width: number; data: ArrayLike<number> }, x: number, y: number) => {
  const i = (y * img.width + x) * 3;
  return [img.data[i], img.data[i + 1], img.data[i + 2]];
};

describe('readImage', () => {
  it('decodes a PNG to 8-bit RGB at its own size', async () => {
    const path = join(dir, 'plain.png');
    await writePng(path, 30, 20);
    const img = await readImage(path);
    expect([img.width, img.height, img.channels, img.data.length]).toEqual([30, 20, 3, 30 * 20 * 3]);
    expect(Buffer.from(img.data)).toEqual(gradient(30, 20));
  });

  it('composites alpha over white and returns 3 channels', async () => {
    const rgba = Buffer.alloc(4 * 4 * 4);
    for (let i = 0; i < 16; i++) rgba.set(i < 8 ? [255, 0, 0, 255] : [0, 0, 0, 0], i * 4);
    const path = join(dir, 'alpha.png');
    await sharp(rgba, { raw: { width: 4, height: 4, channels: 4 } })
      .png()
      .toFile(path);
    const img = await readImage(path);
    expect(img.channels).toBe(3);
    expect(px(img, 0, 0)).toEqual([255, 0, 0]); // opaque row kept
    expect(px(img, 0, 3)).toEqual([255, 255, 255]); // transparent black → white, not black
  });

  it('expands a single-channel greyscale PNG to RGB', async () => {
    const grey = Buffer.alloc(8 * 8, 77);
    const path = join(dir, 'grey.png');
    await sharp(grey, { raw: { width: 8, height: 8, channels: 1 } })
      .toColourspace('b-w')
      .png()
      .toFile(path);
    expect((await sharp(path).metadata()).channels).toBe(1);
    const img = await readImage(path);
    expect(img.channels).toBe(3);
    expect(px(img, 3, 3)).toEqual([77, 77, 77]);
  });

  it('reduces a 16-bit PNG to 8 bits', async () => {
    const path = join(dir, 'deep.png');
    await sharp({ create: { width: 5, height: 5, channels: 3, background: '#808080' } })
      .toColourspace('rgb16')
      .png()
      .toFile(path);
    expect((await sharp(path).metadata()).depth).toBe('ushort');
    const img = await readImage(path);
    expect(img.channels).toBe(3);
    expect(Math.abs(px(img, 2, 2)[0]! - 128)).toBeLessThanOrEqual(1);
  });

  it('applies EXIF orientation', async () => {
    const path = join(dir, 'rotated.jpg');
    await writeJpeg(path, 40, 20, 6); // stored landscape, displayed rotated 90° clockwise
    const img = await readImage(path);
    expect([img.width, img.height]).toEqual([20, 40]);
    // The stored top row (green 0) is the displayed right column after a clockwise turn.
    expect(px(img, 19, 20)[1]).toBeLessThan(40);
    expect(px(img, 0, 20)[1]).toBeGreaterThan(215);
  });

  it('reads WebP and encoded bytes from a Buffer', async () => {
    const webp = await sharp(gradient(16, 8), { raw: { width: 16, height: 8, channels: 3 } })
      .webp({ lossless: true })
      .toBuffer();
    const img = await readImage(webp);
    expect([img.width, img.height, img.channels]).toEqual([16, 8, 3]);
    expect(Buffer.from(img.data)).toEqual(gradient(16, 8));
  });

  it('accepts a PixelImage, flattening RGBA and expanding grey', async () => {
    const rgba = { width: 2, height: 1, channels: 4 as const, data: new Uint8Array([10, 20, 30, 255, 0, 0, 0, 0]) };
    const img = await readImage(rgba);
    expect(Array.from(img.data)).toEqual([10, 20, 30, 255, 255, 255]);
    const grey = await readImage({ width: 2, height: 1, channels: 1, data: new Uint8Array([5, 250]) });
    expect(Array.from(grey.data)).toEqual([5, 5, 5, 250, 250, 250]);
    await expect(readImage({ width: 2, height: 2, channels: 3, data: new Uint8Array(5) })).rejects.toThrow(
      /data has 5 bytes but 2×2×3 needs 12/,
    );
  });

  it('resizes so that the longer side is `size`, up or down; 0 keeps the size', async () => {
    const path = join(dir, 'resize.png');
    await writePng(path, 60, 30);
    const down = await readImage(path, { size: 20 });
    expect([down.width, down.height]).toEqual([20, 10]);
    const up = await readImage(path, { size: 120 });
    expect([up.width, up.height]).toEqual([120, 60]);
    const same = await readImage(path, { size: 0 });
    expect([same.width, same.height]).toEqual([60, 30]);
    await expect(readImage(path, { size: -1 })).rejects.toThrow(/size must be a whole number/);
    await expect(readImage(path, { size: 1.5 })).rejects.toThrow(/size must be a whole number/);
  });

  it('names a truncated JPEG as corrupt or truncated', async () => {
    const full = await sharp({
      create: { width: 128, height: 128, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 128, sigma: 40 } },
    })
      .jpeg()
      .toBuffer();
    for (const fraction of [0.05, 0.6]) {
      const path = join(dir, `truncated-${fraction}.jpg`);
      await writeFile(path, full.subarray(0, Math.floor(full.length * fraction)));
      await expect(readImage(path, { label: 'content image' })).rejects.toThrow(
        new RegExp(`^content image '${path.replace(/[.]/g, '\\.')}' is corrupt or truncated`),
      );
    }
  });

  it('rejects zero-byte, non-image, missing and directory inputs with a plain message', async () => {
    const empty = join(dir, 'empty.jpg');
    await writeFile(empty, '');
    await expect(readImage(empty)).rejects.toThrow(/is empty \(0 bytes\)$/);
    await expect(readImage(Buffer.alloc(0))).rejects.toThrow(/is empty \(0 bytes\)$/);

    const text = join(dir, 'text.jpg');
    await writeFile(text, 'this is not a JPEG\n');
    await expect(readImage(text)).rejects.toThrow(/is not an image format that can be read \(supported: JPEG, PNG, WebP/);

    await expect(readImage(join(dir, 'nope.png'))).rejects.toThrow(/nope\.png' does not exist$/);
    const sub = join(dir, 'a-dir.png');
    await mkdir(sub);
    await expect(readImage(sub)).rejects.toThrow(/is a directory, not an image file$/);
  });

  it('refuses images over the pixel limit before decoding them', async () => {
    const bomb = join(dir, 'bomb.png');
    await writeBombPng(bomb, 30000, 30000);
    const started = Date.now();
    await expect(readImage(bomb)).rejects.toThrow(/is 30000×30000 = 900\.0 MP, over the 100\.0 MP limit/);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(DEFAULT_MAX_PIXELS).toBe(100_000_000);

    const small = join(dir, 'limit.png');
    await writePng(small, 50, 40);
    await expect(readImage(small, { maxPixels: 1000 })).rejects.toThrow(/50×40 = 0\.002 MP, over the 0\.001 MP limit/);
    expect((await readImage(small, { maxPixels: 2000 })).width).toBe(50);
    expect((await readImage(small, { maxPixels: Infinity })).width).toBe(50);
    await expect(readImage(small, { maxPixels: 0 })).rejects.toThrow(/maxPixels must be a positive number/);
  });
});

describe('outputFormatForPath', () => {
  it('picks the format from the extension, case-insensitively', () => {
    expect(outputFormatForPath('a/b.png')).toBe('png');
    expect(outputFormatForPath('b.JPG')).toBe('jpeg');
    expect(outputFormatForPath('b.jpeg')).toBe('jpeg');
    expect(outputFormatForPath('b.webp')).toBe('webp');
  });
  it('names the unknown extension and the known ones', () => {
    expect(() => outputFormatForPath('out.bmp')).toThrow(
      "output 'out.bmp' has the extension '.bmp'; the format is chosen by extension, one of .png, .jpg, .jpeg, .webp",
    );
    expect(() => outputFormatForPath('out')).toThrow(/has no extension/);
  });
});

describe('encodeImage', () => {
  const image = { width: 12, height: 6, channels: 3 as const, data: new Uint8Array(gradient(12, 6)) };
  it('round-trips PNG exactly', async () => {
    const png = await encodeImage(image, 'png');
    expect(Buffer.from((await readImage(png)).data)).toEqual(gradient(12, 6));
  });
  it('writes JPEG and WebP that decode to the same size', async () => {
    for (const format of ['jpeg', 'webp'] as const) {
      const bytes = await encodeImage(image, format, { quality: 80 });
      expect((await sharp(bytes).metadata()).format).toBe(format);
      const back = await readImage(bytes);
      expect([back.width, back.height]).toEqual([12, 6]);
    }
  });
  it('rejects a bad quality', async () => {
    await expect(encodeImage(image, 'jpeg', { quality: 0 })).rejects.toThrow(/quality must be a whole number from 1 to 100/);
  });
});
