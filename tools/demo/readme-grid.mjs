// Builds docs/images/grid.jpg, the README's before/after grid: sample photos down the side, sample paintings
// along the top, every cell made by the `adaattn` CLI (so the picture shows exactly what users get).
//   node tools/demo/readme-grid.mjs [--size 320] [--cell 200] [--backend auto]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import sharp from 'sharp';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const samples = resolve(repo, '../shared/data/samples');
if (!existsSync(samples)) {
  console.error(`readme-grid: ${samples} not found — the read-only ../shared folder must sit beside the repository`);
  process.exit(1);
}
const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '320' },
    cell: { type: 'string', default: '200' },
    backend: { type: 'string', default: 'auto' },
    out: { type: 'string', default: join(repo, 'docs/images/grid.jpg') },
  },
});
const contents = ['tubingen.jpg', 'bair.jpg', 'venice-boat.jpg', 'bird.jpg'];
const styles = ['udnie.jpg', 'wave.jpg', 'rain_princess.jpg', 'feathers.jpg', '3314.jpg'];
const cli = join(repo, 'packages/node/dist/cli/main.js');
const work = join(repo, 'out/grid');
mkdirSync(work, { recursive: true });
const cell = Number(values.cell);

const tile = (file) => sharp(file).resize(cell, cell, { fit: 'cover' }).toBuffer();
const composites = [];
const place = async (file, row, col) => composites.push({ input: await tile(file), left: col * cell, top: row * cell });

for (const [j, s] of styles.entries()) await place(join(samples, 'style', s), 0, j + 1);
for (const [i, c] of contents.entries()) {
  await place(join(samples, 'content', c), i + 1, 0);
  for (const [j, s] of styles.entries()) {
    const out = join(work, `${c.split('.')[0]}-${s.split('.')[0]}.png`);
    const t0 = performance.now();
    execFileSync(
      process.execPath,
      [
        cli,
        'stylize',
        '--content',
        join(samples, 'content', c),
        '--style',
        join(samples, 'style', s),
        '--output',
        out,
        '--size',
        values.size,
        '--backend',
        values.backend,
      ],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
    console.log(`${c} × ${s}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    await place(out, i + 1, j + 1);
  }
}
mkdirSync(dirname(values.out), { recursive: true });
await sharp({ create: { width: cell * (styles.length + 1), height: cell * (contents.length + 1), channels: 3, background: '#ffffff' } })
  .composite(composites)
  .jpeg({ quality: 82 })
  .toFile(values.out);
console.log(`wrote ${values.out}`);
