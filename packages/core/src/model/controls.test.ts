/**
 * Each creative control's defining property (docs/MODEL.md §8), on the image model with seeded random weights
 * (tfjs-wasm, small images): what is asserted is stated in each test's name.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createTfjsBackend } from '../backends/tfjs/index.js';
import { chroma, luminance, matchColors } from '../pixels/color.js';
import { AbortError, InvalidArgumentError } from '../errors.js';
import { meanStd } from '../ops/mvn.js';
import type { Backend } from '../tensor/backend.js';
import { expectClose } from '../tensor/test-utils/compare.js';
import type { HostTensor } from '../tensor/types.js';
import { pixelsToFloat, type PixelImage } from '../pixels/image.js';
import { ATTENTION_LEVELS, LEVELS } from '../architecture.js';
import { normaliseWeights } from './controls.js';
import { Stylizer } from './stylizer.js';
import { randomImageWeights, testPixels } from '../testing/index.js';

const content = pixelsToFloat(testPixels(32, 32, 3, 1));
const styleA = pixelsToFloat(testPixels(24, 28, 3, 2));
const styleB = pixelsToFloat(testPixels(30, 20, 3, 3));

/** a·x + b·y elementwise. */
function combine(x: HostTensor, a: number, y: HostTensor, b: number): HostTensor {
  return { shape: x.shape, data: x.data.map((v, i) => a * v + b * y.data[i]!) };
}

function maskImage(width: number, height: number, inside: (x: number, y: number) => boolean): PixelImage {
  const data = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data[y * width + x] = inside(x, y) ? 255 : 0;
  return { width, height, channels: 1, data };
}

describe('creative controls (image model, tfjs-wasm, random weights)', () => {
  let b: Backend;
  let stylizer: Stylizer;

  beforeAll(async () => {
    b = await createTfjsBackend({ name: 'wasm' });
    stylizer = Stylizer.create(b, randomImageWeights(21));
  });

  describe('style interpolation', () => {
    it('weights (1, 0) give exactly the single-style result', async () => {
      const single = await stylizer.stylizeFloat(content, styleA);
      const mixed = await stylizer.stylizeFloat(content, [styleA, styleB], { weights: [1, 0] });
      expectClose(mixed.output, single.output, 0, 'weights 1,0');
    });

    it('each AdaAttN output is the weighted sum of the single-style outputs (M and S mix linearly, weights sum to 1)', async () => {
      const a = await stylizer.stylizeFloat(content, styleA, { capture: true });
      const bb = await stylizer.stylizeFloat(content, styleB, { capture: true });
      // 3 : 7 is normalised to 0.3 : 0.7.
      const mixed = await stylizer.stylizeFloat(content, [styleA, styleB], { weights: [3, 7], capture: true });
      for (const level of ATTENTION_LEVELS) {
        expectClose(
          mixed.captured!.adaattn[level],
          combine(a.captured!.adaattn[level], 0.3, bb.captured!.adaattn[level], 0.7),
          1e-4,
          level,
        );
      }
      const equal = await stylizer.stylizeFloat(content, [styleA, styleB]);
      const half = await stylizer.stylizeFloat(content, [styleA, styleB], { weights: [0.5, 0.5] });
      expectClose(equal.output, half.output, 0, 'default weights are equal');
    });

    it('encoded styles mix too, and bad weights are refused with a reason', async () => {
      const fa = await stylizer.encodeStyle(styleA);
      const viaImages = await stylizer.stylizeFloat(content, [styleA, styleB], { weights: [0.6, 0.4] });
      const viaMixed = await stylizer.stylizeFloat(content, [fa, styleB], { weights: [0.6, 0.4] });
      expectClose(viaMixed.output, viaImages.output, 1e-6, 'features + image');
      fa.dispose();
      await expect(stylizer.stylizeFloat(content, [styleA, styleB], { weights: [1] })).rejects.toThrow(/one weight per style \(2\)/);
      await expect(stylizer.stylizeFloat(content, [styleA, styleB], { weights: [1, -1] })).rejects.toThrow(/weights\[1\].*≥ 0/);
      await expect(stylizer.stylizeFloat(content, [styleA, styleB], { weights: [0, 0] })).rejects.toThrow(/not all be 0/);
      await expect(stylizer.stylizeFloat(content, [styleA, styleB], { weights: [1, 1], mix: 'concat' })).rejects.toThrow(
        InvalidArgumentError,
      );
    });
  });

  describe('style concatenation', () => {
    it('one style concatenated equals the single-style result exactly', async () => {
      const single = await stylizer.stylizeFloat(content, styleA);
      const concat = await stylizer.stylizeFloat(content, [styleA], { mix: 'concat' });
      expectClose(concat.output, single.output, 0, 'concat of one');
      const pooled = await stylizer.encodeStyle([styleA]);
      expectClose((await stylizer.stylizeFloat(content, pooled)).output, single.output, 0, 'encodeStyle([a])');
      pooled.dispose();
    });

    it('pools positions: a style concatenated with itself attends to two copies of each position, which leaves M and S unchanged', async () => {
      const pooled = await stylizer.encodeStyle([styleA, styleB], { attention: 'exact' });
      expect(pooled.sources).toEqual([
        { width: 24, height: 28 },
        { width: 30, height: 20 },
      ]);
      // relu3_1 (ceil-mode quarter size): 7×6 positions of A, then 5×8 of B.
      expect(pooled.levels.relu3_1!.v.shape[1]).toBe(42 + 40);
      expect(pooled.levels.relu3_1!.sources).toEqual([
        { height: 7, width: 6 },
        { height: 5, width: 8 },
      ]);
      pooled.dispose();
      const single = await stylizer.stylizeFloat(content, styleA, { attention: 'exact' });
      const twice = await stylizer.stylizeFloat(content, [styleA, styleA], { mix: 'concat', attention: 'exact' });
      expectClose(twice.output, single.output, 1e-4, 'A ⧺ A');
      const two = await stylizer.stylizeFloat(content, [styleA, styleB], { mix: 'concat' });
      expect(two.output.data.some((v, i) => Math.abs(v - single.output.data[i]!) > 1e-3)).toBe(true);
    });

    it('the sampling cap applies to the pool', async () => {
      const pooled = await stylizer.encodeStyle([styleA, styleB]);
      // relu3_1 pool: 7·6 + 5·8 = 82 positions, under the 4096 cap: none dropped.
      expect(pooled.sampledPositions('relu3_1')).toBeNull();
      pooled.dispose();
      // 65·68 + 42 = 4462 positions: 4096 drawn from the whole pool, some of them from the second image.
      const many = await stylizer.encodeStyle([pixelsToFloat(testPixels(272, 260, 3, 4)), styleA]);
      const sampled = many.sampledPositions('relu3_1')!;
      expect(sampled.length).toBe(4096);
      expect(Math.max(...sampled)).toBeLessThan(4462);
      expect(Math.max(...sampled)).toBeGreaterThanOrEqual(4420);
      many.dispose();
    });
  });

  describe('strength', () => {
    it('α = 0: every AdaAttN output equals the content feature it normalises, so its per-channel mean and std are the content’s', async () => {
      const run = await stylizer.stylizeFloat(content, styleA, { strength: 0, capture: true });
      const levels = run.captured!;
      for (const level of ATTENTION_LEVELS) {
        expectClose(levels.adaattn[level], levels.content[level], 1e-4, `α=0 ${level}`);
        const [gotMean, gotStd] = await stats(levels.adaattn[level]);
        const [wantMean, wantStd] = await stats(levels.content[level]);
        expectClose(gotMean, wantMean, 1e-4, `${level} mean`);
        expectClose(gotStd, wantStd, 1e-4, `${level} std`);
      }
    });

    it('α = 1 is the default; α = 0.6 mixes M and S (so the output feature) linearly with the content’s', async () => {
      const full = await stylizer.stylizeFloat(content, styleA, { capture: true });
      const one = await stylizer.stylizeFloat(content, styleA, { strength: 1 });
      expectClose(one.output, full.output, 0, 'α=1');
      const part = await stylizer.stylizeFloat(content, styleA, { strength: 0.6, capture: true });
      for (const level of ATTENTION_LEVELS) {
        expectClose(
          part.captured!.adaattn[level],
          combine(full.captured!.adaattn[level], 0.6, full.captured!.content[level], 0.4),
          1e-4,
          level,
        );
      }
      await expect(stylizer.stylizeFloat(content, styleA, { strength: 1.5 })).rejects.toThrow(/strength must be a number in \[0, 1\]/);
    });

    async function stats(t: HostTensor): Promise<[HostTensor, HostTensor]> {
      const x = b.fromHost(t);
      const [m, s] = meanStd(b, x);
      const out: [HostTensor, HostTensor] = [await b.readHost(m), await b.readHost(s)];
      [x, m, s].forEach((y) => y.dispose());
      return out;
    }
  });

  describe('regions', () => {
    const left = maskImage(32, 32, (x) => x < 16);
    const right = maskImage(32, 32, (x) => x >= 16);
    const everywhere = maskImage(8, 8, () => true);

    it('a region pair covering everything changes nothing', async () => {
      const plain = await stylizer.stylizeFloat(content, styleA);
      const masked = await stylizer.stylizeFloat(content, styleA, { regions: [{ content: everywhere, style: everywhere }] });
      expectClose(masked.output, plain.output, 1e-6, 'all-inside masks');
    });

    it('content outside every region is unconstrained; masks of any size; memory per chunk', async () => {
      const pairs = [{ content: left, style: maskImage(7, 9, (_x, y) => y < 4) }];
      const whole = await stylizer.stylizeFloat(content, styleA, { regions: pairs, capture: true });
      const chunked = await stylizer.stylizeFloat(content, styleA, { regions: pairs, memoryBudgetBytes: 2048 });
      expectClose(chunked.output, whole.output, 1e-5, 'chunked masks');
      const plain = await stylizer.stylizeFloat(content, styleA, { capture: true });
      // relu3_1 is 8×8: columns 4… lie outside the left region and must match the unmasked run there.
      const got = whole.captured!.adaattn.relu3_1;
      const want = plain.captured!.adaattn.relu3_1;
      let inside = 0;
      for (let i = 0; i < got.data.length; i++) {
        const x = i % 8;
        if (x >= 4) expect(Math.abs(got.data[i]! - want.data[i]!)).toBeLessThan(1e-4);
        else inside = Math.max(inside, Math.abs(got.data[i]! - want.data[i]!));
      }
      expect(inside).toBeGreaterThan(1e-3);
    });

    it('styleIndex ties a region to one style of a concatenated pool; its checks', async () => {
      const pairs = [
        { content: left, styleIndex: 0 },
        { content: right, styleIndex: 1 },
      ];
      const tied = await stylizer.stylizeFloat(content, [styleA, styleB], { mix: 'concat', regions: pairs, capture: true });
      const onlyA = await stylizer.stylizeFloat(content, styleA, { capture: true });
      // At relu3_1 the left half attends to style A alone: the same statistics as stylizing with A.
      const got = tied.captured!.adaattn.relu3_1;
      const want = onlyA.captured!.adaattn.relu3_1;
      for (let i = 0; i < got.data.length; i++) if (i % 8 < 4) expect(Math.abs(got.data[i]! - want.data[i]!)).toBeLessThan(1e-4);
      await expect(stylizer.stylizeFloat(content, [styleA, styleB], { regions: pairs })).rejects.toThrow(/mix 'concat'/);
      await expect(stylizer.stylizeFloat(content, styleA, { regions: [{ content: left }] })).rejects.toThrow(
        /neither a style mask nor a styleIndex/,
      );
      await expect(
        stylizer.stylizeFloat(content, styleA, { regions: [{ content: left, style: maskImage(4, 4, () => false) }] }),
      ).rejects.toThrow(/selects no pixel/);
    });
  });

  describe('colour preservation', () => {
    it("'luminance' keeps the content's chroma exactly and the stylized luminance", async () => {
      const plain = await stylizer.stylizeFloat(content, styleA);
      const kept = await stylizer.stylizeFloat(content, styleA, { preserveColor: 'luminance' });
      const plane = 32 * 32;
      const px = (t: HostTensor, i: number) => [t.data[i]!, t.data[plane + i]!, t.data[2 * plane + i]!] as const;
      for (let i = 0; i < plane; i++) {
        const [ci, cq] = chroma(...px(content, i));
        const [oi, oq] = chroma(...px(kept.output, i));
        expect(Math.abs(oi - ci)).toBeLessThan(1e-5);
        expect(Math.abs(oq - cq)).toBeLessThan(1e-5);
        expect(Math.abs(luminance(...px(kept.output, i)) - luminance(...px(plain.output, i)))).toBeLessThan(1e-5);
      }
    });

    it("'histogram' stylizes with the style recoloured to the content's colour mean and covariance", async () => {
      const kept = await stylizer.stylizeFloat(content, styleA, { preserveColor: 'histogram' });
      const byHand = await stylizer.stylizeFloat(content, matchColors(styleA, content));
      expectClose(kept.output, byHand.output, 0, 'histogram = matchColors first');
      const features = await stylizer.encodeStyle(styleA);
      await expect(stylizer.stylizeFloat(content, features, { preserveColor: 'histogram' })).rejects.toThrow(/pass the style image/);
      features.dispose();
    });
  });

  it('does not leak with every control at once, nor when aborted', async () => {
    const options = {
      weights: [0.5, 0.5],
      regions: [{ content: maskImage(32, 32, (x) => x < 16), style: maskImage(8, 8, (x) => x < 4) }],
      strength: 0.5,
      preserveColor: 'luminance' as const,
      memoryBudgetBytes: 4096,
    };
    await stylizer.stylizeFloat(content, [styleA, styleB], options);
    const before = b.memory();
    await stylizer.stylizeFloat(content, [styleA, styleB], { ...options, capture: true });
    await stylizer.stylizeFloat(content, [styleA, styleB], { mix: 'concat', regions: options.regions });
    expect(b.memory()).toEqual(before);
    for (const stage of ['encode-style', 'attention', 'decode']) {
      const controller = new AbortController();
      const error = await stylizer
        .stylizeFloat(content, [styleA, styleB], {
          ...options,
          signal: controller.signal,
          onProgress: (p) => p.stage === stage && controller.abort(),
        })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AbortError);
      expect(b.memory()).toEqual(before);
    }
  });

  it('progress covers several styles in order and ends at 1', async () => {
    const fractions: number[] = [];
    await stylizer.stylizeFloat(content, [styleA, styleB], { onProgress: (p) => fractions.push(p.fraction) });
    for (let i = 1; i < fractions.length; i++) expect(fractions[i]).toBeGreaterThanOrEqual(fractions[i - 1]!);
    expect(fractions.at(-1)).toBe(1);
    expect(LEVELS.length).toBe(5);
  });
});

describe('normaliseWeights', () => {
  it('normalises huge weights without overflowing to Infinity (1e308,1e308 is an even mix)', () => {
    expect(normaliseWeights(2, [1e308, 1e308], 'interpolate')).toEqual([0.5, 0.5]);
    expect(normaliseWeights(3, [Number.MAX_VALUE, 0, Number.MAX_VALUE / 2], 'interpolate')).toEqual([2 / 3, 0, 1 / 3]);
    expect(normaliseWeights(2, [5e-324, 5e-324], 'interpolate')).toEqual([0.5, 0.5]);
  });
});
