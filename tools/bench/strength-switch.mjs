// What the strength endpoint costs at run time (issue 16): one Stylizer on ONNX Runtime with the shipped image
// model, tubingen × udnie at --size, medians of --repeats calls at full strength, on the first call at a new
// strength (the merge conv and decoder at that strength are computed and uploaded, and new sessions made), and
// on the third call at it (kept uploaded; that tail runs in float32), and — to separate the two costs of a strength below 1 — a
// stylizer without the endpoint at that strength (the attention statistics blended and the colour anchor, the
// decoder the model's own); and the colour anchor that every call below full strength ends with, timed on its
// own (weight 1 on a full-strength output of this size: how many passes it takes depends on clipping). Not a test.
//
//   node tools/bench/strength-switch.mjs [--size 512] [--repeats 5] [--threads 2]
//
// Needs packages/core built.
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Stylizer, anchorColorMeans, loadModelFromFiles, pixelsToFloat } from '@adaattn/core';
import { createOnnxNodeBackend } from '@adaattn/core/backends/onnx/node';
import { cpuInfo, sampleImage } from './inputs.mjs';

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '512' },
    repeats: { type: 'string', default: '5' },
    threads: { type: 'string', default: '2' },
  },
});
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const size = Number(values.size);
const repeats = Number(values.repeats);
const model = join(root, 'packages/model-image');

const loaded = await loadModelFromFiles(async (name) => new Uint8Array(await readFile(join(model, name))));
if (loaded.weights.strength === undefined) throw new Error(`${model}: model.json has no strength endpoint`);
const backend = await createOnnxNodeBackend({ threads: Number(values.threads) });
const stylizer = Stylizer.create(backend, loaded.weights);
const { strength: _endpoint, ...withoutEndpoint } = loaded.weights;
const statisticsOnly = Stylizer.create(backend, withoutEndpoint);
const [content, style] = [await sampleImage('content/tubingen.jpg', size), await sampleImage('style/udnie.jpg', size)];
const timed = async (strength, s = stylizer) => {
  const t0 = performance.now();
  await s.stylize(content, style, { strength });
  return (performance.now() - t0) / 1000;
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

await timed(1); // sessions warm
await timed(0.5, statisticsOnly);
const full = [];
const first = [];
const again = [];
const statistics = [];
for (let r = 0; r < repeats; r++) {
  full.push(await timed(1));
  first.push(await timed(r % 2 === 0 ? 0.5 : 0.25)); // a strength not uploaded yet
  await timed(r % 2 === 0 ? 0.5 : 0.25); // ORT's arenas settle over the first calls of a new session
  again.push(await timed(r % 2 === 0 ? 0.5 : 0.25));
  statistics.push(await timed(0.5, statisticsOnly));
}
const floatContent = pixelsToFloat(content);
const decoded = (await stylizer.stylizeFloat(floatContent, floatContent, { strength: 1 })).output;
const anchor = [];
for (let r = 0; r < repeats; r++) {
  const t0 = performance.now();
  anchorColorMeans(decoded, floatContent, 1);
  anchor.push((performance.now() - t0) / 1000);
}
const cpu = await cpuInfo();
console.log(`${cpu.model}, ${values.threads} threads, ${size}², medians of ${repeats}`);
console.log(
  `full strength ${median(full).toFixed(2)} s; first call at a new strength ${median(first).toFixed(2)} s; again ${median(again).toFixed(2)} s`,
);
console.log(`without the endpoint at 0.5 (statistics and colour anchor) ${median(statistics).toFixed(2)} s`);
const ratio = (xs) => (median(xs) / median(full)).toFixed(2);
console.log(`÷ full strength: new strength ${ratio(first)}, again ${ratio(again)}, without the endpoint ${ratio(statistics)}`);
console.log(
  `colour anchor alone ${(median(anchor) * 1000).toFixed(1)} ms (${((100 * median(anchor)) / median(full)).toFixed(2)} % of a full-strength call)`,
);
stylizer.dispose();
statisticsOnly.dispose();
