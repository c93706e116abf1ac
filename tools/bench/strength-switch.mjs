// What the strength endpoint costs at run time (issue 16): one Stylizer on ONNX Runtime with the shipped image
// model, tubingen × udnie at --size, medians of --repeats calls at full strength, on the first call at a new
// strength (the merge conv and decoder at that strength are computed and uploaded), and on repeated calls at
// it (kept uploaded; that tail runs in float32). Not a test.
//
//   node tools/bench/strength-switch.mjs [--size 512] [--repeats 3] [--threads 2]
//
// Needs packages/core built.
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { Stylizer, loadModelFromFiles } from '@adaattn/core';
import { createOnnxNodeBackend } from '@adaattn/core/backends/onnx/node';
import { cpuInfo } from './inputs.mjs';

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '512' },
    repeats: { type: 'string', default: '3' },
    threads: { type: 'string', default: '2' },
  },
});
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const samples = resolve(root, '../shared/data/samples');
const size = Number(values.size);
const repeats = Number(values.repeats);
const model = join(root, 'packages/model-image');

const loaded = await loadModelFromFiles(async (name) => new Uint8Array(await readFile(join(model, name))));
if (loaded.weights.strength === undefined) throw new Error(`${model}: model.json has no strength endpoint`);
const backend = await createOnnxNodeBackend({ threads: Number(values.threads) });
const stylizer = Stylizer.create(backend, loaded.weights);
const image = async (file) => {
  const data = await sharp(join(samples, file)).resize(size, size, { fit: 'cover' }).removeAlpha().raw().toBuffer();
  return { width: size, height: size, channels: 3, data: new Uint8Array(data) };
};
const [content, style] = [await image('content/tubingen.jpg'), await image('style/udnie.jpg')];
const timed = async (strength) => {
  const t0 = performance.now();
  await stylizer.stylize(content, style, { strength });
  return (performance.now() - t0) / 1000;
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

await timed(1); // sessions warm
const full = [];
const first = [];
const again = [];
for (let r = 0; r < repeats; r++) {
  full.push(await timed(1));
  first.push(await timed(r % 2 === 0 ? 0.5 : 0.25)); // a strength not uploaded yet
  again.push(await timed(r % 2 === 0 ? 0.5 : 0.25));
}
const cpu = await cpuInfo();
console.log(`${cpu.model}, ${values.threads} threads, ${size}², medians of ${repeats}`);
console.log(
  `full strength ${median(full).toFixed(2)} s; first call at a new strength ${median(first).toFixed(2)} s; again ${median(again).toFixed(2)} s`,
);
console.log(`new strength / full ${(median(first) / median(full)).toFixed(2)}; again / full ${(median(again) / median(full)).toFixed(2)}`);
stylizer.dispose();
