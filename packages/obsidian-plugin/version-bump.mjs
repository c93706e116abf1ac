/**
 * Sets a new plugin version in package.json and manifest.json, and records it in versions.json with the
 * minimum Obsidian version it needs (the store uses versions.json to offer older users the last release
 * their app can run).
 *
 * Usage: npm run version -- <x.y.z> [--min-app <x.y.z>]   (minAppVersion stays as it is unless given)
 * As npm's `version` lifecycle script (`npm version <x.y.z>` in this folder) it takes npm's new version.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const SEMVER = /^\d+\.\d+\.\d+$/;

export async function bumpVersion(version, { minApp, dir = here } = {}) {
  if (!SEMVER.test(version ?? '')) throw new Error(`give the new version as x.y.z (got ${JSON.stringify(version)})`);
  if (minApp !== undefined && !SEMVER.test(minApp)) throw new Error(`--min-app must be x.y.z (got ${JSON.stringify(minApp)})`);
  const path = (f) => join(dir, f);
  const read = async (f) => JSON.parse(await readFile(path(f), 'utf8'));
  const write = (f, value) => writeFile(path(f), `${JSON.stringify(value, null, 2)}\n`);
  const [manifest, versions, pkg] = await Promise.all([read('manifest.json'), read('versions.json'), read('package.json')]);
  const order = (v) => v.split('.').reduce((n, part) => n * 100000 + Number(part), 0);
  if (order(version) < order(manifest.version) || (versions[version] !== undefined && version !== manifest.version)) {
    throw new Error(`${version} is not after ${manifest.version}: versions only go up (the store offers the highest)`);
  }
  manifest.version = version;
  if (minApp !== undefined) manifest.minAppVersion = minApp;
  versions[version] = manifest.minAppVersion;
  pkg.version = version;
  await write('manifest.json', manifest);
  await write('versions.json', versions);
  await write('package.json', pkg);
  return { version, minAppVersion: manifest.minAppVersion };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const at = args.indexOf('--min-app');
  const minApp = at >= 0 ? args[at + 1] : undefined;
  const version = args.find((a, i) => !a.startsWith('--') && (at < 0 || i !== at + 1)) ?? process.env.npm_package_version;
  bumpVersion(version, minApp === undefined ? {} : { minApp }).then(
    ({ version: v, minAppVersion }) =>
      console.log(`version ${v} (minAppVersion ${minAppVersion}) in package.json, manifest.json, versions.json`),
    (error) => {
      console.error(`version bump failed: ${error.message}`);
      process.exit(1);
    },
  );
}
