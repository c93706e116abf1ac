// The README's main job: stylize one sample photo with one sample painting through the adaattn CLI.
//   node tools/demo/quickstart.mjs   → out/tubingen-udnie.png
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const samples = resolve(repo, '../shared/data/samples');
if (!existsSync(samples)) {
  console.error(`quickstart: ${samples} not found — the read-only ../shared folder must sit beside the repository`);
  process.exit(1);
}
mkdirSync(join(repo, 'out'), { recursive: true });
const output = join(repo, 'out', 'tubingen-udnie.png');
const run = spawnSync(
  process.execPath,
  [
    join(repo, 'packages/node/dist/cli/main.js'),
    'stylize',
    '--content',
    join(samples, 'content/tubingen.jpg'),
    '--style',
    join(samples, 'style/udnie.jpg'),
    '--output',
    output,
  ],
  { stdio: 'inherit' },
);
process.exit(run.status ?? 1);
