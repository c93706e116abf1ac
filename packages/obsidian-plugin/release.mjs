/**
 * The release, laid out as the Obsidian community store reads it. The store never sees this monorepo: it
 * reads a plugin repository's root (manifest.json for the latest version, README.md for the listing) and
 * downloads main.js, manifest.json and styles.css from that repository's GitHub release named after the
 * version. So this writes both halves:
 *
 *   release/repo/     manifest.json  versions.json  README.md  LICENSE  (+ docs/*.png the README shows)
 *                     → the root of the plugin's own repository (commit them there)
 *   release/assets/   main.js  manifest.json  styles.css
 *                     → attach to the GitHub release tagged exactly <version> (no "v")
 *
 * Usage: node release.mjs   (npm run release; after `npm run version -- <x.y.z>` for a new version)
 */
import { copyFile, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildPlugin } from './esbuild.config.mjs';

const here = dirname(fileURLToPath(import.meta.url));

export const REPO_FILES = ['manifest.json', 'versions.json', 'README.md', 'LICENSE'];
export const ASSET_FILES = ['main.js', 'manifest.json', 'styles.css'];

/** Checks that the version is the same everywhere the store looks, and that versions.json knows it. */
export async function checkVersions(dir = here) {
  const read = async (f) => JSON.parse(await readFile(join(dir, f), 'utf8'));
  const [manifest, versions, pkg] = await Promise.all([read('manifest.json'), read('versions.json'), read('package.json')]);
  if (!/^\d+\.\d+\.\d+$/.test(manifest.version))
    throw new Error(`manifest.json version "${manifest.version}" is not x.y.z (the store compares versions as x.y.z)`);
  if (pkg.version !== manifest.version)
    throw new Error(`package.json says ${pkg.version}, manifest.json ${manifest.version}: run npm run version -- <x.y.z>`);
  if (versions[manifest.version] !== manifest.minAppVersion) {
    throw new Error(
      `versions.json maps ${manifest.version} to ${versions[manifest.version]}, but manifest.json's minAppVersion is ${manifest.minAppVersion}`,
    );
  }
  return manifest.version;
}

export async function release({ outDir = join(here, 'release'), quiet = false } = {}) {
  const version = await checkVersions();
  await rm(outDir, { recursive: true, force: true });
  const assets = join(outDir, 'assets');
  const repo = join(outDir, 'repo');
  await buildPlugin({ outdir: assets, production: true });
  await mkdir(join(repo, 'docs'), { recursive: true });
  for (const f of REPO_FILES) await copyFile(join(here, f), join(repo, f));
  for (const f of (await readdir(join(here, 'docs'))).filter((n) => n.endsWith('.png')))
    await copyFile(join(here, 'docs', f), join(repo, 'docs', f));
  const built = (await readdir(assets)).sort();
  if (built.join() !== [...ASSET_FILES].sort().join())
    throw new Error(`the build wrote ${built.join(', ')}; the store fetches exactly ${ASSET_FILES.join(', ')}`);
  if (!quiet)
    console.log(`release ${version}:\n  ${repo}/ → the plugin repository's root\n  ${assets}/ → assets of the GitHub release "${version}"`);
  return { version, assets, repo };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  release().catch((error) => {
    console.error(`release failed: ${error.message}`);
    process.exit(1);
  });
}
