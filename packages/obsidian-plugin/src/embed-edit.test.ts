import { describe, expect, it } from 'vitest';
import { applyEdit, embedEdit, embedFor } from './embed-edit';
import { findImageEmbeds } from './embeds';

const first = (text: string) => findImageEmbeds(text)[0]!;

describe('embedFor', () => {
  it('writes a wiki embed with the given link text and keeps the display part', () => {
    expect(embedFor(first('![[photos/a.png|300]]'), 'a.stylized-w.png', 'a.stylized-w.png')).toBe('![[a.stylized-w.png|300]]');
  });

  it('writes a Markdown embed beside the original, escaped as the original was', () => {
    expect(embedFor(first('![cat](img/my%20cat.png "t")'), 'my cat.stylized-w.png', '')).toBe('![cat](img/my%20cat.stylized-w.png "t")');
    expect(embedFor(first('![](<img/my cat.png>)'), 'my cat (2).png', '')).toBe('![](<img/my cat (2).png>)');
    expect(embedFor(first('![](a.png)'), 'a (1).png', '')).toBe('![](a%20%281%29.png)');
  });
});

describe('embedEdit', () => {
  const original = { from: 4, raw: '![[a.png]]' };

  it('replaces or inserts after the embed at its old place', () => {
    const text = 'see ![[a.png]] here';
    expect(applyEdit(text, embedEdit(text, original, '![[b.png]]', 'replace')!)).toBe('see ![[b.png]] here');
    expect(applyEdit(text, embedEdit(text, original, '![[b.png]]', 'insert')!)).toBe('see ![[a.png]] ![[b.png]] here');
  });

  it('follows the embed when text was typed before it, choosing the nearest copy', () => {
    const text = '![[a.png]] xxxxxxxxxxxxxx more ![[a.png]]';
    const edit = embedEdit(text, { from: 30, raw: '![[a.png]]' }, 'NEW', 'replace')!;
    expect(applyEdit(text, edit)).toBe('![[a.png]] xxxxxxxxxxxxxx more NEW');
  });

  it('gives up when the embed is gone', () => {
    expect(embedEdit('nothing here', original, 'x', 'replace')).toBeUndefined();
  });
});
