#!/usr/bin/env node
/**
 * Temporal stability of the video model against the image model (docs/CONTROLS.md, "Video").
 *
 * A short synthetic clip is made by slowly panning and zooming over a sample photo; every frame is stylized
 * independently with one style encoded once, by each model. The number reported is the mean absolute change
 * between consecutive output frames divided by the same for the input frames: how much of the input's own
 * motion the stylization amplifies into flicker (lower is steadier; an ideal flow-consistent stylization of
 * a pan would stay near the content's own ratio, about 1).
 *
 * Run after `npm run build` (it uses @adaattn/node's dist):
 *   node tools/bench/temporal-stability.mjs [--frames 12] [--size 256] [--backend auto] [--content <photo>] [--style <painting>…]
 *     [--video-model <dir>] [--image-model <dir>]   (default: the shipped models; name an older export to compare)
 *     [--strength <α>]   (default 1; below 1 every frame also gets the colour anchor of its own photo frame)
 */
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { createStylizer, defaultModelDir, defaultVideoModelDir, readImage } from '@adaattn/node';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SAMPLES = `${ROOT}../shared/data/samples`;
const { values } = parseArgs({
  options: {
    frames: { type: 'string', default: '12' },
    size: { type: 'string', default: '256' },
    backend: { type: 'string', default: 'auto' },
    content: { type: 'string', default: `${SAMPLES}/content/tubingen.jpg` },
    style: { type: 'string', multiple: true, default: [`${SAMPLES}/style/wave.jpg`, `${SAMPLES}/style/udnie.jpg`] },
    'video-model': { type: 'string', default: defaultVideoModelDir() },
    'image-model': { type: 'string', default: defaultModelDir() },
    strength: { type: 'string', default: '1' },
  },
});
const FRAMES = Number(values.frames);
const SIZE = Number(values.size);

/** Frame t: a window over the photo that moves right 0.4 % of its width and shrinks 0.6 % per frame. */
async function makeClip(photo) {
  const { width, height } = await sharp(photo).metadata();
  const frames = [];
  for (let t = 0; t < FRAMES; t++) {
    const scale = 0.8 * (1 - 0.006 * t);
    const w = Math.round(width * scale);
    const h = Math.round(height * scale);
    const left = Math.round(width * 0.05 + width * 0.004 * t);
    const top = Math.round((height - h) / 2);
    const bytes = await sharp(photo).extract({ left, top, width: w, height: h }).resize(SIZE, SIZE, { fit: 'inside' }).png().toBuffer();
    frames.push(await readImage(bytes));
  }
  return frames;
}

/** Mean absolute difference of two 8-bit images of one size, in 0–255 units. */
function meanAbsDiff(a, b) {
  let sum = 0;
  for (let i = 0; i < a.data.length; i++) sum += Math.abs(a.data[i] - b.data[i]);
  return sum / a.data.length;
}

function motion(frames) {
  let sum = 0;
  for (let t = 1; t < frames.length; t++) sum += meanAbsDiff(frames[t], frames[t - 1]);
  return sum / (frames.length - 1);
}

async function run(model, frames, style) {
  const stylizer = await createStylizer({ model, backend: values.backend });
  const encoded = await stylizer.encodeStyle(style, { size: SIZE });
  const started = Date.now();
  const out = [];
  for (const frame of frames) out.push(await stylizer.stylize(frame, encoded, { size: 0, strength: Number(values.strength) }));
  const seconds = (Date.now() - started) / 1000 / frames.length;
  encoded.dispose();
  await stylizer.dispose();
  return { motion: motion(out), secondsPerFrame: seconds, backend: stylizer.backend };
}

const frames = await makeClip(values.content);
const input = motion(frames);
console.log(
  `clip: ${FRAMES} frames ${frames[0].width}×${frames[0].height} from ${values.content.split('/').pop()}; input mean |Δ| between frames ${input.toFixed(2)} (0–255)`,
);
console.log(`models: video ${values['video-model']}, image ${values['image-model']}; strength ${values.strength}`);
console.log('| style | model | output mean abs change | ÷ input change | s/frame |');
console.log('|---|---|---|---|---|');
const summary = { video: [], image: [] };
for (const style of values.style) {
  for (const [name, dir] of [
    ['video', values['video-model']],
    ['image', values['image-model']],
  ]) {
    const r = await run(dir, frames, style);
    summary[name].push(r.motion / input);
    console.log(
      `| ${style.split('/').pop()} | ${name} | ${r.motion.toFixed(2)} | ${(r.motion / input).toFixed(2)} | ${r.secondsPerFrame.toFixed(2)} (${r.backend}) |`,
    );
  }
}
const mean = (xs) => xs.reduce((a, x) => a + x, 0) / xs.length;
console.log(`\nmean ratio: video model ${mean(summary.video).toFixed(2)}, image model ${mean(summary.image).toFixed(2)} (input: 1.00)`);
