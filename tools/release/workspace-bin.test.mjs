/**
 * Inside the repository, `npx adaattn` must run the workspace's CLI right after `npm ci && npm run build`.
 * npm links a bin only if its file exists at install time, so the bin is a committed launcher
 * (packages/node/bin/adaattn.js) that imports dist/; this checks the link and that it runs the build.
 */
import { execFile } from 'node:child_process';
import { readFile, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const run = promisify(execFile);
const REPO = fileURLToPath(new URL('../../', import.meta.url));

it('`npx adaattn` in the repository runs the workspace CLI, without asking the registry', async () => {
  const pkg = JSON.parse(await readFile(join(REPO, 'packages/node/package.json'), 'utf8'));
  expect(await realpath(join(REPO, 'node_modules/.bin/adaattn'))).toBe(join(REPO, 'packages/node', pkg.bin.adaattn));
  // --no-install: fail instead of fetching a registry package named `adaattn`.
  const { stdout } = await run('npx', ['--no-install', 'adaattn', '--version'], { cwd: REPO });
  expect(stdout.trim()).toContain(pkg.version);
}, 60_000);
