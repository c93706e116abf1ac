import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { expectClose, randomTensor } from '../tensor/test-utils/compare.js';
import type { HostTensor } from '../tensor/types.js';
import { readSafetensors } from '../weights/safetensors.js';
import { anchorColorMeans, channelMeans, chroma, colorMoments, luminance, matchColors, transferLuminance } from './color.js';
import { applyToEigenvalues3, multiply3, symmetricEigen3 } from './linalg3.js';

/** A [1,3,h,w] image in [0,1] with correlated channels, so its covariance is far from diagonal. */
function image(h: number, w: number, seed: number, tint: [number, number, number]): HostTensor {
  const base = randomTensor([h * w], seed, 0.5);
  const noise = randomTensor([3 * h * w], seed + 1, 0.1);
  const data = new Float32Array(3 * h * w);
  for (let k = 0; k < 3; k++)
    for (let i = 0; i < h * w; i++) data[k * h * w + i] = 0.5 + tint[k]! * base.data[i]! + noise.data[k * h * w + i]!;
  return { shape: [1, 3, h, w], data };
}

describe('3×3 symmetric eigen-decomposition', () => {
  it('reconstructs the matrix with orthonormal eigenvectors', () => {
    const m = [2, 0.5, -0.3, 0.5, 1, 0.2, -0.3, 0.2, 0.7];
    const { values, vectors } = symmetricEigen3(m);
    const vt = [0, 1, 2].flatMap((i) => [0, 1, 2].map((j) => vectors[j * 3 + i]!));
    const d = [values[0]!, 0, 0, 0, values[1]!, 0, 0, 0, values[2]!];
    const back = multiply3(multiply3(vectors, d), vt);
    back.forEach((v, i) => expect(v).toBeCloseTo(m[i]!, 10));
    multiply3(vt, vectors).forEach((v, i) => expect(v).toBeCloseTo(i % 4 === 0 ? 1 : 0, 10));
  });

  it('the square root squares back', () => {
    const m = [0.04, 0.01, 0.002, 0.01, 0.03, 0.005, 0.002, 0.005, 0.02];
    const r = applyToEigenvalues3(m, Math.sqrt);
    multiply3(r, r).forEach((v, i) => expect(v).toBeCloseTo(m[i]!, 12));
  });
});

describe('colour preservation', () => {
  it('matchColors gives the style the content’s colour mean and covariance', () => {
    const content = image(12, 10, 1, [0.3, 0.1, -0.2]);
    const style = image(9, 14, 5, [-0.1, 0.4, 0.25]);
    const matched = colorMoments(matchColors(style, content));
    const want = colorMoments(content);
    matched.mean.forEach((v, i) => expect(v).toBeCloseTo(want.mean[i]!, 5));
    matched.covariance.forEach((v, i) => expect(v).toBeCloseTo(want.covariance[i]!, 5));
  });

  it('matchColors of an image to itself is the identity; a flat style does not blow up', () => {
    const content = image(6, 6, 2, [0.2, 0.3, 0.1]);
    const same = matchColors(content, content);
    same.data.forEach((v, i) => expect(v).toBeCloseTo(content.data[i]!, 4));
    const flat = matchColors({ shape: [1, 3, 4, 4], data: new Float32Array(48).fill(0.3) }, content);
    expect(flat.data.every(Number.isFinite)).toBe(true);
  });

  it('transferLuminance keeps the content chroma and takes the stylized luminance', () => {
    const content = image(5, 7, 3, [0.3, -0.2, 0.1]);
    const stylized = image(5, 7, 9, [0.1, 0.2, 0.4]);
    const out = transferLuminance(stylized, content);
    const plane = 35;
    for (let i = 0; i < plane; i++) {
      const at = (t: HostTensor) => [t.data[i]!, t.data[plane + i]!, t.data[2 * plane + i]!] as const;
      expect(luminance(...at(out))).toBeCloseTo(luminance(...at(stylized)), 5);
      const [ci, cq] = chroma(...at(content));
      const [oi, oq] = chroma(...at(out));
      expect(oi).toBeCloseTo(ci, 5);
      expect(oq).toBeCloseTo(cq, 5);
    }
    expect(() => transferLuminance(stylized, image(5, 6, 1, [0, 0, 0]))).toThrow(/differ in size/);
  });
});

describe('the colour anchor of the strength control', () => {
  const clamped = (t: HostTensor): HostTensor => ({ shape: t.shape, data: t.data.map((v) => Math.min(1, Math.max(0, v))) });
  /** An image stretched by `gain` about 0.5 and moved by `offset` per channel. */
  const moved = (t: HostTensor, gain: number, offset: [number, number, number]): HostTensor => {
    const plane = t.data.length / 3;
    return { shape: t.shape, data: t.data.map((v, i) => 0.5 + gain * (v - 0.5) + offset[Math.floor(i / plane)]!) };
  };

  it('at weight 1 the clamped output has the content’s channel means, even when most values are clipped', () => {
    const content = image(16, 12, 4, [0.3, -0.1, 0.2]);
    for (const [gain, offset] of [
      [3, [0.3, -0.4, 0.1]],
      [20, [2, -3, 0.5]], // three in four values clipped in the first two channels
    ] as const) {
      const stylized = moved(image(16, 12, 8, [0.6, 0.5, -0.7]), gain, [...offset]);
      expect(stylized.data.some((v) => v > 1) && stylized.data.some((v) => v < 0)).toBe(true);
      const out = anchorColorMeans(stylized, content, 1);
      const want = channelMeans(content);
      channelMeans(clamped(out)).forEach((m, k) => expect(Math.abs(m - want[k]!)).toBeLessThan(1e-6));
    }
  });

  it('moves each clamped mean by the weight’s share of the way, as one shift per channel', () => {
    const content = image(9, 11, 5, [0.1, 0.2, 0.3]);
    const stylized = moved(image(9, 11, 6, [-0.2, 0.1, 0.15]), 1.5, [0.2, -0.15, 0.3]);
    const own = channelMeans(clamped(stylized));
    const photo = channelMeans(content);
    const out = anchorColorMeans(stylized, content, 0.25);
    channelMeans(clamped(out)).forEach((m, k) => expect(m).toBeCloseTo(own[k]! + 0.25 * (photo[k]! - own[k]!), 5));
    const plane = 99;
    for (let k = 0; k < 3; k++) {
      const shift = out.data[k * plane]! - stylized.data[k * plane]!;
      expect(Math.abs(shift)).toBeGreaterThan(0.01);
      for (let i = 0; i < plane; i++) expect(out.data[k * plane + i]! - stylized.data[k * plane + i]!).toBeCloseTo(shift, 5);
    }
  });

  it('solves as the Python reference does (tools/reference/make_colour_anchor_fixture.py): clipped, mild, slope 0, targets 0 and 1', async () => {
    const bytes = await readFile(new URL('../__fixtures__/colour-anchor/colour-anchor.safetensors', import.meta.url));
    const { tensors, metadata } = readSafetensors(new Uint8Array(bytes));
    const weights = JSON.parse(metadata['weights']!) as Record<string, number>;
    expect(Object.keys(weights)).toEqual(['clipped', 'mild', 'edges']);
    for (const [name, weight] of Object.entries(weights)) {
      const get = (part: string) => tensors.get(`${name}.${part}`) as HostTensor;
      const got = anchorColorMeans(get('output'), get('content'), weight);
      expectClose(got, get('anchored'), 1e-5, name);
      if (weight === 1) {
        const want = channelMeans(get('content'));
        channelMeans(clamped(got)).forEach((m, k) => expect(Math.abs(m - want[k]!), `${name} channel ${k}`).toBeLessThan(1e-6));
      }
    }
  });

  it('weighs pixels by coverage (the content’s alpha): transparent ones count for nothing', () => {
    const content = image(6, 8, 11, [0.2, -0.1, 0.3]);
    const stylized = moved(image(6, 8, 12, [0.1, 0.3, -0.2]), 2, [0.2, -0.3, 0.1]);
    const coverage = new Float32Array(48).map((_, i) => (i < 24 ? 1 : i < 36 ? 0.5 : 0));
    const out = anchorColorMeans(stylized, content, 1, coverage);
    const weightedMean = (t: HostTensor, k: number) =>
      coverage.reduce((sum, a, i) => sum + a * Math.min(1, Math.max(0, t.data[k * 48 + i]!)), 0) / 30;
    for (let k = 0; k < 3; k++) expect(Math.abs(weightedMean(out, k) - weightedMean(content, k))).toBeLessThan(1e-6);
    expect(anchorColorMeans(stylized, content, 1, new Float32Array(48))).toBe(stylized); // nothing visible
    expect(() => anchorColorMeans(stylized, content, 1, new Float32Array(47))).toThrow(/coverage has 47 values for 48 pixels/);
  });

  it('leaves non-finite values alone and counts them as clipped, instead of spreading them', () => {
    const content = image(4, 4, 13, [0.1, 0.1, 0.1]);
    const stylized = moved(image(4, 4, 14, [0.2, 0.2, 0.2]), 1, [-0.1, 0.1, 0]);
    const data = Float32Array.from(stylized.data);
    [data[0], data[1], data[16]] = [Infinity, -Infinity, NaN];
    const out = anchorColorMeans({ shape: stylized.shape, data }, content, 1);
    expect([out.data[0], out.data[1], out.data[16]]).toEqual([Infinity, -Infinity, NaN]);
    expect(Array.from(out.data).filter((v) => !Number.isFinite(v))).toHaveLength(3);
    const want = channelMeans(content);
    channelMeans(clamped({ shape: out.shape, data: out.data.map((v) => (Number.isNaN(v) ? 0 : v)) })).forEach((m, k) =>
      expect(Math.abs(m - want[k]!)).toBeLessThan(1e-6),
    );
  });

  it('returns the output itself at weight 0 and refuses images of two sizes', () => {
    const stylized = image(5, 5, 1, [0.1, 0.1, 0.1]);
    expect(anchorColorMeans(stylized, image(5, 5, 2, [0, 0, 0]), 0)).toBe(stylized);
    expect(() => anchorColorMeans(stylized, image(5, 6, 2, [0, 0, 0]), 0.5)).toThrow(/differ in size/);
  });
});
