#!/usr/bin/env node
/**
 * Makes the pictures of docs/CONTROLS.md: every stylized tile is made by the `adaattn` CLI with the shipped
 * models on ../shared/data/samples; this script only runs the commands and lays the tiles out in strips.
 *
 * Run after `npm run build`:   node tools/docs/control-pictures.mjs [--size 256] [--backend auto] [--only <section>…]
 * Writes docs/images/controls-*.jpg (each well under 150 KB) and prints the commands it ran.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { floodFill, readImage } from '@adaattn/node';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(ROOT, 'packages/node/dist/cli/main.js');
const SAMPLES = join(ROOT, '../shared/data/samples');
const OUT = join(ROOT, 'docs/images');
const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '256' },
    backend: { type: 'string', default: 'auto' },
    only: { type: 'string', multiple: true },
  },
});
const SIZE = Number(values.size);
const TILE = SIZE;
const GAP = 4;
const work = mkdtempSync(join(tmpdir(), 'adaattn-pictures-'));
mkdirSync(OUT, { recursive: true });

const content = (name) => join(SAMPLES, 'content', name);
const style = (name) => join(SAMPLES, 'style', name);
const tmp = (name) => join(work, name);

/** Runs the CLI and echoes the command as a user would type it. */
function adaattn(...args) {
  const shown = args.map((a) =>
    a.startsWith(ROOT) ? a.slice(ROOT.length) : a.startsWith(work) ? a.slice(work.length + 1) : a.replace(`${SAMPLES}/`, 'samples/'),
  );
  console.log(`adaattn ${shown.join(' ')}`);
  execFileSync(process.execPath, [CLI, ...args, '--backend', values.backend], { stdio: ['ignore', 'ignore', 'inherit'] });
}

function stylize(output, contentFile, styleFiles, ...extra) {
  adaattn('stylize', '-c', contentFile, '-s', styleFiles, '-o', tmp(output), '--size', String(SIZE), ...extra);
  return tmp(output);
}

/** Tiles (files or PNG buffers) side by side in rows, each scaled to TILE px high, on white. */
async function strip(name, rows) {
  const scaled = [];
  for (const row of rows) {
    const tiles = [];
    for (const input of row) {
      const { data, info } = await sharp(input)
        .resize({ height: TILE })
        .flatten({ background: '#ffffff' })
        .png()
        .toBuffer({ resolveWithObject: true });
      tiles.push({ data, width: info.width });
    }
    scaled.push(tiles);
  }
  const width = Math.max(...scaled.map((r) => r.reduce((w, t) => w + t.width + GAP, -GAP)));
  const height = scaled.length * (TILE + GAP) - GAP;
  const composite = scaled.flatMap((row, r) => {
    let left = 0;
    return row.map((t) => {
      const placed = { input: t.data, left, top: r * (TILE + GAP) };
      left += t.width + GAP;
      return placed;
    });
  });
  const file = join(OUT, `controls-${name}.jpg`);
  await sharp({ create: { width, height, channels: 3, background: '#ffffff' } })
    .composite(composite)
    .jpeg({ quality: 80, mozjpeg: true })
    .toFile(file);
  console.log(`→ ${file.slice(ROOT.length)}\n`);
}

/** A mask image written to disk: white inside. */
async function writeMask(name, width, height, inside) {
  const data = Buffer.alloc(width * height);
  for (let i = 0; i < data.length; i++) data[i] = inside(i % width, Math.floor(i / width)) ? 255 : 0;
  await sharp(data, { raw: { width, height, channels: 1 } })
    .png()
    .toFile(tmp(name));
  return tmp(name);
}

const photo = content('tubingen.jpg');
const [wave, udnie, feathers] = [style('wave.jpg'), style('udnie.jpg'), style('feathers.jpg')];

const SECTIONS = {
  // Interpolation: wave → udnie.
  async interpolation() {
    const outs = [
      [1, 0],
      [0.7, 0.3],
      [0.3, 0.7],
      [0, 1],
    ].map(([a, b]) => stylize(`mix-${a}.jpg`, photo, `${wave},${udnie}`, '--weights', `${a},${b}`));
    await strip('interpolation', [[wave, ...outs, udnie]]);
  },

  // Concatenation against interpolation of the same two styles.
  async concatenation() {
    const mixed = stylize('half.jpg', photo, `${wave},${feathers}`, '--weights', '0.5,0.5');
    const pooled = stylize('concat.jpg', photo, `${wave},${feathers}`, '--mix', 'concat');
    await strip('concatenation', [[wave, feathers, mixed, pooled]]);
  },

  // Regions: the sky grown from one click (core's flood fill), tied to one style, the rest to another; and
  // two regions of one style.
  async regions() {
    const image = await readImage(photo, { size: SIZE });
    const grown = floodFill(image, [{ x: Math.round(SIZE * 0.5), y: Math.round(SIZE * 0.06) }], { tolerance: 60 });
    await sharp(grown.data, { raw: { width: grown.width, height: grown.height, channels: 1 } })
      .png()
      .toFile(tmp('sky.png'));
    await sharp(grown.data, { raw: { width: grown.width, height: grown.height, channels: 1 } })
      .negate()
      .png()
      .toFile(tmp('ground.png'));
    const out = stylize(
      'regions.jpg',
      photo,
      `${wave},${udnie}`,
      '--mix',
      'concat',
      '--content-mask',
      tmp('sky.png'),
      '--style-mask',
      '@1',
      '--content-mask',
      tmp('ground.png'),
      '--style-mask',
      '@2',
    );
    // One style, two regions of it: the left half of the content from the top of the wave print (sky and
    // spray), the right half from its bottom (the dark blue wave).
    const left = await writeMask('left.png', 64, 64, (x) => x < 32);
    const right = await writeMask('right.png', 64, 64, (x) => x >= 32);
    const top = await writeMask('top.png', 64, 64, (_x, y) => y < 24);
    const bottom = await writeMask('bottom.png', 64, 64, (_x, y) => y >= 44);
    const split = stylize(
      'regions-one-style.jpg',
      photo,
      wave,
      '--content-mask',
      left,
      '--style-mask',
      top,
      '--content-mask',
      right,
      '--style-mask',
      bottom,
    );
    const plain = stylize('wave.jpg', photo, wave);
    await strip('regions', [
      [photo, tmp('sky.png'), wave, udnie, out],
      [left, top, bottom, plain, split],
    ]);
  },

  // Strength, from the content's own statistics (0) to the full style (1).
  async strength() {
    const outs = ['0', '0.25', '0.5', '0.75', '1'].map((a) => stylize(`strength-${a}.jpg`, photo, udnie, '--strength', a));
    await strip('strength', [[photo, ...outs]]);
  },

  // Colour preservation.
  async colour() {
    const other = content('venice-boat.jpg');
    const plain = stylize('colour-plain.jpg', other, udnie);
    const luminance = stylize('colour-luminance.jpg', other, udnie, '--preserve-color', 'luminance');
    const histogram = stylize('colour-histogram.jpg', other, udnie, '--preserve-color', 'histogram');
    await strip('colour', [[other, udnie, plain, luminance, histogram]]);
  },

  // Video: the same panning clip through the video model and the image model (frames 1, 4, 7, 10).
  async video() {
    const frames = tmp('clip');
    mkdirSync(frames);
    const { width, height } = await sharp(photo).metadata();
    for (let t = 0; t < 10; t++) {
      const scale = 0.8 * (1 - 0.006 * t);
      const [w, h] = [Math.round(width * scale), Math.round(height * scale)];
      await sharp(photo)
        .extract({ left: Math.round(width * (0.05 + 0.004 * t)), top: Math.round((height - h) / 2), width: w, height: h })
        .png()
        .toFile(join(frames, `${t + 1}.png`));
    }
    adaattn('video', '-i', frames, '-s', wave, '-o', tmp('video-model'), '--size', String(SIZE));
    adaattn('video', '-i', frames, '-s', wave, '-o', tmp('image-model'), '--size', String(SIZE), '--image-model');
    const pick = (dir) => [1, 4, 7, 10].map((i) => join(dir, `frame_${String(i).padStart(6, '0')}.png`));
    await strip('video', [pick(tmp('video-model')), pick(tmp('image-model'))]);
  },
};

try {
  for (const [name, make] of Object.entries(SECTIONS)) if (values.only === undefined || values.only.includes(name)) await make();
} finally {
  rmSync(work, { recursive: true, force: true });
}
