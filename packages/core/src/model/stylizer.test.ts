import { beforeAll, describe, expect, it } from 'vitest';
import { createTfjsBackend } from '../backends/tfjs/index.js';
import { createReferenceBackend } from '../backends/ref-cpu/index.js';
import { AbortError, DisposedError, InvalidArgumentError, StyleOptionsMismatchError } from '../errors.js';
import type { Backend } from '../tensor/backend.js';
import { expectClose } from '../tensor/test-utils/compare.js';
import type { HostTensor } from '../tensor/types.js';
import { WeightsError } from '../weights/errors.js';
import type { ImageModelWeights, WeightMap, WeightTensor } from '../weights/types.js';
import { pixelsToFloat } from '../pixels/image.js';
import type { StylizeProgress } from './run-context.js';
import { paddedContentSize, Stylizer } from './stylizer.js';
import { randomImageWeights, testPixels } from '../testing/index.js';

const content = testPixels(48, 32, 3, 1);
const style = testPixels(40, 36, 3, 2);

function replace(
  weights: ImageModelWeights,
  component: keyof ImageModelWeights,
  edit: (m: Map<string, WeightTensor>) => void,
): ImageModelWeights {
  const map = new Map(weights[component] as WeightMap);
  edit(map);
  return { ...weights, [component]: map };
}

describe('Stylizer (tfjs-wasm, random weights)', () => {
  let b: Backend;
  let weights: ImageModelWeights;
  let stylizer: Stylizer;

  beforeAll(async () => {
    b = await createTfjsBackend({ name: 'wasm' });
    weights = randomImageWeights(3);
    stylizer = Stylizer.create(b, weights);
  });

  describe('create() validates the weights up front', () => {
    it('names a missing key', () => {
      const broken = replace(weights, 'decoder', (m) => m.delete('decoder_layer_2.10.weight'));
      expect(() => Stylizer.create(b, broken)).toThrow(/decoder_layer_2\.10\.weight/);
    });

    it('names a wrong shape with expected and actual', () => {
      const broken = replace(weights, 'transformer', (m) =>
        m.set('attn_adain_4_1.f.weight', { shape: [448, 448, 1, 1], data: new Float32Array(448 * 448) }),
      );
      expect(() => Stylizer.create(b, broken)).toThrow(/attn_adain_4_1\.f\.weight.*\[448, 448, 1, 1\].*\[960, 960, 1, 1\]/);
    });

    it('recognises a component in the wrong slot', () => {
      const swapped = { ...weights, decoder: weights.adaattn3 };
      expect(() => Stylizer.create(b, swapped)).toThrow(WeightsError);
    });

    it('catches data that does not fill its shape', () => {
      const broken = replace(weights, 'adaattn3', (m) => m.set('h.bias', { shape: [256], data: new Float32Array(255) }));
      expect(() => Stylizer.create(b, broken)).toThrow(/h\.bias.*255 values/);
    });

    it('uploads nothing when validation fails', () => {
      const before = b.memory().tensors;
      expect(() =>
        Stylizer.create(
          b,
          replace(weights, 'encoder', (m) => m.delete('42.bias')),
        ),
      ).toThrow(WeightsError);
      expect(b.memory().tensors).toBe(before);
    });
  });

  it('returns an 8-bit image of the content size', async () => {
    const out = await stylizer.stylize(content, style);
    expect([out.width, out.height, out.channels]).toEqual([48, 32, 3]);
    expect(out.data.length).toBe(48 * 32 * 3);
    expect(new Set(out.data).size).toBeGreaterThan(10); // not a constant image
  });

  it('handles sizes that are not multiples of 16 (padding and cropping back), grey and RGBA', async () => {
    for (const [w, h] of [
      [37, 29],
      [5, 7],
      [17, 40],
    ] as const) {
      const out = await stylizer.stylize(testPixels(w, h, 3, 4), style);
      expect([out.width, out.height]).toEqual([w, h]);
    }
    const grey = await stylizer.stylize(testPixels(20, 18, 1, 5), style);
    expect(grey.channels).toBe(3);
    const rgba = testPixels(21, 19, 4, 6);
    const out = await stylizer.stylize(rgba, testPixels(30, 30, 4, 7));
    expect(out.channels).toBe(4);
    for (let i = 0; i < 21 * 19; i++) expect(out.data[i * 4 + 3]).toBe(rgba.data[i * 4 + 3]);
  });

  it('pads to a multiple of 16 and at least 32', () => {
    expect(paddedContentSize(32, 48)).toEqual([32, 48]);
    expect(paddedContentSize(33, 5)).toEqual([48, 32]);
    expect(paddedContentSize(16, 100)).toEqual([32, 112]);
  });

  it('the padded run crops to the same pixels as a run on the content padded by hand', async () => {
    // 37×29 is reflection-padded (bottom, right) to 48×32; padding it on the host first must give the same pixels.
    const small = pixelsToFloat(testPixels(37, 29, 3, 8));
    const reflect = (i: number, n: number) => (i < n ? i : 2 * (n - 1) - i);
    const padded = new Float32Array(3 * 32 * 48);
    for (let c = 0; c < 3; c++) {
      for (let y = 0; y < 32; y++) {
        for (let x = 0; x < 48; x++) padded[(c * 32 + y) * 48 + x] = small.data[(c * 29 + reflect(y, 29)) * 37 + reflect(x, 37)]!;
      }
    }
    const direct = await stylizer.stylizeFloat(small, pixelsToFloat(style));
    expect([direct.paddedHeight, direct.paddedWidth]).toEqual([32, 48]);
    expect(direct.output.shape).toEqual([1, 3, 29, 37]);
    const byHand = await stylizer.stylizeFloat({ shape: [1, 3, 32, 48], data: padded }, pixelsToFloat(style));
    const cropped = new Float32Array(3 * 29 * 37);
    for (let c = 0; c < 3; c++) {
      for (let y = 0; y < 29; y++) cropped.set(byHand.output.data.subarray((c * 32 + y) * 48, (c * 32 + y) * 48 + 37), (c * 29 + y) * 37);
    }
    expectClose(direct.output, { shape: [1, 3, 29, 37], data: cropped }, 1e-6, 'padded by hand');
  });

  it('exact and sampled attention agree when the style is under the caps', async () => {
    const c = pixelsToFloat(content);
    const s = pixelsToFloat(style);
    const sampled = await stylizer.stylizeFloat(c, s, { attention: 'sampled' });
    const exact = await stylizer.stylizeFloat(c, s, { attention: 'exact' });
    expectClose(exact.output, sampled.output, 0, 'exact vs sampled');
  });

  it('reusing encoded style features gives the same result as passing the image', async () => {
    const features = await stylizer.encodeStyle(style);
    const c = pixelsToFloat(content);
    const viaImage = await stylizer.stylizeFloat(c, pixelsToFloat(style));
    const viaFeatures = await stylizer.stylizeFloat(c, features);
    const again = await stylizer.stylizeFloat(c, features);
    expectClose(viaFeatures.output, viaImage.output, 0, 'features vs image');
    expectClose(again.output, viaImage.output, 0, 'features reused');
    const pixels = await stylizer.stylize(content, features);
    expect(pixels.width).toBe(48);
    features.dispose();
    await expect(stylizer.stylize(content, features)).rejects.toThrow(DisposedError);
  });

  it('a tiny memory budget (many attention chunks) does not change the result', async () => {
    const c = pixelsToFloat(content);
    const s = pixelsToFloat(style);
    const whole = await stylizer.stylizeFloat(c, s);
    const chunked = await stylizer.stylizeFloat(c, s, { memoryBudgetBytes: 4096 });
    expectClose(chunked.output, whole.output, 1e-5, 'chunked vs whole');
  });

  it('explicit sample indices: all positions equal exact attention, a subset changes the result', async () => {
    const c = pixelsToFloat(content);
    const s = pixelsToFloat(style);
    const exact = await stylizer.stylizeFloat(c, s, { attention: 'exact', capture: true });
    const positions = (level: 'relu3_1' | 'relu4_1' | 'relu5_1') => {
      const [, , h, w] = exact.captured!.style![level].shape as number[];
      return Int32Array.from({ length: h! * w! }, (_, i) => i);
    };
    const all = { relu3_1: positions('relu3_1'), relu4_1: positions('relu4_1'), relu5_1: positions('relu5_1') };
    const explicit = await stylizer.stylizeFloat(c, s, { sampleIndices: all });
    expectClose(explicit.output, exact.output, 1e-6, 'all positions');
    const subset = await stylizer.stylizeFloat(c, s, { sampleIndices: { relu3_1: all.relu3_1.filter((i) => i % 2 === 0) } });
    expect(subset.output.data.some((v, i) => Math.abs(v - exact.output.data[i]!) > 1e-4)).toBe(true);
  });

  it('captures intermediate features with the documented shapes', async () => {
    const { captured } = await stylizer.stylizeFloat(pixelsToFloat(content), pixelsToFloat(style), { capture: true });
    expect(captured).toBeDefined();
    const shapes = (r: Record<string, HostTensor>) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v.shape]));
    expect(shapes(captured!.content)).toEqual({
      relu1_1: [1, 64, 32, 48],
      relu2_1: [1, 128, 16, 24],
      relu3_1: [1, 256, 8, 12],
      relu4_1: [1, 512, 4, 6],
      relu5_1: [1, 512, 2, 3],
    });
    // style 40×36 → ceil-mode pooling: 36×40, 18×20, 9×10, 5×5, 3×3
    expect(shapes(captured!.style!)).toEqual({
      relu1_1: [1, 64, 36, 40],
      relu2_1: [1, 128, 18, 20],
      relu3_1: [1, 256, 9, 10],
      relu4_1: [1, 512, 5, 5],
      relu5_1: [1, 512, 3, 3],
    });
    expect(shapes(captured!.adaattn)).toEqual({ relu3_1: [1, 256, 8, 12], relu4_1: [1, 512, 4, 6], relu5_1: [1, 512, 2, 3] });
    expect(captured!.transformer.shape).toEqual([1, 512, 4, 6]);
    expect(captured!.content.relu1_1.data.every((v) => v >= 0)).toBe(true); // a ReLU output
  });

  it('reports progress in order, ending at 1', async () => {
    const events: StylizeProgress[] = [];
    await stylizer.stylize(content, style, { onProgress: (p) => events.push(p) });
    const stages = [...new Set(events.map((e) => e.stage))];
    expect(stages).toEqual(['encode-style', 'encode-content', 'attention', 'decode']);
    for (let i = 1; i < events.length; i++) expect(events[i]!.fraction).toBeGreaterThanOrEqual(events[i - 1]!.fraction);
    expect(events.at(-1)!.fraction).toBe(1);
  });

  it('refuses features encoded with other options, from another stylizer, or tiny styles', async () => {
    const features = await stylizer.encodeStyle(style, { attention: 'exact' });
    await expect(stylizer.stylize(content, features, { attention: 'sampled' })).rejects.toThrow(StyleOptionsMismatchError);
    await expect(stylizer.stylize(content, features, { attention: 'exact' })).resolves.toBeDefined();
    const other = Stylizer.create(createReferenceBackend(), weights);
    await expect(other.stylize(content, features)).rejects.toThrow(/another Stylizer/);
    other.dispose();
    features.dispose();
    await expect(stylizer.stylize(content, testPixels(16, 40, 3))).rejects.toThrow(/at least 17 px/);
    await expect(stylizer.stylize(content, style, { seed: -1 })).rejects.toThrow(InvalidArgumentError);
    await expect(stylizer.stylize({ ...content, data: new Uint8Array(5) }, style)).rejects.toThrow(/width·height·channels/);
  });

  it('interleaved concurrent calls give the same results as sequential ones', async () => {
    const c1 = pixelsToFloat(content);
    const c2 = pixelsToFloat(testPixels(40, 24, 3, 12));
    const s = pixelsToFloat(style);
    const want1 = await stylizer.stylizeFloat(c1, s);
    const want2 = await stylizer.stylizeFloat(c2, s);
    const before = b.memory();
    let interleaved = 0;
    let last = '';
    const tag = (name: string) => () => {
      if (last !== '' && last !== name) interleaved++;
      last = name;
    };
    const [got1, got2] = await Promise.all([
      stylizer.stylizeFloat(c1, s, { onProgress: tag('a'), memoryBudgetBytes: 8192 }),
      stylizer.stylizeFloat(c2, s, { onProgress: tag('b'), memoryBudgetBytes: 8192 }),
    ]);
    expect(interleaved).toBeGreaterThan(10); // the two really ran step by step in turn
    expectClose(got1.output, want1.output, 1e-6, 'first');
    expectClose(got2.output, want2.output, 1e-6, 'second');
    expect(b.memory()).toEqual(before);
  });

  describe('does not leak', () => {
    const counts = () => ({ ...b.memory() });

    it('across stylize calls', async () => {
      await stylizer.stylize(content, style); // warm up (tfjs caches conv filters on first use)
      const before = counts();
      await stylizer.stylize(content, style);
      await stylizer.stylizeFloat(pixelsToFloat(content), pixelsToFloat(style), { capture: true, memoryBudgetBytes: 5000 });
      expect(counts()).toEqual(before);
    });

    it('across encodeStyle + dispose', async () => {
      const before = counts();
      const features = await stylizer.encodeStyle(style);
      expect(counts().tensors).toBeGreaterThan(before.tensors);
      await stylizer.stylize(content, features);
      features.dispose();
      expect(counts()).toEqual(before);
    });

    it('after an abort, at every stage', async () => {
      await expect(stylizer.stylize(content, style, { signal: AbortSignal.abort() })).rejects.toThrow(AbortError);
      for (const stage of ['encode-style', 'encode-content', 'attention', 'decode']) {
        const before = counts();
        const controller = new AbortController();
        const onProgress = (p: StylizeProgress) => {
          if (p.stage === stage) controller.abort(new Error('user cancelled'));
        };
        const error = await stylizer.stylize(content, style, { signal: controller.signal, onProgress }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(AbortError);
        expect((error as AbortError).name).toBe('AbortError');
        expect(counts()).toEqual(before);
      }
    });

    it('after a thrown error', async () => {
      const before = counts();
      const onProgress = (p: StylizeProgress) => {
        if (p.stage === 'attention') throw new Error('callback failed');
      };
      await expect(stylizer.stylize(content, style, { onProgress })).rejects.toThrow('callback failed');
      await expect(stylizer.encodeStyle(style, { sampleIndices: { relu4_1: Int32Array.from([0, 999]) } })).rejects.toThrow(/index 999/);
      expect(counts()).toEqual(before);
    });

    it('dispose() frees the weights and the styles it made', async () => {
      const before = counts();
      const s = Stylizer.create(b, weights);
      await s.encodeStyle(style);
      s.dispose();
      s.dispose();
      expect(counts().tensors).toBe(before.tensors);
      await expect(s.stylize(content, style)).rejects.toThrow(DisposedError);
    });
  });
});

describe('Stylizer on the reference backend agrees with tfjs-wasm', () => {
  it('float output and features, 32×32 content, 24×20 style', async () => {
    const weights = randomImageWeights(5);
    const c = pixelsToFloat(testPixels(32, 32, 3, 9));
    const s = pixelsToFloat(testPixels(24, 20, 3, 10));
    const ref = Stylizer.create(createReferenceBackend(), weights);
    const wasm = Stylizer.create(await createTfjsBackend({ name: 'wasm' }), weights);
    const want = await ref.stylizeFloat(c, s, { capture: true });
    const got = await wasm.stylizeFloat(c, s, { capture: true });
    for (const level of ['relu1_1', 'relu3_1', 'relu5_1'] as const)
      expectClose(got.captured!.content[level], want.captured!.content[level], 1e-4, level);
    for (const level of ['relu3_1', 'relu4_1', 'relu5_1'] as const)
      expectClose(got.captured!.adaattn[level], want.captured!.adaattn[level], 1e-3, `adaattn ${level}`);
    expectClose(got.output, want.output, 1e-3, 'output');
    ref.dispose();
    wasm.dispose();
  });
});
