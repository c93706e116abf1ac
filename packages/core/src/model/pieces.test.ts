/**
 * Each model piece on its own: output shapes, and the "does not leak" pattern (warm up, count, run again,
 * compare), including a piece interrupted half-way.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createTfjsBackend } from '../backends/tfjs/index.js';
import type { Backend } from '../tensor/backend.js';
import { disposeAll, type Tensor } from '../tensor/tensor.js';
import { randomTensor } from '../tensor/test-utils/compare.js';
import type { ImageModelWeights } from '../weights/types.js';
import { AdaAttnModule } from './adaattn.js';
import { Decoder } from './decoder.js';
import { Encoder } from './encoder.js';
import { LevelMerge } from './level-merge.js';
import { buildKey } from '../ops/keys.js';
import { randomImageWeights } from '../testing/index.js';

const noProgress = () => Promise.resolve();

describe('model pieces (tfjs-wasm)', () => {
  let b: Backend;
  let weights: ImageModelWeights;

  beforeAll(async () => {
    b = await createTfjsBackend({ name: 'wasm' });
    weights = randomImageWeights(11);
  });

  /** Runs `fn` twice; the second run must leave the live counts where it found them. */
  async function expectNoLeak(fn: () => Promise<void>): Promise<void> {
    await fn();
    const before = b.memory();
    await fn();
    expect(b.memory()).toEqual(before);
  }

  it('encoder: taps relu1_1 … relu5_1 with ceil-mode sizes; no leak, also when stopped half-way', async () => {
    const encoder = Encoder.upload(b, weights.encoder);
    const x = b.fromHost(randomTensor([1, 3, 19, 33], 1, 0.5));
    await expectNoLeak(async () => {
      const taps = await encoder.encode(b, x, noProgress);
      expect(taps.map((t) => t.shape)).toEqual([
        [1, 64, 19, 33],
        [1, 128, 10, 17],
        [1, 256, 5, 9],
        [1, 512, 3, 5],
        [1, 512, 2, 3],
      ]);
      disposeAll(taps);
    });
    await expectNoLeak(async () => {
      const stop = (done: number) => (done === 6 ? Promise.reject(new Error('stop')) : Promise.resolve());
      await expect(encoder.encode(b, x, stop)).rejects.toThrow('stop');
    });
    x.dispose();
    encoder.dispose();
  });

  it('AdaAttN: style side and output shapes; no leak', async () => {
    const module = AdaAttnModule.upload(b, weights.transformer, 'relu4_1');
    const feats = (h: number, w: number, seed: number): Tensor[] =>
      [64, 128, 256, 512].map((c, i) => b.fromHost(randomTensor([1, c, Math.ceil(h / 2 ** i), Math.ceil(w / 2 ** i)], seed + i)));
    const content = feats(32, 48, 1);
    const style = feats(24, 40, 10);
    const ck = buildKey(b, content, 3);
    const sk = buildKey(b, style, 3);
    await expectNoLeak(async () => {
      const side = module.encodeStyle(b, [{ feature: style[3] as Tensor, key: sk }], Int32Array.from([0, 3, 7, 11]));
      expect([side.k.shape, side.v.shape, side.vSquared.shape]).toEqual([
        [1, 960, 4],
        [1, 4, 512],
        [1, 4, 512],
      ]);
      expect(side.sources).toEqual([{ height: 3, width: 5 }]);
      const out = await module.apply(b, content[3] as Tensor, ck, [{ level: side, weight: 1 }], { memoryBudgetBytes: 64 });
      expect(out.shape).toEqual([1, 512, 4, 6]);
      disposeAll(out, side.k, side.v, side.vSquared);
    });
    disposeAll(content, style, ck, sk);
    module.dispose();
  });

  it('merge and decoder: shapes back to the input size; no leak', async () => {
    const merge = LevelMerge.upload(b, weights.transformer);
    const decoder = Decoder.upload(b, weights.decoder);
    const out4 = b.fromHost(randomTensor([1, 512, 4, 6], 1));
    const out5 = b.fromHost(randomTensor([1, 512, 2, 3], 2));
    const skip = b.fromHost(randomTensor([1, 256, 8, 12], 3));
    await expectNoLeak(async () => {
      const merged = merge.apply(b, out4, out5);
      expect(merged.shape).toEqual([1, 512, 4, 6]);
      const image = await decoder.decode(b, merged, skip, noProgress);
      expect(image.shape).toEqual([1, 3, 32, 48]);
      disposeAll(merged, image);
    });
    await expectNoLeak(async () => {
      const stop = (done: number) => (done === 4 ? Promise.reject(new Error('stop')) : Promise.resolve());
      await expect(decoder.decode(b, out4, skip, stop)).rejects.toThrow('stop');
    });
    disposeAll(out4, out5, skip);
    merge.dispose();
    decoder.dispose();
  });
});
