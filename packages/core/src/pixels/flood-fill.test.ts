import { describe, expect, it } from 'vitest';
import type { PixelImage } from './image.js';
import { floodFill } from './flood-fill.js';
import { countInside, resizeMask, toBinaryMask } from './mask.js';

/** 10×6 RGB: a red square (x 1..4, y 1..4) on grey, a red blob at x 8, and a diagonal-only red pixel at (5, 5). */
function picture(): PixelImage {
  const width = 10;
  const height = 6;
  const data = new Uint8Array(width * height * 3).fill(128);
  const paint = (x: number, y: number, rgb: [number, number, number]) => data.set(rgb, (y * width + x) * 3);
  for (let y = 1; y <= 4; y++) for (let x = 1; x <= 4; x++) paint(x, y, [220, 20 + x * 3, 30]);
  paint(8, 2, [220, 25, 30]);
  paint(5, 5, [220, 25, 30]);
  return { width, height, channels: 3, data };
}

describe('floodFill', () => {
  it('grows over connected pixels of similar colour and stops at edges', () => {
    const mask = toBinaryMask(floodFill(picture(), [{ x: 2, y: 2 }]));
    expect(countInside(mask)).toBe(16);
    expect(mask.data[2 * 10 + 8]).toBe(0); // same colour, not connected
    expect(mask.data[5 * 10 + 5]).toBe(0); // touches the square only by a corner
  });

  it('8-connectivity crosses corners; several seeds give the union; tolerance widens the region', () => {
    expect(countInside(toBinaryMask(floodFill(picture(), [{ x: 2, y: 2 }], { connectivity: 8 })))).toBe(17);
    expect(
      countInside(
        toBinaryMask(
          floodFill(picture(), [
            { x: 2, y: 2 },
            { x: 8, y: 2 },
          ]),
        ),
      ),
    ).toBe(17);
    expect(countInside(toBinaryMask(floodFill(picture(), [{ x: 0, y: 0 }], { tolerance: 0 })))).toBe(60 - 18);
    expect(countInside(toBinaryMask(floodFill(picture(), [{ x: 0, y: 0 }], { tolerance: 255 })))).toBe(60);
  });

  it('refuses seeds outside the image and bad options', () => {
    expect(() => floodFill(picture(), [{ x: 10, y: 0 }])).toThrow(/outside the 10×6 image/);
    expect(() => floodFill(picture(), [{ x: 0, y: 0 }], { tolerance: -1 })).toThrow(/tolerance/);
  });
});

describe('masks', () => {
  it('white is inside (grey level ≥ 128, RGB averaged); nearest resizing as PyTorch', () => {
    const rgb: PixelImage = { width: 3, height: 1, channels: 3, data: Uint8Array.from([255, 255, 255, 127, 127, 127, 200, 100, 90]) };
    expect([...toBinaryMask(rgb).data]).toEqual([1, 0, 1]);
    const grey: PixelImage = { width: 2, height: 2, channels: 1, data: Uint8Array.from([255, 0, 0, 255]) };
    const big = resizeMask(toBinaryMask(grey), 4, 4);
    expect([...big.data]).toEqual([1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0, 1, 1]);
    expect([...resizeMask(big, 2, 2).data]).toEqual([1, 0, 0, 1]);
  });
});
