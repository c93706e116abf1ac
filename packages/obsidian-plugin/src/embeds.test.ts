import { describe, expect, it } from 'vitest';
import { extensionOf, findImageEmbeds, isImagePath, pickEmbed } from './embeds';

describe('findImageEmbeds', () => {
  it('finds wiki embeds with and without display text, and keeps their offsets', () => {
    const text = 'a ![[photo.png]] b ![[dir/x.JPG|300]] c';
    const found = findImageEmbeds(text);
    expect(found.map((e) => [e.kind, e.linkpath, e.kind === 'wiki' ? e.display : '', text.slice(e.from, e.to)])).toEqual([
      ['wiki', 'photo.png', '', '![[photo.png]]'],
      ['wiki', 'dir/x.JPG', '|300', '![[dir/x.JPG|300]]'],
    ]);
  });

  it('finds Markdown embeds: %-escapes decoded, <angle> destinations, titles kept', () => {
    const found = findImageEmbeds('![a cat](img/my%20cat.png "Title") ![](<img/a b.webp>)');
    expect(found).toMatchObject([
      { kind: 'markdown', linkpath: 'img/my cat.png', alt: 'a cat', destination: 'img/my%20cat.png', title: ' "Title"' },
      { kind: 'markdown', linkpath: 'img/a b.webp', alt: '', destination: '<img/a b.webp>', title: '' },
    ]);
  });

  it('leaves out links (not embeds), notes, PDFs, web images and data URIs', () => {
    const text = '[[photo.png]] ![[note]] ![[doc.pdf]] ![x](https://example.org/a.png) ![y](data:image/png;base64,AAAA) [z](a.png)';
    expect(findImageEmbeds(text)).toEqual([]);
  });

  it('ignores a #subpath on a wiki embed and reads a lone % literally', () => {
    expect(findImageEmbeds('![[a.png#x]] ![](100%.png)').map((e) => e.linkpath)).toEqual(['a.png', '100%.png']);
  });
});

describe('pickEmbed', () => {
  const text = 'one ![[a.png]] two ![[b.png]]';
  const line = { start: 0, end: text.length };

  it('takes the embed under the caret, its ends included', () => {
    expect(pickEmbed(text, { from: 6, to: 6 }, line)?.linkpath).toBe('a.png');
    expect(pickEmbed(text, { from: 4, to: 4 }, line)?.linkpath).toBe('a.png');
    expect(pickEmbed(text, { from: text.length, to: text.length }, line)?.linkpath).toBe('b.png');
  });

  it('with the caret between two embeds of one line, takes neither', () => {
    expect(pickEmbed(text, { from: 16, to: 16 }, line)).toBeUndefined();
  });

  it('with the caret elsewhere on a line holding one embed, takes that one', () => {
    const one = 'see ![[a.png]] here';
    expect(pickEmbed(one, { from: 0, to: 0 }, { start: 0, end: one.length })?.linkpath).toBe('a.png');
  });

  it('with a selection, takes the first embed it overlaps', () => {
    expect(pickEmbed(text, { from: 15, to: 22 }, line)?.linkpath).toBe('b.png');
    expect(pickEmbed(text, { from: 0, to: 3 }, line)).toBeUndefined();
  });
});

describe('image paths', () => {
  it('knows image extensions case-insensitively', () => {
    expect(['a.png', 'b.JPEG', 'c/d.webp', 'e.avif'].every(isImagePath)).toBe(true);
    expect(['a.md', 'b', '.png', 'c.svg', 'dir.png/x'].some(isImagePath)).toBe(false);
    expect(extensionOf('dir.x/name')).toBe('');
  });
});
