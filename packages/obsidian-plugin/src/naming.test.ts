import { describe, expect, it } from 'vitest';
import { freePath, outputStem, safeName } from './naming';

describe('outputStem', () => {
  it('fills {name} and {style}', () => {
    expect(outputStem('{name}.stylized-{style}', 'photo', 'wave')).toBe('photo.stylized-wave');
    expect(outputStem('{style} on {name} ({style})', 'p', 's')).toBe('s on p (s)');
  });

  it('makes the style part safe for file names and links', () => {
    expect(outputStem('{name}.stylized-{style}', 'photo', 'a/b:c#d|e')).toBe('photo.stylized-a-b-c-d-e');
  });

  it('falls back to the default when the template leaves nothing', () => {
    expect(outputStem('///', 'photo', 'wave')).toBe('photo.stylized-wave');
  });

  it('safeName trims separators from the ends', () => {
    expect(safeName('  ..x?y.. ')).toBe('x-y');
  });
});

describe('freePath', () => {
  it('uses the plain name when free, else the first free -1, -2 …', async () => {
    const taken = new Set(['img/p.stylized-w.png', 'img/p.stylized-w-1.png']);
    expect(await freePath('img', 'q', 'png', async (p) => taken.has(p))).toBe('img/q.png');
    expect(await freePath('img', 'p.stylized-w', 'png', async (p) => taken.has(p))).toBe('img/p.stylized-w-2.png');
  });

  it('puts files of the vault root at the root', async () => {
    expect(await freePath('/', 'p', 'png', async () => false)).toBe('p.png');
    expect(await freePath('', 'p', 'png', async () => false)).toBe('p.png');
  });
});
