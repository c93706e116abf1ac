// How close `--strength 0` comes to the photo, measured as issue 16 measures it: every sample photo × painting
// (../shared/data/samples) through the `adaattn` CLI at --size, the output against the photo resized to the
// output's size. Reports, per strength, the PSNR and the colour shift (the largest difference of channel means,
// in 8-bit levels) averaged over the pairs, with the worst pair, and per photo both at the lowest strength.
// Not a test; tools/train/strength_curve.py gives the training tool's view of the same (192 px, with the style
// and content ratios).
//
//   node tools/bench/strength-quality.mjs [--size 384] [--strengths 0,0.5] [--model packages/model-image]
//                                         [--styles N] [--backend auto]
//
// Needs `npm run build` (the CLI).
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import sharp from 'sharp';
import { cpuInfo, psnr, SAMPLES } from './inputs.mjs';

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '384' },
    strengths: { type: 'string', default: '0' },
    model: { type: 'string', default: 'packages/model-image' },
    styles: { type: 'string' },
    backend: { type: 'string', default: 'auto' },
  },
});
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const cli = join(root, 'packages/node/dist/cli/main.js');
const run = promisify(execFile);

/** The largest |difference of channel means| of two RGB buffers, in 8-bit levels. */
function colourShift(a, b) {
  const sums = [0, 0, 0];
  for (let i = 0; i < a.length; i++) sums[i % 3] += a[i] - b[i];
  return Math.max(...sums.map((s) => Math.abs(s) / (a.length / 3)));
}

const list = async (kind) => (await readdir(join(SAMPLES, kind))).sort().map((f) => join(SAMPLES, kind, f));
const photos = await list('content');
const paintings = (await list('style')).slice(0, values.styles === undefined ? undefined : Number(values.styles));
const strengths = values.strengths.split(',').map(Number);
const dir = await mkdtemp(join(tmpdir(), 'adaattn-strength-'));
const rows = new Map(strengths.map((a) => [a, []]));
const started = Date.now();
try {
  for (const photo of photos) {
    for (const painting of paintings) {
      for (const a of strengths) {
        const output = join(dir, 'out.png');
        const args = ['stylize', '-c', photo, '-s', painting, '-o', output, '--size', values.size, '--strength', String(a)];
        await run(process.execPath, [cli, ...args, '--model', resolve(root, values.model), '--backend', values.backend]);
        const { data, info } = await sharp(output).removeAlpha().raw().toBuffer({ resolveWithObject: true });
        const reference = await sharp(photo).resize(info.width, info.height, { fit: 'fill' }).removeAlpha().raw().toBuffer();
        rows.get(a).push({ photo: photo.slice(SAMPLES.length + 1), psnr: psnr(data, reference), colour: colourShift(data, reference) });
      }
    }
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}

const mean = (xs) => xs.reduce((s, x) => s + x, 0) / xs.length;
const cpu = await cpuInfo();
console.log(`strength quality, ${values.model}, ${photos.length} photos × ${paintings.length} paintings at --size ${values.size}`);
console.log(`CPU: ${cpu.model}; ${((Date.now() - started) / 1000).toFixed(0)} s`);
console.log('| strength | PSNR mean (dB) | PSNR worst | colour shift mean (/255) | colour shift worst |');
console.log('|---|---|---|---|---|');
for (const [a, r] of rows) {
  const p = r.map((x) => x.psnr);
  const c = r.map((x) => x.colour);
  console.log(`| ${a} | ${mean(p).toFixed(2)} | ${Math.min(...p).toFixed(2)} | ${mean(c).toFixed(2)} | ${Math.max(...c).toFixed(2)} |`);
}
const lowest = rows.get(Math.min(...strengths));
const perPhoto = photos
  .map((p) => p.slice(SAMPLES.length + 1))
  .map((p) => {
    const ofPhoto = lowest.filter((x) => x.photo === p);
    return `${p} ${mean(ofPhoto.map((x) => x.psnr)).toFixed(2)} dB ${mean(ofPhoto.map((x) => x.colour)).toFixed(1)}/255`;
  });
console.log(`per photo at strength ${Math.min(...strengths)} (PSNR, colour shift): ${perPhoto.join(', ')}`);
