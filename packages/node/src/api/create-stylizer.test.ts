import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeImage, readImage } from '../io/image.js';
import { gradient, makeTempDir, writeJpeg, writePng } from '../test-utils/images.js';
import { randomImageWeights, writeOfficialDir, writeTestModelDir } from '../test-utils/model.js';
import type { PixelImage } from '../types.js';
import { createStylizer } from './create-stylizer.js';
import type { NodeStylizer, StylizeProgress } from './options.js';

let dir: string;
let cleanup: () => Promise<void>;
let ours: string;
let official: string;
let content: string;
let style: string;
let stylizer: NodeStylizer;

beforeAll(async () => {
  ({ dir, cleanup } = await makeTempDir());
  const weights = randomImageWeights(7);
  ours = join(dir, 'ours');
  official = join(dir, 'official');
  await writeTestModelDir(ours, weights);
  await writeOfficialDir(official, weights);
  content = join(dir, 'content.jpg');
  style = join(dir, 'style.png');
  await writeJpeg(content, 48, 30);
  await writePng(style, 32, 32);
  stylizer = await createStylizer({ model: ours, backend: 'wasm' });
});
afterAll(async () => {
  await stylizer?.dispose();
  await cleanup();
});

const same = (a: PixelImage, b: PixelImage) => Buffer.from(a.data).equals(Buffer.from(b.data));

describe('createStylizer', () => {
  it('loads our model directory and reports what it loaded', () => {
    expect(stylizer.backend).toBe('wasm');
    expect(stylizer.precision).toBe('float32');
    expect(stylizer.model).toEqual({ dir: ours, kind: 'adaattn-model', name: 'test-random', variant: 'image' });
  });

  it('stylizes files to the resized content size, deterministically', async () => {
    const a = await stylizer.stylize(content, style, { size: 40 });
    expect([a.width, a.height, a.channels]).toEqual([40, 25, 3]);
    const b = await stylizer.stylize(content, style, { size: 40 });
    expect(same(a, b)).toBe(true);
  });

  it('takes encoded bytes and pixels as well as paths, with the same result', async () => {
    const fromPath = await stylizer.stylize(content, style, { size: 0 });
    const contentPixels = await readImage(content);
    const styleBytes = await encodeImage({ width: 32, height: 32, channels: 3, data: new Uint8Array(gradient(32, 32)) }, 'png');
    const fromOthers = await stylizer.stylize(contentPixels, styleBytes, { size: 0 });
    expect(same(fromPath, fromOthers)).toBe(true);
  });

  it('reuses an encoded style, with its attention mode and seed', async () => {
    const encoded = await stylizer.encodeStyle(style, { size: 0 });
    try {
      const direct = await stylizer.stylize(content, style, { size: 0 });
      const reused = await stylizer.stylize(content, encoded, { size: 0 });
      expect(same(direct, reused)).toBe(true);
      await expect(stylizer.stylize(content, encoded, { size: 0, attention: 'exact' })).rejects.toThrow(/attention|encoded/i);
    } finally {
      encoded.dispose();
    }
  });

  it('loads the authors’ layout to the same model', async () => {
    const other = await createStylizer({ model: official, backend: 'auto' });
    try {
      expect(other.model.kind).toBe('official');
      // float16 storage in `ours` vs float32 here: close, not equal.
      const a = await stylizer.stylize(content, style, { size: 32 });
      const b = await other.stylize(content, style, { size: 32 });
      const diff = Array.from(a.data).reduce((m, v, i) => Math.max(m, Math.abs(v - b.data[i]!)), 0);
      expect(diff).toBeLessThanOrEqual(8);
    } finally {
      await other.dispose();
    }
  });

  it('reports progress and stops on abort', async () => {
    const seen: StylizeProgress[] = [];
    await stylizer.stylize(content, style, { size: 32, onProgress: (p) => seen.push(p) });
    expect(seen.length).toBeGreaterThan(3);
    expect(seen.at(-1)!.fraction).toBeCloseTo(1, 5);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.fraction).toBeGreaterThanOrEqual(seen[i - 1]!.fraction);

    const controller = new AbortController();
    const run = stylizer.stylize(content, style, {
      size: 32,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.stage === 'encode-content') controller.abort();
      },
    });
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    // Still usable after a cancelled call.
    expect((await stylizer.stylize(content, style, { size: 32 })).width).toBe(32);
  });

  it('applies the pixel limit to its inputs', async () => {
    const small = await createStylizer({ model: ours, backend: 'wasm', maxPixels: 1000 });
    try {
      await expect(small.stylize(content, style)).rejects.toThrow(
        /content image '.*content\.jpg' is 48×30 = 0\.001 MP, over the 0\.001 MP limit/,
      );
    } finally {
      await small.dispose();
    }
  });

  it('disposes once, refuses work afterwards, and supports await using', async () => {
    let escaped: NodeStylizer | undefined;
    {
      await using s = await createStylizer({ model: ours, backend: 'wasm' });
      escaped = s;
      expect((await s.stylize(content, style, { size: 32 })).height).toBe(20);
    }
    await expect(escaped.stylize(content, style, { size: 32 })).rejects.toThrow(/disposed/);
    await escaped.dispose(); // twice is fine
  });

  it('names bad options and bad model directories', async () => {
    await expect(createStylizer({ model: ours, backend: 'gpu' as never })).rejects.toThrow(
      "unknown backend 'gpu'; choose one of auto, onnx, cuda, tensorflow, wasm, cpu",
    );
    await expect(createStylizer({ model: join(dir, 'nope') })).rejects.toThrow(/model directory '.*nope' does not exist/);
    await expect(createStylizer({ model: ours, threads: 0 })).rejects.toThrow(/threads must be a whole number ≥ 1/);
    await expect(createStylizer({ model: ours, precision: 'int4' as never })).rejects.toThrow(/precision must be one of float32, int8/);
    await expect(createStylizer({ model: ours, precision: 'int8', backend: 'wasm' })).rejects.toThrow(
      /precision 'int8' runs on the onnx backend .* not on wasm/,
    );
    // The test model has no int8 ranges in its model.json.
    await expect(createStylizer({ model: ours, precision: 'int8' })).rejects.toThrow(/'test-random' .* has no int8 ranges/);
  });

  it('names the reason when a forced backend cannot start', async () => {
    const hasTfjsNode = await import('@tensorflow/tfjs-node' as string).then(
      () => true,
      () => false,
    );
    if (hasTfjsNode) return;
    await expect(createStylizer({ model: ours, backend: 'tensorflow' })).rejects.toThrow(
      /^backend 'tensorflow' could not start \(tensorflow: .*@tensorflow\/tfjs-node.*\)$/,
    );
  });

  it('names a corrupted model file with its directory', async () => {
    const broken = join(dir, 'broken');
    await writeTestModelDir(broken, randomImageWeights(3));
    await writeFile(join(broken, 'decoder.safetensors'), 'truncated');
    await expect(createStylizer({ model: broken, backend: 'wasm' })).rejects.toThrow(
      new RegExp(`^model directory '${broken}': .*decoder\\.safetensors.*is 9 bytes but model\\.json says`),
    );
  });
});

describe('createStylizer on ONNX Runtime', () => {
  it("'auto' starts ONNX Runtime, which agrees with tfjs-wasm and reuses an encoded style", async () => {
    await using onnx = await createStylizer({ model: ours, backend: 'auto', threads: 2 });
    expect(onnx.backend).toBe('onnx');
    const want = await stylizer.stylize(content, style, { size: 40 });
    const got = await onnx.stylize(content, style, { size: 40 });
    expect([got.width, got.height]).toEqual([want.width, want.height]);
    const diff = Array.from(got.data).reduce((m, v, i) => Math.max(m, Math.abs(v - want.data[i]!)), 0);
    expect(diff).toBeLessThanOrEqual(1); // float rounding may flip an 8-bit step
    const encoded = await onnx.encodeStyle(style, { size: 40 });
    try {
      expect(same(await onnx.stylize(content, encoded, { size: 40 }), got)).toBe(true);
    } finally {
      encoded.dispose();
    }
  });

  it('computes in bands under a small memory budget, with the same image', async () => {
    await using whole = await createStylizer({ model: ours, backend: 'onnx' });
    await using banded = await createStylizer({ model: ours, backend: 'onnx', memoryBudgetBytes: 1.5 * 1024 ** 2 });
    const a = await whole.stylize(content, style, { size: 40 });
    const b = await banded.stylize(content, style, { size: 40 });
    const diff = Array.from(a.data).reduce((m, v, i) => Math.max(m, Math.abs(v - b.data[i]!)), 0);
    expect(diff).toBeLessThanOrEqual(1);
    await expect(createStylizer({ model: ours, memoryBudgetBytes: 0 })).rejects.toThrow(/memoryBudgetBytes must be a positive number/);
  });

  it("'cuda' without CUDA says why it cannot start", async () => {
    const cuda = await createStylizer({ model: ours, backend: 'cuda' }).then(
      async (s) => (await s.dispose(), true as const),
      (e: Error) => e,
    );
    if (cuda === true) return; // a machine with CUDA
    expect(cuda.message).toMatch(/^backend 'cuda' could not start \(cuda: onnx-node-cuda: .+\)$/);
  });
});
