// Times core's weight loaders on issue 19's hostile checkpoints, before and after, side by side in one run:
//   node tools/bench/hostile-weights.mjs [--base <git ref>] [--timeout 60] [--case <name>]...
// Bundles packages/core/src/weights/read-weights.ts twice with esbuild (from `git archive <base>` and from the
// working tree) and runs every case in a fresh child process per version, reporting wall time of the read,
// the child's peak RSS, and what it ended in (a typed WeightsError, a load, another error, or the timeout).
// The inputs come from the working tree's generators (packages/core/src/weights/test-utils/hostile.ts).
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

const { values } = parseArgs({
  options: {
    base: { type: 'string', default: 'HEAD' },
    timeout: { type: 'string', default: '60' },
    case: { type: 'string', multiple: true },
  },
});
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const work = mkdtempSync(join(tmpdir(), 'hostile-weights-'));

// name → expression over the generators `g`, building the input bytes.
const CASES = {
  'zip: 65,534 entries → one 8 MB record': 'g.zipAliasingOneRecord()',
  'zip: extra field past the end': 'g.zipExtraPastEnd()',
  'pickle: LONG4 of 256 KB': 'g.pickleLong4(256 << 10)',
  'pickle: LONG4 of 4 MB': 'g.pickleLong4(4 << 20)',
  'pickle: APPENDS of 300k items': 'g.pickleAppends(300_000)',
  '.pth: 2 stride-0 tensors of 2^28 elements': 'g.pthStrideZero(2 ** 28, 2)',
  'safetensors holding NaN': 'g.safetensorsWith(NaN)',
  '.pth (zip) holding Infinity': "p.writeTestPth(new Map([['w', { shape: [2], data: new Float32Array([1, Infinity]) }]]), 'zip')",
  // A valid file, to see what the new checks (the NaN scan above all) cost on a real load.
  'valid: shipped image encoder (26 MB float16)': `concat(${JSON.stringify(join(root, 'packages/model-image'))}, 'encoder.safetensors')`,
};
const chosen = values.case ?? Object.keys(CASES);

async function bundle(label, coreSrc) {
  const entry = join(work, `${label}.mjs`);
  const generators = join(root, 'packages/core/src/weights/test-utils/hostile.ts');
  const pth = join(root, 'packages/core/src/testing/pth.ts');
  writeFileSync(
    entry,
    `import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readWeights } from ${JSON.stringify(join(coreSrc, 'weights/read-weights.ts'))};
import * as g from ${JSON.stringify(generators)};
import * as p from ${JSON.stringify(pth)};
// A model file as shipped: whole, or split into numbered parts to be joined.
const concat = (dir, name) => Buffer.concat(readdirSync(dir).filter((f) => f === name || f.startsWith(name + '.part-')).sort().map((f) => readFileSync(join(dir, f))));
const cases = { ${chosen.map((name) => `${JSON.stringify(name)}: () => ${CASES[name]}`).join(',\n')} };
const input = cases[process.argv[2]]();
const start = performance.now();
let outcome;
try {
  const { tensors } = readWeights(input, { file: 'hostile' });
  outcome = 'loaded ' + tensors.size + ' tensors';
} catch (e) {
  outcome = (e?.name === 'WeightsError' ? 'WeightsError ' + e.code : 'UNTYPED ' + (e?.name ?? typeof e)) + ': ' + String(e?.message).slice(0, 90);
}
const ms = performance.now() - start;
process.stdout.write(JSON.stringify({ ms, rssMB: process.resourceUsage().maxRSS / 1024, outcome }));
`,
  );
  const out = join(work, `${label}.bundle.mjs`);
  await build({ entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', outfile: out, logLevel: 'error' });
  return out;
}

function run(bundlePath, name, timeoutS) {
  return new Promise((done) => {
    const child = spawn(process.execPath, [bundlePath, name], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutS * 1000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL') return done({ ms: timeoutS * 1000, rssMB: NaN, outcome: `still running after ${timeoutS} s (killed)` });
      try {
        done(JSON.parse(stdout));
      } catch {
        done({ ms: NaN, rssMB: NaN, outcome: `crashed (exit ${code}): ${stderr.trim().split('\n').slice(-1)[0]}` });
      }
    });
  });
}

try {
  const baseDir = join(work, 'base');
  execFileSync('sh', ['-c', `mkdir -p ${baseDir} && git -C ${root} archive ${values.base} packages/core/src | tar -x -C ${baseDir}`]);
  const versions = [
    [
      `${values.base} (${execFileSync('git', ['-C', root, 'rev-parse', '--short', values.base]).toString().trim()})`,
      await bundle('base', join(baseDir, 'packages/core/src')),
    ],
    ['working tree', await bundle('work', join(root, 'packages/core/src'))],
  ];
  console.log(`CPU: ${cpus()[0].model} (${cpus().length} cores), node ${process.version}; timeout ${values.timeout} s per case\n`);
  console.log('| case | version | read time | peak RSS | outcome |');
  console.log('|---|---|---|---|---|');
  for (const name of chosen) {
    for (const [label, path] of versions) {
      const r = await run(path, name, Number(values.timeout));
      const time = Number.isNaN(r.ms) ? '—' : r.ms >= 1000 ? `${(r.ms / 1000).toFixed(1)} s` : `${r.ms.toFixed(1)} ms`;
      const rss = Number.isNaN(r.rssMB) ? '—' : `${r.rssMB.toFixed(0)} MB`;
      console.log(`| ${name} | ${label} | ${time} | ${rss} | ${r.outcome.replace(/\|/g, '\\|')} |`);
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
