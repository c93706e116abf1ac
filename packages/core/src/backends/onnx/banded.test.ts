import { describe, expect, it } from 'vitest';
import { bandRanges, sliceAxis } from './banded.js';

describe('band helpers', () => {
  it('splits rows into bands aligned to 16 when they are long enough, else into single rows', () => {
    expect(bandRanges(100, 3, 16)).toEqual([
      [0, 48],
      [48, 96],
      [96, 100],
    ]);
    expect(bandRanges(5, 8, 16)).toEqual([
      [0, 1],
      [1, 2],
      [2, 3],
      [3, 4],
      [4, 5],
    ]);
    expect(bandRanges(10, 1)).toEqual([[0, 10]]);
  });

  it('slices one axis of row-major data', () => {
    const data = Float32Array.from({ length: 2 * 3 * 4 }, (_, i) => i);
    expect([...sliceAxis(data, [2, 3, 4], 1, [1, 3])]).toEqual([4, 5, 6, 7, 8, 9, 10, 11, 16, 17, 18, 19, 20, 21, 22, 23]);
    expect([...sliceAxis(data, [2, 3, 4], 2, [3, 4])]).toEqual([3, 7, 11, 15, 19, 23]);
  });
});
