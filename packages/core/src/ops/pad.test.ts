import { describe, expect, it } from 'vitest';
import { createReferenceBackend } from '../backends/ref-cpu/index.js';
import { reflectPadTo } from './pad.js';

describe('reflectPadTo', () => {
  const b = createReferenceBackend();
  const run = async (data: number[], shape: number[], h: number, w: number) => {
    const x = b.upload(Float32Array.from(data), shape);
    const y = reflectPadTo(b, x, h, w);
    const out = { shape: y.shape, data: [...(await b.read(y))] };
    x.dispose();
    y.dispose();
    return out;
  };

  it('pads bottom and right by reflection', async () => {
    expect(await run([1, 2, 3, 4, 5, 6], [1, 1, 2, 3], 3, 4)).toEqual({ shape: [1, 1, 3, 4], data: [1, 2, 3, 2, 4, 5, 6, 5, 1, 2, 3, 2] });
  });

  it('pads beyond the axis length in rounds', async () => {
    // [1,2,3] → [1,2,3,2,1] → [1,2,3,2,1,2,3]
    expect((await run([1, 2, 3], [1, 1, 1, 3], 1, 7)).data).toEqual([1, 2, 3, 2, 1, 2, 3]);
  });

  it('repeats an axis of length 1', async () => {
    expect(await run([7, 8], [1, 2, 1, 1], 3, 2)).toEqual({ shape: [1, 2, 3, 2], data: [7, 7, 7, 7, 7, 7, 8, 8, 8, 8, 8, 8] });
  });

  it('returns a new tensor even when no padding is needed, and leaks nothing', async () => {
    const before = b.memory().tensors;
    expect((await run([1, 2], [1, 1, 1, 2], 1, 2)).data).toEqual([1, 2]);
    expect(b.memory().tensors).toBe(before);
  });
});
