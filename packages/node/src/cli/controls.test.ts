/** The creative controls through `adaattn stylize` and createStylizer, on random-weight models. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { chroma } from '@adaattn/core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStylizer } from '../api/create-stylizer.js';
import { readImage } from '../io/image.js';
import { runCli } from '../test-utils/cli.js';
import { makeTempDir, writeJpeg, writePng } from '../test-utils/images.js';
import { randomImageWeights, randomVideoWeights, writeTestModelDir } from '../test-utils/model.js';
import { splitList } from './controls.js';

let dir: string;
let cleanup: () => Promise<void>;
let model: string;
let content: string;
let styleA: string;
let styleB: string;
let left: string;
let top: string;

beforeAll(async () => {
  ({ dir, cleanup } = await makeTempDir('adaattn-controls-'));
  model = join(dir, 'model');
  await writeTestModelDir(model, randomImageWeights(5));
  content = join(dir, 'content.jpg');
  styleA = join(dir, 'a.png');
  styleB = join(dir, 'b.jpg');
  await writeJpeg(content, 40, 32);
  await writePng(styleA, 24, 24);
  await sharp({ create: { width: 30, height: 20, channels: 3, background: '#3050c0' } })
    .jpeg()
    .toFile(styleB);
  // White-on-transparent masks: transparency must count as outside.
  const mask = (w: number, h: number, inside: (x: number, y: number) => boolean) => {
    const data = Buffer.alloc(w * h * 4);
    for (let i = 0; i < w * h; i++) if (inside(i % w, Math.floor(i / w))) data.fill(255, i * 4, i * 4 + 4);
    return sharp(data, { raw: { width: w, height: h, channels: 4 } }).png();
  };
  left = join(dir, 'left.png');
  top = join(dir, 'top.png');
  await mask(20, 16, (x) => x < 10).toFile(left);
  await mask(12, 12, (_x, y) => y < 6).toFile(top);
});
afterAll(() => cleanup());

const stylize = (output: string, style: string, ...extra: string[]) => [
  'stylize',
  '--content',
  content,
  '--style',
  style,
  '--output',
  join(dir, output),
  '--model',
  model,
  '--backend',
  'wasm',
  '--size',
  '0',
  ...extra,
];

async function pixels(name: string): Promise<Uint8Array | Uint8ClampedArray> {
  return (await readImage(join(dir, name))).data;
}

describe('adaattn stylize with creative controls', () => {
  it('--style a,b --weights 1,0 gives the single-style picture; 0.7,0.3 another', async () => {
    expect((await runCli(stylize('single.png', styleA))).code).toBe(0);
    const r = await runCli(stylize('w10.png', `${styleA},${styleB}`, '--weights', '1,0'));
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/with a\.png \(24×24\) and b\.jpg \(30×20\) .*, styles interpolated 1:0\n/);
    expect(await pixels('w10.png')).toEqual(await pixels('single.png'));
    expect((await runCli(stylize('w73.png', `${styleA},${styleB}`, '--weights', '0.7,0.3'))).code).toBe(0);
    expect(await pixels('w73.png')).not.toEqual(await pixels('single.png'));
  });

  it('--mix concat of one style is the single-style picture; of two, pools them', async () => {
    expect((await runCli(stylize('single.png', styleA))).code).toBe(0);
    expect((await runCli(stylize('concat1.png', styleA, '--mix', 'concat'))).code).toBe(0);
    expect(await pixels('concat1.png')).toEqual(await pixels('single.png'));
    const r = await runCli(stylize('concat2.png', `${styleA},${styleB}`, '--mix', 'concat', '--content-mask', left, '--style-mask', '@2'));
    expect(r.stderr).toMatch(/styles concatenated, 1 region pair\n/);
    expect(r.code).toBe(0);
  });

  it('mask pairs, strength and colour preservation run together', async () => {
    const r = await runCli(
      stylize(
        'all.png',
        styleA,
        '--content-mask',
        left,
        '--style-mask',
        top,
        '--content-mask',
        top,
        '--style-mask',
        left,
        '--strength',
        '0.5',
        '--preserve-color',
        'histogram',
      ),
    );
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/2 region pairs, strength 0\.5, colour kept by histogram\n/);
  });

  it("--preserve-color luminance keeps the content's chroma (to 8-bit rounding; the shipped model, whose output stays in range)", async () => {
    const args = stylize('lum.png', styleA, '--preserve-color', 'luminance');
    args.splice(args.indexOf('--model'), 2);
    expect((await runCli(args)).code).toBe(0);
    const c = await readImage(content);
    const o = await pixels('lum.png');
    let error = 0;
    let counted = 0;
    for (let i = 0; i < c.width * c.height; i++) {
      const px = (d: Uint8Array | Uint8ClampedArray) => [d[i * 3]! / 255, d[i * 3 + 1]! / 255, d[i * 3 + 2]! / 255] as const;
      if (px(o).some((v) => v === 0 || v === 1)) continue; // clamped pixels lose chroma, as any 8-bit image must
      const [ci, cq] = chroma(...px(c.data));
      const [oi, oq] = chroma(...px(o));
      error += Math.abs(oi - ci) + Math.abs(oq - cq);
      counted++;
    }
    expect(counted).toBeGreaterThan(c.width * c.height * 0.5);
    expect(error / counted).toBeLessThan(2 / 255);
  });

  it('refuses inconsistent controls with exit 2 before reading anything', async () => {
    const usage = async (args: string[], message: RegExp) => {
      const r = await runCli(args);
      expect(r.stderr).toMatch(message);
      expect(r.code).toBe(2);
    };
    await usage(
      stylize('x.png', `${styleA},${styleB}`, '--weights', '1'),
      /--weights: weights: expected one weight per style \(2\), got 1 \(one per --style file\)/,
    );
    await usage(stylize('x.png', `${styleA},${styleB}`, '--weights', '0,0'), /not all be 0/);
    await usage(stylize('x.png', `${styleA},${styleB}`, '--weights', 'a,b'), /--weights must be numbers ≥ 0 separated by commas/);
    await usage(stylize('x.png', styleA, '--content-mask', left), /masks come in pairs.*got 1 --content-mask and 0 --style-mask/);
    await usage(stylize('x.png', `${styleA},${styleB}`, '--content-mask', left, '--style-mask', '@2'), /use it with --mix concat/);
    await usage(
      stylize('x.png', `${styleA},${styleB}`, '--mix', 'concat', '--content-mask', left, '--style-mask', '@3'),
      /there are 2 --style files/,
    );
    await usage(stylize('x.png', styleA, '--strength', '1.5'), /--strength must be a number from 0/);
    await usage(stylize('x.png', styleA, '--preserve-color', 'yes'), /--preserve-color must be one of luminance, histogram/);
    await usage(stylize('x.png', styleA, '--mix', 'blend'), /--mix must be one of interpolate, concat/);
    await usage(
      ['stylize', '--content', content, '--style', styleA, '--output', left, '--content-mask', left, '--style-mask', top],
      /is the mask; write the result/,
    );
    await usage(stylize('x.png', `${styleA},,${styleB}`), /has an empty item/);
  });

  it('a style file whose name has a comma is one file', async () => {
    const odd = join(dir, 'odd,name.png');
    await writePng(odd, 20, 20);
    expect(splitList(odd, 'style', 'stylize')).toEqual([odd]);
    expect(splitList('x.png,y.png', 'style', 'stylize')).toEqual(['x.png', 'y.png']);
  });
});

describe('createStylizer with controls and the video model', () => {
  it('loads a video model directory and applies masks given as files', async () => {
    const videoModel = join(dir, 'video-model');
    await writeTestModelDir(videoModel, randomVideoWeights(3), 'video');
    await using s = await createStylizer({ model: videoModel, backend: 'wasm' });
    expect(s.model.variant).toBe('video');
    const out = await s.stylize(content, [styleA, styleB], {
      size: 0,
      weights: [2, 1],
      regions: [{ content: left, style: top }],
      strength: 0.9,
    });
    expect([out.width, out.height]).toEqual([40, 32]);
    const pooled = await s.encodeStyle([styleA, styleB], { size: 0 });
    expect(pooled.sources).toEqual([
      { width: 24, height: 24 },
      { width: 30, height: 20 },
    ]);
    const viaPool = await s.stylize(content, pooled, { size: 0, mix: 'concat', regions: [{ content: left, styleIndex: 1 }] });
    expect(viaPool.width).toBe(40);
    pooled.dispose();
    await writeFile(join(dir, 'not-a-mask.png'), 'nope');
    await expect(s.stylize(content, styleA, { regions: [{ content: join(dir, 'not-a-mask.png'), style: top }] })).rejects.toThrow(
      /content mask 1 '.*not-a-mask\.png'/,
    );
  });
});
