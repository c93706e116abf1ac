// @vitest-environment node
/**
 * The release layout Obsidian and its community store expect: manifest, versions.json and package.json
 * agree, and the build writes exactly the three files a vault needs.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildPlugin } from '../esbuild.config.mjs';
import manifest from '../manifest.json';
import pkg from '../package.json';
import versions from '../versions.json';

describe('release layout', () => {
  it('has one version everywhere, and versions.json maps it to the minimum app version', () => {
    expect(manifest.version).toBe(pkg.version);
    expect((versions as Record<string, string>)[manifest.version]).toBe(manifest.minAppVersion);
  });

  it("follows the store's manifest rules", () => {
    expect(manifest.id).toMatch(/^[a-z0-9-]+$/);
    expect(manifest.id).not.toMatch(/obsidian/);
    expect(manifest.name).not.toMatch(/obsidian/i);
    expect(manifest.isDesktopOnly).toBe(true); // the absolute model path uses Node's fs (README: Desktop only)
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
});
