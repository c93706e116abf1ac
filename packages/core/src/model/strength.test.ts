/**
 * The strength endpoint (strength.ts): the layers after the attention run with W + (1 − α)(W₀ − W). Checked on
 * seeded random weights (tfjs-wasm, small images) against stylizers whose weights were blended by hand.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createTfjsBackend } from '../backends/tfjs/index.js';
import type { Backend } from '../tensor/backend.js';
import { expectClose } from '../tensor/test-utils/compare.js';
import { channelMeans } from '../pixels/color.js';
import { pixelsToFloat } from '../pixels/image.js';
import { randomImageWeights, randomStrengthEndpoint, randomVideoWeights, testPixels } from '../testing/index.js';
import type { ImageModelWeights, VideoModelWeights, WeightMap } from '../weights/types.js';
import { colorAnchorWeight, weightsAtStrength } from './strength.js';
import { Stylizer } from './stylizer.js';
import { VideoStylizer } from './video-stylizer.js';

const content = pixelsToFloat(testPixels(32, 32, 3, 1));
const style = pixelsToFloat(testPixels(24, 28, 3, 2));

describe('weightsAtStrength', () => {
  const base: WeightMap = new Map([
    ['a.weight', { shape: [2], data: new Float32Array([1, 2]) }],
    ['b.weight', { shape: [1], data: new Float32Array([5]) }],
  ]);
  const endpoint: WeightMap = new Map([['a.weight', { shape: [2], data: new Float32Array([3, -2]) }]]);

  it('is the model at 1 (the same map), the endpoint at 0, linear between; keys without an endpoint never move', () => {
    expect(weightsAtStrength(base, endpoint, 1)).toBe(base);
    expect(weightsAtStrength(base, undefined, 0.3)).toBe(base);
    expect([...weightsAtStrength(base, endpoint, 0).get('a.weight')!.data]).toEqual([3, -2]);
    expect([...weightsAtStrength(base, endpoint, 0.25).get('a.weight')!.data]).toEqual([2.5, -1]);
    expect(weightsAtStrength(base, endpoint, 0.25).get('b.weight')).toBe(base.get('b.weight'));
  });
});

describe('the colour anchor', () => {
  it('weighs (1 − α)²: the photo’s means at 0, a quarter of the way at 0.5, nothing at full strength', () => {
    expect([0, 0.5, 0.75, 1].map(colorAnchorWeight)).toEqual([1, 0.25, 0.0625, 0]);
  });

  it('a stylizer at strength 0 writes the content’s channel means (over what shows, for RGBA), whatever its decoder gives', async () => {
    const b = await createTfjsBackend({ name: 'wasm' });
    const plain = Stylizer.create(b, randomImageWeights(27));
    try {
      const pixels = testPixels(32, 32, 3, 1);
      const out = await plain.stylize(pixels, testPixels(24, 28, 3, 2), { strength: 0 });
      const [got, want] = [channelMeans(pixelsToFloat(out)), channelMeans(pixelsToFloat(pixels))];
      got.forEach((m, k) => expect(Math.abs(m - want[k]!) * 255).toBeLessThan(0.6)); // 8-bit rounding
      // RGBA: the means over what shows (alpha-weighted); the left half is transparent and its colours are junk.
      const rgba = testPixels(32, 32, 4, 3);
      for (let i = 0; i < 32 * 32; i++) if (i % 32 < 16) rgba.data.set([255, 0, 255, 0], 4 * i);
      const visible = await plain.stylize(rgba, testPixels(24, 28, 3, 2), { strength: 0 });
      const shownMean = (data: ArrayLike<number>, k: number) => {
        let [sum, alpha] = [0, 0];
        for (let i = 0; i < 32 * 32; i++)
          [sum, alpha] = [sum + (data[4 * i + k]! * rgba.data[4 * i + 3]!) / 255, alpha + rgba.data[4 * i + 3]! / 255];
        return sum / alpha;
      };
      for (let k = 0; k < 3; k++) expect(Math.abs(shownMean(visible.data, k) - shownMean(rgba.data, k))).toBeLessThan(0.6);
    } finally {
      plain.dispose();
    }
  }, 60_000);
});

describe('stylizers with a strength endpoint (tfjs-wasm, random weights)', () => {
  let b: Backend;
  beforeAll(async () => {
    b = await createTfjsBackend({ name: 'wasm' });
  });

  it('image: full strength is exactly the model; below it, exactly a model whose merge conv and decoder were blended', async () => {
    const weights = randomImageWeights(21);
    const strength = randomStrengthEndpoint('image', 22);
    const plain = Stylizer.create(b, weights);
    const moving = Stylizer.create(b, { ...weights, strength });
    expect([plain.strengthInterpolated, moving.strengthInterpolated]).toEqual([false, true]);
    try {
      expectClose((await moving.stylizeFloat(content, style)).output, (await plain.stylizeFloat(content, style)).output, 0, 'α = 1');
      for (const alpha of [0.4, 0, 0.4]) {
        const blended: ImageModelWeights = {
          ...weights,
          transformer: weightsAtStrength(weights.transformer, strength.transformer, alpha),
          decoder: weightsAtStrength(weights.decoder, strength.decoder, alpha),
        };
        const byHand = Stylizer.create(b, blended);
        try {
          const got = (await moving.stylizeFloat(content, style, { strength: alpha })).output;
          expectClose(got, (await byHand.stylizeFloat(content, style, { strength: alpha })).output, 0, `α = ${alpha}`);
          const unmoved = (await plain.stylizeFloat(content, style, { strength: alpha })).output;
          expect(
            got.data.some((v, i) => Math.abs(v - unmoved.data[i]!) > 1e-3),
            `α = ${alpha} moves the output`,
          ).toBe(true);
        } finally {
          byHand.dispose();
        }
      }
    } finally {
      plain.dispose();
      moving.dispose();
    }
  }, 60_000);

  it('calls at two strengths may interleave: each gets its own layers, and nothing leaks once both are done', async () => {
    const weights = randomImageWeights(23);
    const moving = Stylizer.create(b, { ...weights, strength: randomStrengthEndpoint('image', 24) });
    try {
      const alone = [
        (await moving.stylizeFloat(content, style, { strength: 0.3 })).output,
        (await moving.stylizeFloat(content, style, { strength: 0.6 })).output,
      ];
      const before = b.memory().tensors;
      const together = await Promise.all(
        [0.3, 0.6].map(async (strength) => (await moving.stylizeFloat(content, style, { strength })).output),
      );
      together.forEach((out, i) => expectClose(out, alone[i]!, 0, `interleaved call ${i}`));
      expect(b.memory().tensors).toBe(before); // the 0.3 layers, replaced mid-call, were freed when that call ended
    } finally {
      moving.dispose();
    }
  }, 60_000);

  it('an endpoint given with the weights is checked like a loaded one', () => {
    const weights = randomImageWeights(25);
    const strength = randomStrengthEndpoint('image', 26);
    const decoder = new Map(strength.decoder);
    decoder.delete('decoder_layer_2.24.bias');
    expect(() => Stylizer.create(b, { ...weights, strength: { ...strength, decoder } })).toThrow(
      /strength endpoint does not match its strength layers: missing `decoder\.decoder_layer_2\.24\.bias`/,
    );
    const short = new Map(strength.decoder);
    short.set('decoder_layer_2.24.bias', { shape: [3], data: new Float32Array(2) });
    expect(() => Stylizer.create(b, { ...weights, strength: { ...strength, decoder: short } })).toThrow(
      /holds 2 values but its shape \[3\] needs 3/,
    );
  });

  it('video: the decoder follows the strength the same way', async () => {
    const weights = randomVideoWeights(31);
    const strength = randomStrengthEndpoint('video', 32);
    const moving = VideoStylizer.create(b, { ...weights, strength });
    const blended: VideoModelWeights = { ...weights, decoder: weightsAtStrength(weights.decoder, strength.decoder, 0.3) };
    const byHand = VideoStylizer.create(b, blended);
    const plain = VideoStylizer.create(b, weights);
    try {
      const got = (await moving.stylizeFloat(content, style, { strength: 0.3 })).output;
      expectClose(got, (await byHand.stylizeFloat(content, style, { strength: 0.3 })).output, 0, 'α = 0.3');
      expectClose((await moving.stylizeFloat(content, style)).output, (await plain.stylizeFloat(content, style)).output, 0, 'α = 1');
    } finally {
      [moving, byHand, plain].forEach((s) => s.dispose());
    }
  }, 60_000);
});
