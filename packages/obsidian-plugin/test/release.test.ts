// @vitest-environment node
/**
 * The release layout Obsidian and its community store expect: manifest, versions.json and package.json
 * agree, and the build writes exactly the three files a vault needs.
 */
import { copyFile, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildPlugin } from '../esbuild.config.mjs';
import { ASSET_FILES, release, REPO_FILES } from '../release.mjs';
import { bumpVersion } from '../version-bump.mjs';
import manifest from '../manifest.json';
import pkg from '../package.json';
import versions from '../versions.json';

const pkgDir = fileURLToPath(new URL('../', import.meta.url));

describe('release layout', () => {
  it('has one version everywhere, and versions.json maps it to the minimum app version', () => {
    expect(manifest.version).toBe(pkg.version);
    expect((versions as Record<string, string>)[manifest.version]).toBe(manifest.minAppVersion);
  });

  it("follows the store's manifest rules", () => {
    expect(manifest.id).toMatch(/^[a-z0-9-]+$/);
    expect(manifest.id).not.toMatch(/obsidian/);
    expect(manifest.name).not.toMatch(/obsidian/i);
    expect(manifest.id).not.toMatch(/plugin$/);
    expect(manifest.isDesktopOnly).toBe(true); // the absolute model path uses Node's fs (README: Desktop only)
    // Submission requirements: a short description (250 characters at most) ending with a period.
    expect(manifest.description.length).toBeLessThanOrEqual(250);
    expect(manifest.description).toMatch(/\.$/);
  });

  it('builds main.js (CommonJS, obsidian external) beside manifest.json and styles.css', async () => {
    const outdir = await mkdtemp(join(tmpdir(), 'adaattn-release-'));
    try {
      await buildPlugin({ outdir, production: true });
      expect((await readdir(outdir)).sort()).toEqual(['main.js', 'manifest.json', 'styles.css']);
      const main = await readFile(join(outdir, 'main.js'), 'utf8');
      expect(main).toContain('require("obsidian")');
      expect(main).toMatch(/module\.exports\s*=/);
      expect(main).not.toMatch(/^\s*(import|export)\s/m);
    } finally {
      await rm(outdir, { recursive: true, force: true });
    }
  });

  it('writes the plugin repository root and the GitHub release assets, each exactly what the store reads', async () => {
    const out = await mkdtemp(join(tmpdir(), 'adaattn-obsidian-release-'));
    try {
      const { version, assets, repo } = await release({ outDir: out, quiet: true });
      expect(version).toBe(manifest.version);
      expect((await readdir(assets)).sort()).toEqual([...ASSET_FILES].sort());
      expect((await readdir(repo)).filter((f) => f !== 'docs').sort()).toEqual([...REPO_FILES].sort());
      // The README's pictures travel with it; the licence is the repository's.
      const readme = await readFile(join(repo, 'README.md'), 'utf8');
      for (const [, png] of readme.matchAll(/\]\((docs\/[^)]+\.png)\)/g))
        expect(await readdir(join(repo, 'docs'))).toContain((png as string).slice('docs/'.length));
      expect(await readFile(join(repo, 'LICENSE'), 'utf8')).toBe(await readFile(join(pkgDir, '../../LICENSE'), 'utf8'));
      expect(readme).toMatch(/## Network use/);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  }, 60_000);

  it('bumps the version in package.json and manifest.json and records it in versions.json', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'adaattn-obsidian-bump-'));
    try {
      for (const f of ['manifest.json', 'versions.json', 'package.json']) await copyFile(join(pkgDir, f), join(dir, f));
      await bumpVersion('0.2.0', { dir });
      await bumpVersion('0.3.0', { dir, minApp: '1.5.0' });
      const read = async (f: string) => JSON.parse(await readFile(join(dir, f), 'utf8')) as Record<string, unknown>;
      expect(await read('versions.json')).toEqual({ ...versions, '0.2.0': manifest.minAppVersion, '0.3.0': '1.5.0' });
      expect(await read('manifest.json')).toMatchObject({ version: '0.3.0', minAppVersion: '1.5.0' });
      expect((await read('package.json'))['version']).toBe('0.3.0');
      await expect(bumpVersion('v0.4', { dir })).rejects.toThrow('x.y.z');
      await expect(bumpVersion('0.2.0', { dir })).rejects.toThrow('versions only go up');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
