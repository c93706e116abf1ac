/**
 * The parity fixtures' seeded weights: the TS generator rebuilds, bit for bit, what the Python generator
 * (tools/reference/make_parity_fixtures.py) used, and a few of those tensors written by torch.save in both
 * official layouts read back identically.
 */
import { describe, expect, it } from 'vitest';
import { validateImageWeights } from '../model/validate.js';
import { readPth } from '../weights/pth.js';
import type { WeightMap } from '../weights/types.js';
import { parityManifest, readParityFile, seededWeights, sha256OfFloats } from './test-utils/fixtures.js';
import { fmix32, fnv1a32, seededTensorData } from './test-utils/seeded.js';

describe('seeded parity weights', () => {
  it('the generator is the one the Python side implements (known values)', () => {
    // Spot values computed with make_parity_fixtures.py's fmix32 / fnv1a32 / seeded_uniform.
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fmix32(1)).toBe(0x514e28b7);
    expect([...seededTensorData('encoder/0.weight', 20240601, 4, 1)]).toEqual([
      0.7135534286499023, -0.9705890417098999, -0.12181353569030762, -0.6868618726730347,
    ]);
  });

  it('rebuilds every tensor of the whole image model with the sha256 the Python generator recorded', () => {
    const weights = seededWeights(); // throws naming the first tensor whose bytes differ
    expect(() => validateImageWeights(weights)).not.toThrow();
    const count = parityManifest().weightSets.seeded.tensors.length;
    const total = [weights.encoder, weights.transformer, weights.adaattn3, weights.decoder].reduce((n, m) => n + m.size, 0);
    expect(total).toBe(count);
  });

  it('torch.save wrote some of them in both official .pth layouts; the reader gives the same floats', () => {
    const weights = seededWeights();
    for (const [file, spec] of Object.entries(parityManifest().weightSets.seeded.pth)) {
      const contents = readPth(readParityFile(file), { file });
      expect(contents.format, file).toBe(spec.format);
      expect([...contents.tensors.keys()], file).toEqual(spec.keys);
      const component = (weights as unknown as Record<string, WeightMap>)[spec.component] as WeightMap;
      for (const key of spec.keys) {
        const want = component.get(key);
        const got = contents.tensors.get(key);
        expect(got?.shape, `${file} ${key}`).toEqual(want?.shape);
        expect(sha256OfFloats(got?.data ?? new Float32Array()), `${file} ${key}`).toBe(sha256OfFloats(want?.data ?? new Float32Array(1)));
      }
    }
  });
});
