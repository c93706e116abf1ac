/** build.mjs's manifest check, and that a build produces what "Import plugin from manifest" needs. */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildPlugin, DEFAULT_MODEL_URL, domainAllowed } from './build.mjs';
import { release } from './release.mjs';

const packageDir = dirname(fileURLToPath(import.meta.url));

describe('domainAllowed', () => {
  it('matches origins, wildcards and bare hosts the way Figma’s networkAccess lists them', () => {
    expect(domainAllowed('http://localhost:8787/adaattn-image/', ['http://localhost:8787'])).toBe(true);
    expect(domainAllowed('http://localhost:9000/m/', ['http://localhost:8787'])).toBe(false);
    expect(domainAllowed('https://cdn.example.com/m/', ['*.example.com'])).toBe(true);
    expect(domainAllowed('https://example.com/m/', ['example.com'])).toBe(true);
    expect(domainAllowed('http://example.com/m/', ['https://example.com'])).toBe(false);
    expect(domainAllowed('https://example.com/m/', ['none'])).toBe(false);
  });
});

describe('build', () => {
  it('writes dist/code.js and a single-file dist/ui.html that the manifest points at', async () => {
    await buildPlugin({ quiet: true });
    const manifest = JSON.parse(await readFile(join(packageDir, 'manifest.json'), 'utf8')) as Record<string, unknown>;
    expect(manifest).toMatchObject({ main: 'dist/code.js', ui: 'dist/ui.html', editorType: ['figma'], documentAccess: 'dynamic-page' });
    const code = await readFile(join(packageDir, 'dist/code.js'), 'utf8');
    // The default model URL, baked in: the model package, at the version in the repository, on jsDelivr.
    const modelPackage = JSON.parse(await readFile(join(packageDir, '../model-image/package.json'), 'utf8')) as { version: string };
    expect(DEFAULT_MODEL_URL).toBe(`https://cdn.jsdelivr.net/npm/@adaattn/model-image@${modelPackage.version}/`);
    expect(code).toContain(DEFAULT_MODEL_URL);
    expect(domainAllowed(DEFAULT_MODEL_URL, (manifest['networkAccess'] as { allowedDomains: string[] }).allowedDomains)).toBe(true);
    expect(code).not.toMatch(/\bdocument\.|\bwindow\./); // the sandbox has no DOM
    const html = await readFile(join(packageDir, 'dist/ui.html'), 'utf8');
    expect(html).not.toContain('<!-- SCRIPT -->');
    expect(html).not.toMatch(/<script[^>]+src=/); // everything inline: Figma loads one HTML string
    expect(html.match(/<\/script>/g)).toHaveLength(1);
  }, 60_000);

  it('refuses a model URL the manifest does not allow', async () => {
    await expect(buildPlugin({ modelUrl: 'https://models.example.org/adaattn/', quiet: true })).rejects.toThrow(
      'add "https://models.example.org" to allowedDomains',
    );
  });
});

describe('release', () => {
  it('zips manifest.json and the production build as one folder, readable by a standard unzip', async () => {
    const out = await mkdtemp(join(tmpdir(), 'adaattn-figma-release-'));
    try {
      const { file, names, modelUrl } = await release({ outDir: out, quiet: true });
      expect(modelUrl).toBe(DEFAULT_MODEL_URL);
      expect(names).toEqual(
        expect.arrayContaining([
          'adaattn-figma-plugin/manifest.json',
          'adaattn-figma-plugin/dist/code.js',
          'adaattn-figma-plugin/dist/ui.html',
        ]),
      );
      // Python's zipfile checks every CRC while extracting: an independent reader of the archive.
      execFileSync('python3', ['-m', 'zipfile', '-e', file, join(out, 'x')]);
      for (const name of ['manifest.json', 'dist/code.js', 'dist/ui.html']) {
        expect(await readFile(join(out, 'x/adaattn-figma-plugin', name))).toEqual(await readFile(join(packageDir, name)));
      }
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  }, 60_000);
});
