/**
 * The whole model on ONNX Runtime: the same core code as on tfjs, so the results must agree with tfjs-wasm
 * (random weights, small odd-sized images, every creative control), with sessions reused across calls and
 * released with the weights, and no tensor left behind.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AbortError } from '../../errors.js';
import { pixelsToFloat, type PixelImage } from '../../pixels/image.js';
import { ATTENTION_LEVELS } from '../../architecture.js';
import { Stylizer } from '../../model/stylizer.js';
import { randomImageWeights, randomVideoWeights, testPixels } from '../../testing/index.js';
import { VideoStylizer } from '../../model/video-stylizer.js';
import type { Backend } from '../../tensor/backend.js';
import { expectClose } from '../../tensor/test-utils/compare.js';
import { createTfjsBackend } from '../tfjs/index.js';
import { onnxStats } from './create.js';
import { createOnnxNodeBackend } from './node.js';

const content = pixelsToFloat(testPixels(37, 45, 3, 1)); // padded to 48×48 inside, cropped back
const styleA = pixelsToFloat(testPixels(40, 28, 3, 2));
const styleB = pixelsToFloat(testPixels(26, 33, 3, 3));

function mask(width: number, height: number, inside: (x: number, y: number) => boolean): PixelImage {
  const data = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data[y * width + x] = inside(x, y) ? 255 : 0;
  return { width, height, channels: 1, data };
}

describe('image model on onnx-node', () => {
  let onnx: Backend;
  let tfjs: Backend;
  let ours: Stylizer;
  let theirs: Stylizer;

  beforeAll(async () => {
    onnx = await createOnnxNodeBackend({ threads: 2 });
    tfjs = await createTfjsBackend({ name: 'wasm' });
    const weights = randomImageWeights(11);
    ours = Stylizer.create(onnx, weights);
    theirs = Stylizer.create(tfjs, weights);
  });
  afterAll(() => {
    ours?.dispose();
    theirs?.dispose();
  });

  it('agrees with tfjs-wasm on the output and every captured feature (sampled attention)', async () => {
    const a = await ours.stylizeFloat(content, styleA, { capture: true });
    const b = await theirs.stylizeFloat(content, styleA, { capture: true });
    expectClose(a.output, b.output, 1e-4, 'output');
    for (const level of ATTENTION_LEVELS) expectClose(a.captured!.adaattn[level], b.captured!.adaattn[level], 1e-4, level);
  });

  it('agrees with tfjs-wasm under every creative control', async () => {
    const regions = [{ content: mask(37, 45, (x) => x < 20), style: mask(40, 28, (_x, y) => y < 14) }];
    const options = { weights: [0.3, 0.7], strength: 0.6, regions, preserveColor: 'luminance' } as const;
    const a = await ours.stylizeFloat(content, [styleA, styleB], options);
    const b = await theirs.stylizeFloat(content, [styleA, styleB], options);
    expectClose(a.output, b.output, 1e-4, 'interpolated, regions, strength, colour');
    const c = await ours.stylizeFloat(content, [styleA, styleB], { mix: 'concat', attention: 'exact' });
    const d = await theirs.stylizeFloat(content, [styleA, styleB], { mix: 'concat', attention: 'exact' });
    expectClose(c.output, d.output, 1e-4, 'concatenated');
  });

  it('reuses sessions: a repeated call and a cached style make no new session', async () => {
    const first = await ours.stylizeFloat(content, styleA);
    const before = onnxStats(onnx)!.sessionsCreated;
    const again = await ours.stylizeFloat(content, styleA);
    expect(onnxStats(onnx)!.sessionsCreated).toBe(before);
    expectClose(again.output, first.output, 0, 'repeat');
    const style = await ours.encodeStyle(styleA);
    const cached1 = await ours.stylizeFloat(content, style);
    const made = onnxStats(onnx)!.sessionsCreated;
    const cached2 = await ours.stylizeFloat(pixelsToFloat(testPixels(37, 45, 3, 9)), style);
    expect(onnxStats(onnx)!.sessionsCreated).toBe(made);
    expectClose(cached1.output, first.output, 1e-5, 'cached style = direct');
    expect(cached2.output.data.some((v, i) => v !== cached1.output.data[i])).toBe(true);
    style.dispose();
  });

  it('chunks attention inside the graph: a tiny memory budget gives the same result', async () => {
    const whole = await ours.stylizeFloat(content, styleA);
    const chunked = await ours.stylizeFloat(content, styleA, { memoryBudgetBytes: 64 * 1024 });
    expectClose(chunked.output, whole.output, 1e-5, 'chunked');
  });

  it('computes graphs larger than its memory budget in bands, with the same result', async () => {
    const whole = await ours.stylizeFloat(content, styleA, { capture: true });
    const small = await createOnnxNodeBackend({ memoryBudgetBytes: 2 * 1024 ** 2 });
    const banded = Stylizer.create(small, randomImageWeights(11));
    const got = await banded.stylizeFloat(content, styleA, { capture: true });
    expect(onnxStats(small)!.largestGraphBytes).toBeLessThanOrEqual(2 * 1024 ** 2);
    expectClose(got.output, whole.output, 1e-5, 'banded output');
    for (const level of ATTENTION_LEVELS) expectClose(got.captured!.adaattn[level], whole.captured!.adaattn[level], 1e-5, level);
    banded.dispose();
  });

  it('leaves no tensor behind, also when aborted', async () => {
    const before = onnx.memory().tensors;
    await ours.stylize(testPixels(37, 45, 3, 1), testPixels(40, 28, 3, 2));
    expect(onnx.memory().tensors).toBe(before);
    const controller = new AbortController();
    // A small call is one piece, which reports only when done: the abort comes from a timer while it records.
    const run = ours.stylize(testPixels(37, 45, 3, 1), testPixels(40, 28, 3, 2), { signal: controller.signal });
    setTimeout(() => controller.abort(), 0);
    await expect(run).rejects.toBeInstanceOf(AbortError);
    expect(onnx.memory().tensors).toBe(before);
  });

  it('releases its sessions with the weights', async () => {
    const b = await createOnnxNodeBackend();
    const s = Stylizer.create(b, randomImageWeights(2));
    await s.stylizeFloat(content, styleA);
    expect(onnxStats(b)!.cachedSessions).toBeGreaterThan(0);
    s.dispose();
    expect(onnxStats(b)!.cachedSessions).toBe(0);
    expect(b.memory().tensors).toBe(0);
  });
});

describe('video model on onnx-node', () => {
  it('agrees with tfjs-wasm (cosine attention, interpolation)', async () => {
    const weights = randomVideoWeights(5);
    const ours = VideoStylizer.create(await createOnnxNodeBackend(), weights);
    const theirs = VideoStylizer.create(await createTfjsBackend({ name: 'wasm' }), weights);
    const a = await ours.stylizeFloat(content, [styleA, styleB], { weights: [0.25, 0.75], strength: 0.5 });
    const b = await theirs.stylizeFloat(content, [styleA, styleB], { weights: [0.25, 0.75], strength: 0.5 });
    expectClose(a.output, b.output, 1e-4, 'video output');
    ours.dispose();
    theirs.dispose();
  });
});
