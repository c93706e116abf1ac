/**
 * The video model: numerical parity with our PyTorch VideoModel on the shipped weights (fixture from
 * tools/reference/make_video_fixture.py), and the model's own behaviour on seeded random weights.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTfjsBackend } from '../backends/tfjs/index.js';
import { AbortError, InvalidArgumentError } from '../errors.js';
import type { Backend } from '../tensor/backend.js';
import { expectClose } from '../tensor/test-utils/compare.js';
import type { HostTensor } from '../tensor/types.js';
import { loadModelFromFiles } from '../weights/model-files.js';
import { readSafetensors } from '../weights/safetensors.js';
import type { VideoModelWeights } from '../weights/types.js';
import { stylizerFromWeights } from './create.js';
import { pixelsToFloat } from '../pixels/image.js';
import { Stylizer } from './stylizer.js';
import { randomVideoWeights, testPixels } from '../testing/index.js';
import { VideoStylizer } from './video-stylizer.js';

const ROOT = new URL('../../../../', import.meta.url);
const at = (path: string) => fileURLToPath(new URL(path, ROOT));

async function shippedVideoWeights(): Promise<VideoModelWeights> {
  const loaded = await loadModelFromFiles(async (name) => new Uint8Array(await readFile(at(`packages/model-video/${name}`))));
  if (loaded.config.variant !== 'video') throw new Error('packages/model-video is not a video model');
  return loaded.weights as VideoModelWeights;
}

describe('VideoStylizer matches the PyTorch VideoModel (shipped weights, float64 reference)', () => {
  let b: Backend;
  let stylizer: VideoStylizer;
  let fixture: Map<string, HostTensor>;

  beforeAll(async () => {
    b = await createTfjsBackend({ name: 'wasm' });
    stylizer = VideoStylizer.create(b, await shippedVideoWeights());
    const bytes = await readFile(at('packages/core/src/__fixtures__/video/video-trained.safetensors'));
    fixture = readSafetensors(new Uint8Array(bytes)).tensors as Map<string, HostTensor>;
  });

  const get = (name: string) => fixture.get(name)!;

  it('one style: the relu3_1 AdaAttN output and the image', async () => {
    const { output, captured } = await stylizer.stylizeFloat(get('content'), get('style1'), { attention: 'exact', capture: true });
    expectClose(captured!.adaattn.relu3_1, get('single.adaattn'), 1e-4, 'relu3_1 AdaAttN');
    expectClose(output, get('single.output'), 1e-4, 'output');
  });

  it('two styles interpolated (0.25 / 0.75) at strength 0.5', async () => {
    const { output } = await stylizer.stylizeFloat(get('content'), [get('style1'), get('style2')], {
      weights: [0.25, 0.75],
      strength: 0.5,
    });
    expectClose(output, get('mixed.output'), 1e-4, 'mixed output');
  });
});

describe('VideoStylizer (tfjs-wasm, random weights)', () => {
  let b: Backend;
  let stylizer: VideoStylizer;
  const content = testPixels(30, 22, 3, 1);
  const style = testPixels(26, 18, 3, 2);

  beforeAll(async () => {
    b = await createTfjsBackend({ name: 'wasm' });
    stylizer = VideoStylizer.create(b, randomVideoWeights(4));
  });

  it('pads to a multiple of 4 (at least 8), crops back, and captures relu1_1…relu3_1', async () => {
    expect(stylizer.variant).toBe('video');
    expect(stylizer.levels).toEqual(['relu3_1']);
    expect(stylizer.paddedSize(22, 30)).toEqual([24, 32]);
    expect(stylizer.paddedSize(3, 5)).toEqual([8, 8]);
    const { output, captured, paddedHeight, paddedWidth } = await stylizer.stylizeFloat(pixelsToFloat(content), pixelsToFloat(style), {
      capture: true,
    });
    expect(output.shape).toEqual([1, 3, 22, 30]);
    expect([paddedHeight, paddedWidth]).toEqual([24, 32]);
    expect(Object.keys(captured!.content)).toEqual(['relu1_1', 'relu2_1', 'relu3_1']);
    expect(captured!.adaattn.relu3_1.shape).toEqual([1, 256, 6, 8]);
    const tiny = await stylizer.stylize(testPixels(3, 2, 3, 5), testPixels(5, 5, 3, 6));
    expect([tiny.width, tiny.height]).toEqual([3, 2]);
    await expect(stylizer.stylize(content, testPixels(4, 9, 3))).rejects.toThrow(/at least 5 px/);
  });

  it('a style encoded once serves every frame; results equal passing the image', async () => {
    const features = await stylizer.encodeStyle(style);
    const frames = [testPixels(30, 22, 3, 7), testPixels(30, 22, 3, 8)];
    for (const frame of frames) {
      const viaFeatures = await stylizer.stylizeFloat(pixelsToFloat(frame), features);
      const viaImage = await stylizer.stylizeFloat(pixelsToFloat(frame), pixelsToFloat(style));
      expectClose(viaFeatures.output, viaImage.output, 0, 'frame');
    }
    features.dispose();
  });

  it('every control runs on the video model, without leaks, and aborts cleanly', async () => {
    const mask = { width: 30, height: 22, channels: 1 as const, data: new Uint8Array(30 * 22).map((_, i) => (i % 30 < 15 ? 255 : 0)) };
    const options = { weights: [2, 1], strength: 0.7, preserveColor: 'luminance' as const, regions: [{ content: mask, style: mask }] };
    await stylizer.stylize(content, [style, testPixels(20, 20, 3, 9)], options);
    const before = b.memory();
    const out = await stylizer.stylize(content, [style, testPixels(20, 20, 3, 9)], options);
    expect([out.width, out.height]).toEqual([30, 22]);
    await stylizer.stylize(content, [style, style], { mix: 'concat', regions: [{ content: mask, styleIndex: 1 }] });
    expect(b.memory()).toEqual(before);
    await expect(stylizer.stylize(content, style, { signal: AbortSignal.abort() })).rejects.toThrow(AbortError);
    expect(b.memory()).toEqual(before);
  });

  it('refuses image-model weights and foreign style features; stylizerFromWeights picks the class by variant', async () => {
    expect(() => VideoStylizer.create(b, { encoder: new Map(), adaattn3: new Map(), decoder: new Map() })).toThrow(/decoder|encoder/);
    const weights = randomVideoWeights(4);
    const other = stylizerFromWeights(b, { variant: 'video', weights });
    expect(other).toBeInstanceOf(VideoStylizer);
    const features = await stylizer.encodeStyle(style);
    await expect(other.stylize(content, features)).rejects.toThrow(InvalidArgumentError);
    features.dispose();
    other.dispose();
    expect(Stylizer.name).toBe('Stylizer');
  });
});
