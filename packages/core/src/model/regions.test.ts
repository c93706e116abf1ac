/**
 * Region control on the shipped, trained models (packages/model-image and packages/model-video): with a
 * style that is red on the left and blue on the right, a content region tied to one half takes its colour
 * from that half. Random weights cannot show this (their colours mean nothing); the exact masking
 * semantics are tested with random weights in controls.test.ts and the conformance suite.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTfjsBackend } from '../backends/tfjs/index.js';
import type { Backend } from '../tensor/backend.js';
import { loadModelFromFiles } from '../weights/model-files.js';
import { stylizerFromWeights } from './create.js';
import type { PixelImage } from '../pixels/image.js';
import { testPixels } from '../testing/index.js';

const SIDE = 64;
const ROOT = new URL('../../../../', import.meta.url);

/** Red left half, blue right half, with a little texture so the features are not flat. */
function redBlue(): PixelImage {
  const data = new Uint8Array(SIDE * SIDE * 3);
  for (let y = 0; y < SIDE; y++) {
    for (let x = 0; x < SIDE; x++) {
      const n = 30 * Math.sin(x * 0.9 + y * 0.7);
      data.set(x < SIDE / 2 ? [200 + n, 30 + n, 30 + n] : [30 + n, 40 + n, 200 + n], (y * SIDE + x) * 3);
    }
  }
  return { width: SIDE, height: SIDE, channels: 3, data };
}

function mask(inside: (x: number, y: number) => boolean): PixelImage {
  const data = new Uint8Array(SIDE * SIDE);
  for (let i = 0; i < data.length; i++) data[i] = inside(i % SIDE, Math.floor(i / SIDE)) ? 255 : 0;
  return { width: SIDE, height: SIDE, channels: 1, data };
}

/** Mean RGB over the pixels where `inside` holds. */
function meanColour(image: PixelImage, inside: (x: number, y: number) => boolean): [number, number, number] {
  const sum = [0, 0, 0];
  let n = 0;
  for (let i = 0; i < image.width * image.height; i++) {
    if (!inside(i % image.width, Math.floor(i / image.width))) continue;
    for (let c = 0; c < 3; c++) sum[c]! += image.data[i * image.channels + c]!;
    n++;
  }
  return sum.map((s) => s / n) as [number, number, number];
}

const distance = (a: readonly number[], b: readonly number[]) => Math.hypot(...a.map((v, i) => v - b[i]!));

describe.each(['image', 'video'] as const)('regions on the trained %s model', (variant) => {
  let b: Backend;
  let stylizer: ReturnType<typeof stylizerFromWeights>;

  beforeAll(async () => {
    const dir = fileURLToPath(new URL(`packages/model-${variant}/`, ROOT));
    const loaded = await loadModelFromFiles(async (name) => new Uint8Array(await readFile(dir + name)));
    b = await createTfjsBackend({ name: 'wasm' });
    stylizer = stylizerFromWeights(b, { variant: loaded.config.variant, weights: loaded.weights } as Parameters<
      typeof stylizerFromWeights
    >[1]);
  });

  it('each content half takes its colour statistics from its paired style half', async () => {
    const style = redBlue();
    const top = (_x: number, y: number) => y < SIDE / 2;
    const bottom = (_x: number, y: number) => y >= SIDE / 2;
    const out = await stylizer.stylize(testPixels(SIDE, SIDE, 3, 3), style, {
      regions: [
        { content: mask(top), style: mask((x) => x >= SIDE / 2) }, // top ← blue
        { content: mask(bottom), style: mask((x) => x < SIDE / 2) }, // bottom ← red
      ],
    });
    const red = meanColour(style, (x) => x < SIDE / 2);
    const blue = meanColour(style, (x) => x >= SIDE / 2);
    const [tr, , tb] = meanColour(out, top);
    const [br, , bb] = meanColour(out, bottom);
    // Measured: top B−R ≈ 155, bottom ≈ −87 (image) / −99 (video); without masks both halves are +30…+60.
    expect(tb - tr).toBeGreaterThan(80);
    expect(bb - br).toBeLessThan(-40);
    expect(distance(meanColour(out, top), blue)).toBeLessThan(distance(meanColour(out, top), red));
    expect(distance(meanColour(out, bottom), red)).toBeLessThan(distance(meanColour(out, bottom), blue));
    stylizer.dispose();
  });
});
