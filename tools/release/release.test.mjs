/**
 * The release test: what a user meets after `npm publish`, without a checkout of this repository.
 *
 * Starts verdaccio on 127.0.0.1 (a temporary storage and a throwaway user; third-party packages are proxied
 * from the npm registry), publishes every public package's packed tarball to it, then in a fresh project
 * under the OS temp directory (no .npmrc of ours, npm's environment scrubbed) installs @adaattn/node as the
 * README says and runs: the CLI without --model, the README's ESM script verbatim, a CommonJS require, and
 * a strict TypeScript check. Everything it started or wrote is stopped and removed at the end.
 */
import { execFile, spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const require = createRequire(import.meta.url);
const REPO = fileURLToPath(new URL('../../', import.meta.url));
const SAMPLES = join(REPO, '../shared/data/samples');
const UPSTREAM = process.env.ADAATTN_RELEASE_UPSTREAM ?? 'https://registry.npmjs.org/';
const MINUTE = 60_000;

let tmp;
let registry;
let verdaccio;
let project;
/** Environment of every child: npm's own variables removed, so the repo's .npmrc and scripts do not leak in. */
let env;

/** Every packages/* that is not private, dependencies first (so each publish finds its @adaattn/* dependencies). */
async function publicPackages() {
  const all = [];
  for (const name of await readdir(join(REPO, 'packages'))) {
    const pkg = JSON.parse(await readFile(join(REPO, 'packages', name, 'package.json'), 'utf8'));
    if (pkg.private !== true)
      all.push({ dir: `packages/${name}`, name: pkg.name, deps: Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies }) });
  }
  const ordered = [];
  while (ordered.length < all.length) {
    const next = all.find(
      (p) => !ordered.includes(p) && p.deps.every((d) => !all.some((q) => q.name === d) || ordered.some((q) => q.name === d)),
    );
    if (next === undefined) throw new Error('the public packages depend on each other in a cycle');
    ordered.push(next);
  }
  return ordered.map((p) => p.dir);
}

async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitForRegistry(url, child, log) {
  const deadline = Date.now() + MINUTE;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`verdaccio exited with ${child.exitCode}:\n${log()}`);
    try {
      if ((await fetch(`${url}-/ping`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`verdaccio did not answer on ${url} within a minute:\n${log()}`);
}

/** npm with the given args, in `cwd`, against the local registry; output kept for the failure message. */
async function npm(args, cwd, extraEnv = {}) {
  try {
    return await run('npm', [...args, '--registry', registry], { cwd, env: { ...env, ...extraEnv }, maxBuffer: 64 << 20 });
  } catch (err) {
    throw new Error(`npm ${args.join(' ')} failed in ${cwd}:\n${err.stdout}\n${err.stderr}`);
  }
}

/** A command in the fresh project; rejects with its output on a non-zero exit. */
async function inProject(cmd, args, extraEnv = {}) {
  try {
    return await run(cmd, args, { cwd: project, env: { ...env, ...extraEnv }, maxBuffer: 64 << 20 });
  } catch (err) {
    throw new Error(`${cmd} ${args.join(' ')} failed (exit ${err.code}):\n${err.stdout}\n${err.stderr}`);
  }
}

/** Width and height from a PNG's IHDR chunk (the first chunk, at a fixed offset). */
async function pngSize(path) {
  const bytes = await readFile(path);
  expect(bytes.subarray(1, 4).toString('latin1')).toBe('PNG');
  return [bytes.readUInt32BE(16), bytes.readUInt32BE(20)];
}

/** The README's code block marked `<!-- release-test: NAME -->`, exactly as a user copies it. */
async function readmeBlock(readme, name) {
  const text = await readFile(join(REPO, readme), 'utf8');
  const match = text.match(new RegExp(`<!-- release-test: ${name.replace('.', '\\.')} -->\\n\`\`\`\\w*\\n([\\s\\S]*?)\`\`\``));
  if (match === null) throw new Error(`${readme} has no block marked <!-- release-test: ${name} -->`);
  return match[1];
}

beforeAll(async () => {
  env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) && k !== 'INIT_CWD'));
  // `npm test` puts the repository's node_modules/.bin first on PATH; a user's shell has none of it.
  env.PATH = (env.PATH ?? '')
    .split(':')
    .filter((p) => !p.startsWith(REPO))
    .join(':');
  tmp = await mkdtemp(join(tmpdir(), 'adaattn-release-'));
  const port = await freePort();
  registry = `http://127.0.0.1:${port}/`;
  const config = join(tmp, 'verdaccio.yaml');
  await writeFile(
    config,
    [
      `storage: ${JSON.stringify(join(tmp, 'storage'))}`,
      'auth:',
      `  htpasswd: { file: ${JSON.stringify(join(tmp, 'htpasswd'))}, max_users: 1 }`,
      `uplinks: { npmjs: { url: ${JSON.stringify(UPSTREAM)}, timeout: 120s, maxage: 30m } }`,
      'packages:',
      // Ours are served from this registry only, never the upstream's same-named packages.
      "  '@adaattn/*': { access: $all, publish: $authenticated }",
      "  '**': { access: $all, publish: $authenticated, proxy: npmjs }",
      'max_body_size: 200mb',
      'log: { type: stdout, format: pretty, level: warn }',
      'web: { enable: false }',
      '',
    ].join('\n'),
  );
  let output = '';
  verdaccio = spawn(process.execPath, [require.resolve('verdaccio/bin/verdaccio'), '--config', config, '--listen', `127.0.0.1:${port}`], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  verdaccio.stdout.on('data', (d) => (output += d));
  verdaccio.stderr.on('data', (d) => (output += d));
  await waitForRegistry(registry, verdaccio, () => output);

  // A throwaway user: verdaccio's htpasswd plugin creates it on first login and returns a token.
  const user = { name: 'release-test', password: `pw-${process.pid}-${Date.now()}` };
  const res = await fetch(`${registry}-/user/org.couchdb.user:${user.name}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ _id: `org.couchdb.user:${user.name}`, ...user, type: 'user', roles: [] }),
  });
  expect(res.status, await res.clone().text()).toBe(201);
  const { token } = await res.json();
  const publisherRc = join(tmp, 'publisher.npmrc');
  await writeFile(publisherRc, `//127.0.0.1:${port}/:_authToken=${token}\n`);

  const tarballs = join(tmp, 'tarballs');
  await mkdir(tarballs);
  const publicDirs = await publicPackages();
  expect(publicDirs).toEqual(expect.arrayContaining(['packages/core', 'packages/model-image', 'packages/model-video', 'packages/node']));
  for (const dir of publicDirs) {
    const { stdout } = await npm(['pack', '--json', '--pack-destination', tarballs], join(REPO, dir), {
      npm_config_userconfig: publisherRc,
    });
    const [info] = JSON.parse(stdout);
    console.log(
      `packed ${info.name}@${info.version}: ${(info.size / 1e6).toFixed(1)} MB packed, ${(info.unpackedSize / 1e6).toFixed(1)} MB unpacked, ${info.entryCount} files`,
    );
    const published = await npm(['publish', join(tarballs, info.filename)], tmp, { npm_config_userconfig: publisherRc });
    // npm "corrects" a bad package.json at publish time with warnings (an invalid bin is dropped, for one).
    expect(`${published.stdout}\n${published.stderr}`, `npm publish of ${info.name}`).not.toMatch(/npm warn publish/i);
  }

  project = join(tmp, 'project');
  await mkdir(project);
  await writeFile(join(project, 'package.json'), `${JSON.stringify({ name: 'adaattn-release-check', private: true }, null, 2)}\n`);
  await writeFile(join(tmp, 'user.npmrc'), '');
  env.npm_config_userconfig = join(tmp, 'user.npmrc'); // not the machine's ~/.npmrc either
  for (const [from, to] of [
    ['content/14.jpg', 'photo.jpg'],
    ['style/3314.jpg', 'painting.jpg'],
  ])
    await cp(join(SAMPLES, from), join(project, to));
  // The README's install line: the CPU user skips onnxruntime-node's CUDA download.
  const started = Date.now();
  await npm(['install', '@adaattn/node'], project, { ONNXRUNTIME_NODE_INSTALL: 'skip' });
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  // One du per folder: a single du counts a folder once, so subfolders listed after their parent vanish.
  const sizes = [];
  for (const dir of [
    'node_modules',
    ...['onnxruntime-node', '@img', 'sharp', '@adaattn', 'onnxruntime-common'].map((d) => `node_modules/${d}`),
  ]) {
    sizes.push((await run('du', ['-sh', dir], { cwd: project })).stdout.trim());
  }
  console.log(`npm install @adaattn/node (CPU, ONNXRUNTIME_NODE_INSTALL=skip): ${seconds} s; du -sh:\n${sizes.join('\n')}`);
}, 8 * MINUTE);

afterAll(async () => {
  if (verdaccio !== undefined && verdaccio.exitCode === null) {
    const exited = new Promise((resolve) => verdaccio.once('exit', resolve));
    verdaccio.kill('SIGTERM');
    await exited;
  }
  if (tmp !== undefined) await rm(tmp, { recursive: true, force: true });
});

describe('a fresh project with @adaattn/node from the registry', () => {
  it('installed the model package and no TensorFlow.js', async () => {
    const installed = await readdir(join(project, 'node_modules', '@adaattn'));
    expect(installed.sort()).toEqual(['core', 'model-image', 'node']);
    await expect(stat(join(project, 'node_modules', '@tensorflow'))).rejects.toThrow(/ENOENT/);
    // The CUDA provider was skipped: only the CPU library is there.
    const ortLinux = join(project, 'node_modules/onnxruntime-node/bin/napi-v6/linux/x64');
    expect((await readdir(ortLinux)).filter((f) => f.includes('cuda'))).toEqual([]);
  });

  it(
    '`npx adaattn stylize` without --model writes an image',
    async () => {
      await inProject('npx', [
        'adaattn',
        'stylize',
        '--content',
        'photo.jpg',
        '--style',
        'painting.jpg',
        '--output',
        'x.png',
        '--size',
        '64',
      ]);
      const [w, h] = await pngSize(join(project, 'x.png'));
      expect(Math.max(w, h)).toBe(64);
    },
    3 * MINUTE,
  );

  it(
    'names the package to install for a model or a backend that is not there',
    async () => {
      const video = inProject('npx', ['adaattn', 'video', '--input', 'photo.jpg', '--style', 'painting.jpg', '--output', 'frames-out']);
      await expect(video).rejects.toThrow(
        /no video model: @adaattn\/model-video is not installed \(run `npm install @adaattn\/model-video`\)/,
      );
      const wasm = inProject('npx', [
        'adaattn',
        'stylize',
        '--content',
        'photo.jpg',
        '--style',
        'painting.jpg',
        '--output',
        'w.png',
        '--backend',
        'wasm',
      ]);
      await expect(wasm).rejects.toThrow(
        /not installed \(run `npm install @tensorflow\/tfjs-core@4\.22\.0 @tensorflow\/tfjs-backend-wasm@4\.22\.0`\)/,
      );
      const worker = inProject('npx', ['adaattn', 'worker', '--queue', 'redis://127.0.0.1:1']);
      await expect(worker).rejects.toThrow(/run 'npm install @adaattn\/queue' beside @adaattn\/node/);
    },
    2 * MINUTE,
  );

  it(
    "the README's ESM script runs as written",
    async () => {
      const script = await readmeBlock('packages/node/README.md', 'stylize.mjs');
      expect(await readmeBlock('README.md', 'stylize.mjs'), 'the root README shows the same script').toBe(script);
      await writeFile(join(project, 'stylize.mjs'), script);
      const { stdout } = await inProject('node', ['stylize.mjs']);
      expect(stdout).toMatch(/wrote out\.png \(256×\d+\) on onnx/);
      expect(Math.max(...(await pngSize(join(project, 'out.png'))))).toBe(256);
    },
    3 * MINUTE,
  );

  it(
    'CommonJS require() works (Node’s require(esm))',
    async () => {
      await writeFile(
        join(project, 'require.cjs'),
        [
          "const { createStylizer, writeImage, ModelNotFoundError } = require('@adaattn/node');",
          "if (typeof ModelNotFoundError !== 'function') throw new Error('exports missing');",
          '(async () => {',
          '  const s = await createStylizer();',
          "  await writeImage('cjs.png', await s.stylize('photo.jpg', 'painting.jpg', { size: 64 }));",
          '  await s.dispose();',
          '})();',
          '',
        ].join('\n'),
      );
      await inProject('node', ['require.cjs']);
      expect(Math.max(...(await pngSize(join(project, 'cjs.png'))))).toBe(64);
    },
    3 * MINUTE,
  );

  it(
    'a strict TypeScript program using the public types type-checks',
    async () => {
      await writeFile(
        join(project, 'check.ts'),
        [
          "import { createStylizer, writeImage, ModelNotFoundError, type CreateStylizerOptions, type StylizeProgress, type NodeStylizer } from '@adaattn/node';",
          "const options: CreateStylizerOptions = { backend: 'auto', threads: 2 };",
          'const progress = (p: StylizeProgress): number => p.fraction;',
          'export async function main(signal: AbortSignal): Promise<string> {',
          '  const s: NodeStylizer = await createStylizer(options);',
          "  const out = await s.stylize('photo.jpg', 'painting.jpg', { size: 64, signal, onProgress: (p) => progress(p) });",
          "  await writeImage('ts.png', out);",
          '  await s.dispose();',
          '  return `${out.width}x${out.height} ${s.model.name}`;',
          '}',
          'export const isMissing = (e: unknown): boolean => e instanceof ModelNotFoundError && e.code === "missing-file";',
          '',
        ].join('\n'),
      );
      // The repository's TypeScript and @types/node (installing them here would only time the registry); the
      // types of @adaattn/* and their dependencies come from the project's node_modules, libraries checked too.
      const tsc = require.resolve('typescript/bin/tsc');
      const typeRoots = join(REPO, 'node_modules/@types');
      await inProject(process.execPath, [
        tsc,
        '--strict',
        '--noEmit',
        '--module',
        'nodenext',
        '--moduleResolution',
        'nodenext',
        '--target',
        'es2022',
        '--typeRoots',
        typeRoots,
        '--types',
        'node',
        'check.ts',
      ]);
    },
    3 * MINUTE,
  );
});
