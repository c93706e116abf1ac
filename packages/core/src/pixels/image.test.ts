import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors.js';
import { checkPixelImage, floatToPixels, pixelsToFloat } from './image.js';

describe('pixel conversion', () => {
  it('HWC 8-bit → NCHW float in [0,1], grey expanded, alpha dropped', () => {
    const rgba = { width: 2, height: 1, channels: 4 as const, data: Uint8Array.from([255, 0, 51, 9, 0, 255, 102, 9]) };
    expect(pixelsToFloat(rgba)).toEqual({ shape: [1, 3, 1, 2], data: Float32Array.from([1, 0, 0, 1, 0.2, 0.4]) });
    const grey = { width: 2, height: 1, channels: 1 as const, data: Uint8Array.from([0, 255]) };
    expect([...pixelsToFloat(grey).data]).toEqual([0, 1, 0, 1, 0, 1]);
  });

  it('float → 8-bit clamps, rounds, maps NaN to 0 and carries alpha', () => {
    const img = { shape: [1, 3, 1, 2], data: Float32Array.from([-0.5, 1.5, 0.5, NaN, 0.2, 1]) };
    const out = floatToPixels(img);
    expect(out.channels).toBe(3);
    expect([...out.data]).toEqual([0, 128, 51, 255, 0, 255]);
    const alpha = { width: 2, height: 1, channels: 4 as const, data: Uint8Array.from([0, 0, 0, 17, 0, 0, 0, 200]) };
    expect([...floatToPixels(img, alpha).data]).toEqual([0, 128, 51, 17, 255, 0, 255, 200]);
  });

  it('names what is wrong with an image', () => {
    expect(() => checkPixelImage({ width: 2, height: 2, channels: 3, data: new Uint8Array(11) }, 'content')).toThrow(
      /content.*12 bytes.*length 11/,
    );
    expect(() => checkPixelImage({ width: 0, height: 2, channels: 3, data: new Uint8Array(0) }, 'style')).toThrow(InvalidArgumentError);
    expect(() => checkPixelImage({ width: 1, height: 1, channels: 2 as 3, data: new Uint8Array(2) }, 'style')).toThrow(
      /channels must be 1/,
    );
  });
});
