import { describe, expect, it } from 'vitest';
import { FakeFigma } from '../test-utils/fake-figma.js';
import { RESULT_GAP, SOURCE_KEY } from './limits.js';
import { placeResult, resultName, resultPosition, type SourceInfo } from './place-result.js';

const source: SourceInfo = { id: '1:5', name: 'Card', bounds: { x: 100, y: 50, width: 80, height: 60 } };
const image = { png: new Uint8Array([1, 2, 3]), width: 160, height: 120, styleName: 'wave' };

describe('placeResult', () => {
  it('creates an image-filled rectangle the size of the original, beside it, named after the style', () => {
    const figma = new FakeFigma();
    const layer = placeResult(figma, source, image, 'beside');
    expect(figma.rectangles).toEqual([layer]);
    expect(layer).toMatchObject({ name: 'wave — Card', x: 100 + 80 + RESULT_GAP, y: 50, width: 80, height: 60 });
    expect(layer.fills).toEqual([{ type: 'IMAGE', imageHash: 'img1', scaleMode: 'FILL' }]);
    expect(figma.images.get('img1')).toEqual(image.png);
    expect(figma.rectangles[0]?.getPluginData(SOURCE_KEY)).toBe('1:5');
  });

  it('places over the original when asked', () => {
    const figma = new FakeFigma();
    expect(placeResult(figma, source, image, 'over')).toMatchObject({ x: 100, y: 50 });
  });

  it('lines up later results for the same original instead of stacking them', () => {
    const figma = new FakeFigma();
    const first = placeResult(figma, source, image, 'beside');
    const second = placeResult(figma, source, { ...image, styleName: 'udnie' }, 'beside');
    expect(second.x).toBe(first.x + 80 + RESULT_GAP);
    // Results of other originals do not push it.
    const other = placeResult(figma, { ...source, id: '1:6' }, image, 'beside');
    expect(other.x).toBe(first.x);
  });

  it('refuses images over Figma’s limit before createImage does', () => {
    const figma = new FakeFigma();
    expect(() => placeResult(figma, source, { ...image, width: 5000 }, 'beside')).toThrow(/5000×120 px, over Figma's 4096 px limit/);
    expect(figma.rectangles).toEqual([]);
  });

  it('names and positions with pure helpers', () => {
    expect(resultName('rain_princess', 'Frame 1')).toBe('rain_princess — Frame 1');
    expect(resultPosition(source, 'beside', [])).toEqual({ x: 220, y: 50 });
  });
});
