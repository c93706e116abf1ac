// What `precision: 'int8'` costs in quality (issue 15): every sample content × style pair (../shared/data/
// samples), square crops at --size, stylized on ONNX Runtime in float32 and in int8 with the same model; reports
// the PSNR of each int8 image against its float32 twin and, through tools/bench/style_metrics.py, the style
// and content distance ratios (tools/pysrc/adaattn_torch/metrics.py) of both. Not a test.
//
//   node tools/bench/int8-quality.mjs [--size 384] [--model packages/model-image] [--limit N] [--keep <dir>]
//                                     [--picture docs/images/int8-compare.jpg]
//
// --picture writes float32 | int8 | 4 × |difference| for the median and the worst pair by PSNR.
//
// Needs packages/core built and /usr/bin/python3 with torch (for the ratios).
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import sharp from 'sharp';
import { Stylizer, loadModelFromFiles } from '@adaattn/core';
import { createOnnxNodeBackend } from '@adaattn/core/backends/onnx/node';
import { cpuInfo, psnr, SAMPLES, squareSample } from './inputs.mjs';

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '384' },
    model: { type: 'string', default: 'packages/model-image' },
    limit: { type: 'string' },
    keep: { type: 'string' },
    picture: { type: 'string' },
    threads: { type: 'string', default: '2' },
  },
});
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const size = Number(values.size);
const model = resolve(root, values.model);

const loaded = await loadModelFromFiles(async (name) => new Uint8Array(await readFile(join(model, name))));
if (loaded.config.int8 === undefined) throw new Error(`${model}: model.json has no int8 ranges (tools/train/calibrate_int8.py)`);
const backend = await createOnnxNodeBackend({ threads: Number(values.threads) });
const float32 = Stylizer.create(backend, loaded.weights);
const int8 = Stylizer.create(backend, loaded.weights, { int8: loaded.config.int8 });

const dir = values.keep === undefined ? await mkdtemp(join(tmpdir(), 'adaattn-int8-')) : resolve(values.keep);
await mkdir(dir, { recursive: true });
async function square(file, name) {
  const path = join(dir, `${name}.png`);
  const data = await squareSample(file, size);
  await sharp(data, { raw: { width: size, height: size, channels: 3 } })
    .png()
    .toFile(path);
  return { image: { width: size, height: size, channels: 3, data: new Uint8Array(data) }, path };
}
const save = (pixels, path) =>
  sharp(Buffer.from(pixels.data), { raw: { width: size, height: size, channels: 3 } })
    .png()
    .toFile(path);

const list = async (kind) => (await readdir(join(SAMPLES, kind))).sort().map((f) => join(SAMPLES, kind, f));
const contents = await Promise.all((await list('content')).map((f, i) => square(f, `content${i}`)));
const styles = await Promise.all((await list('style')).map((f, i) => square(f, `style${i}`)));
let pairs = contents.flatMap((c, i) => styles.map((s, j) => ({ c, s, i, j })));
if (values.limit !== undefined) pairs = pairs.slice(0, Number(values.limit));

// Warm both (sessions), then time each pair's two calls back to back.
await float32.stylize(contents[0].image, styles[0].image);
await int8.stylize(contents[0].image, styles[0].image);
const rows = [];
const time = { float32: 0, int8: 0 };
for (const { c, s, i, j } of pairs) {
  let t0 = performance.now();
  const a = await float32.stylize(c.image, s.image);
  time.float32 += performance.now() - t0;
  t0 = performance.now();
  const b = await int8.stylize(c.image, s.image);
  time.int8 += performance.now() - t0;
  const outputs = { float32: join(dir, `out${i}-${j}-float32.png`), int8: join(dir, `out${i}-${j}-int8.png`) };
  await save(a, outputs.float32);
  await save(b, outputs.int8);
  rows.push({ content: c.path, style: s.path, outputs, psnr: psnr(a.data, b.data) });
  process.stderr.write(`int8-quality: ${rows.length}/${pairs.length} ${psnr(a.data, b.data).toFixed(1)} dB\n`);
}
float32.dispose();
int8.dispose();

await writeFile(join(dir, 'pairs.json'), JSON.stringify(rows));
if (values.picture !== undefined) await picture(resolve(values.picture));

/** float32 | int8 | 4 × |difference| for the median and the worst pair by PSNR, one row each, as a JPEG. */
async function picture(path) {
  const byPsnr = [...rows].sort((a, b) => a.psnr - b.psnr);
  const chosen = [byPsnr[Math.floor(byPsnr.length / 2)], byPsnr[0]];
  const gap = 6;
  const tiles = [];
  for (const [row, r] of chosen.entries()) {
    const [a, b] = await Promise.all([r.outputs.float32, r.outputs.int8].map((f) => sharp(f).raw().toBuffer()));
    const diff = Buffer.from(a.map((v, i) => Math.min(255, 4 * Math.abs(v - b[i]))));
    [a, b, diff].forEach((data, col) =>
      tiles.push({ input: data, raw: { width: size, height: size, channels: 3 }, left: col * (size + gap), top: row * (size + gap) }),
    );
  }
  const canvas = { width: 3 * size + 2 * gap, height: 2 * size + gap, channels: 3, background: '#ffffff' };
  await sharp({ create: canvas }).composite(tiles).jpeg({ quality: 80 }).toFile(path);
  console.log(`picture: ${path} (rows: the median pair, ${chosen[0].psnr.toFixed(1)} dB, and the worst, ${chosen[1].psnr.toFixed(1)} dB)`);
}
const { stdout } = await promisify(execFile)(
  '/usr/bin/python3',
  [join(root, 'tools/bench/style_metrics.py'), '--model', model, '--pairs', join(dir, 'pairs.json'), '--threads', values.threads],
  { env: { ...process.env, PYTHONPATH: join(root, 'tools/pysrc') }, maxBuffer: 1 << 24 },
);
const measured = stdout
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l));
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const dbs = rows.map((r) => r.psnr);
const ratio = (name, key) => mean(measured.map((m) => m[name][key]));
const cpu = await cpuInfo();
console.log(
  `| | float32 | int8 |
|---|---|---|
| PSNR against float32 (mean, worst) | — | ${mean(dbs).toFixed(1)} dB, ${Math.min(...dbs).toFixed(1)} dB |
| style distance ratio (mean; lower = closer to the painting) | ${ratio('float32', 'styleRatio').toFixed(3)} | ${ratio('int8', 'styleRatio').toFixed(3)} |
| content distance ratio (mean; lower = closer to the photo) | ${ratio('float32', 'contentRatio').toFixed(3)} | ${ratio('int8', 'contentRatio').toFixed(3)} |
| time for the ${rows.length} images (s) | ${(time.float32 / 1000).toFixed(1)} | ${(time.int8 / 1000).toFixed(1)} |

${rows.length} pairs (${contents.length} contents × ${styles.length} styles of ../shared/data/samples${values.limit ? `, first ${values.limit}` : ''}), ${size}² square crops, ` +
    `${values.model} (${loaded.config.name}), onnxruntime-node, ${values.threads} threads; ${cpu.model}.
Command: \`node tools/bench/int8-quality.mjs --size ${size}${values.limit ? ` --limit ${values.limit}` : ''}\``,
);
if (values.keep === undefined) await rm(dir, { recursive: true, force: true });
else console.log(`images kept in ${dir}`);
