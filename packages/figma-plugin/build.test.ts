/** build.mjs's manifest check, and that a build produces what "Import plugin from manifest" needs. */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildPlugin, domainAllowed } from './build.mjs';

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
    expect(code).toContain('http://localhost:8787/adaattn-image/'); // the default model URL, baked in
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
