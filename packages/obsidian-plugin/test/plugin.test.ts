/**
 * The plugin as a user drives it, in the in-memory app: commands, modals, the file menu, notices, the note
 * and the vault afterwards. The model and the image codec are fakes here (the Chromium test runs the real ones).
 */
import type * as O from 'obsidian';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import manifest from '../manifest.json';
import AdaAttnPlugin from '../src/main';
import { Menu, TFile, type App } from './fake-obsidian/index';
import { Harness } from './harness/harness';
import { FakeCodec, FakeEngine, rawImage, readRaw } from './support/fakes';

let engine: FakeEngine;

class TestPlugin extends AdaAttnPlugin {
  protected override createServices() {
    return { engine, codec: new FakeCodec() };
  }
}

const STYLE = 'styles/wave.png';
const files = () => ({
  'photos/photo.png': rawImage(40, 20),
  'photos/my photo.png': rawImage(8, 8),
  [STYLE]: rawImage(16, 16, [0, 0, 255]),
  'notes/other.md': 'other',
});

async function start(data: unknown = { defaultStyle: STYLE }, extra: Record<string, Uint8Array | string> = {}): Promise<Harness> {
  return new Harness({ files: { ...files(), ...extra }, data }).enable(TestPlugin, manifest as O.PluginManifest);
}

const UNDER_CURSOR = 'stylize-image-under-cursor';

async function bytesOf(h: Harness, path: string): Promise<ArrayBuffer> {
  return h.app.vault.adapter.readBinary(path);
}

beforeEach(() => {
  engine = new FakeEngine();
});

afterEach(() => {
  Harness.clearScreen();
});

describe('Stylize image under cursor', () => {
  it('writes a new file beside the image and replaces the embed with it', async () => {
    const h = await start();
    const view = await h.openNote('notes/n.md', 'before ![[photo.|png]] after');
    expect(h.command(UNDER_CURSOR)).toBe(true);
    const modal = await h.waitForModal();
    expect(modal.querySelector('.modal-title')?.textContent).toBe('Stylize photo.png');
    expect(modal.textContent).toContain(STYLE);
    await h.clickButton('Stylize');
    await h.waitForNotice(/^Saved photos\/photo\.stylized-wave\.png$/);

    expect(view.editor.getValue()).toBe('before ![[photo.stylized-wave.png]] after');
    const out = readRaw(await bytesOf(h, 'photos/photo.stylized-wave.png'));
    expect([out.width, out.height]).toEqual([40, 20]);
    expect([...out.data.subarray(0, 3)]).toEqual([55, 155, 205]); // the fake engine's inversion of (200, 100, 50)
    expect(engine.calls[0]?.styleKey).toMatch(/^styles\/wave\.png\|/);
  });

  it('inserts a new embed after the original in insert mode, in the Markdown link style', async () => {
    const h = await start({ defaultStyle: STYLE, embedMode: 'insert' });
    const view = await h.openNote('notes/n.md', '|![alt](../photos/my%20photo.png "t")');
    expect(h.command(UNDER_CURSOR)).toBe(true);
    await h.clickButton('Stylize');
    await h.waitForNotice(/^Saved /);
    expect(view.editor.getValue()).toBe('![alt](../photos/my%20photo.png "t") ![alt](../photos/my%20photo.stylized-wave.png "t")');
    expect(h.app.vault.getAbstractFileByPath('photos/my photo.stylized-wave.png')).toBeInstanceOf(TFile);
  });

  it('acts on the embed inside a selection spanning lines', async () => {
    const h = await start();
    const view = await h.openNote('notes/n.md', 'li|ne one\n![[photo.png]]\nline| three');
    expect(h.command(UNDER_CURSOR)).toBe(true);
    await h.clickButton('Stylize');
    await h.waitForNotice(/^Saved /);
    expect(view.editor.getValue()).toBe('line one\n![[photo.stylized-wave.png]]\nline three');
  });

  it('is not offered away from an embed, or on embeds of notes, PDFs or missing files', async () => {
    const h = await start();
    for (const text of ['no embed |here', '![[other]]|', '![[doc.pdf]]|', '![[missing.png]]|']) {
      await h.openNote('notes/n.md', text);
      expect(h.isAvailable(UNDER_CURSOR)).toBe(false);
    }
    expect(engine.calls).toHaveLength(0);
  });

  it('never overwrites: takes the next free -1, -2 … name, case-insensitively on such disks', async () => {
    const h = await start(undefined, { 'photos/photo.stylized-wave.png': 'old', 'photos/Photo.Stylized-Wave-1.png': 'old too' });
    h.app.vault.caseInsensitiveDisk = true;
    await h.openNote('notes/n.md', '![[photo.png]]|');
    h.command(UNDER_CURSOR);
    await h.clickButton('Stylize');
    await h.waitForNotice(/^Saved photos\/photo\.stylized-wave-2\.png$/);
    expect(new TextDecoder().decode(await bytesOf(h, 'photos/photo.stylized-wave.png'))).toBe('old');
    expect(new TextDecoder().decode(await bytesOf(h, 'photos/Photo.Stylized-Wave-1.png'))).toBe('old too');
  });

  it('asks for a style when no default is set, through the fuzzy image picker', async () => {
    const h = await start({});
    const view = await h.openNote('notes/n.md', '![[photo.png]]|');
    h.command(UNDER_CURSOR);
    const modal = await h.waitForModal();
    expect([...modal.querySelectorAll('button')].find((b) => b.textContent === 'Stylize')?.disabled).toBe(true);
    await h.clickButton('Choose…');
    await h.chooseSuggestion(STYLE, 'wave');
    await h.waitFor(
      () => !([...modal.querySelectorAll('button')].find((b) => b.textContent === 'Stylize')?.disabled ?? true),
      'Stylize to enable',
    );
    await h.clickButton('Stylize');
    await h.waitForNotice(/^Saved /);
    expect(view.editor.getValue()).toBe('![[photo.stylized-wave.png]]');
  });

  it('scales the image down to the size chosen in the modal, starting from the setting', async () => {
    const h = await start({ defaultStyle: STYLE, maxSide: 384 }, { 'photos/big.png': rawImage(600, 300) });
    await h.openNote('notes/n.md', '![[big.png]]|');
    h.command(UNDER_CURSOR);
    const size = (await h.waitForModal()).querySelector('select') as HTMLSelectElement;
    expect(size.value).toBe('384');
    size.value = '256';
    size.dispatchEvent(new Event('change'));
    await h.clickButton('Stylize');
    await h.waitForNotice(/^Saved /);
    expect([engine.calls[0]?.content.width, engine.calls[0]?.content.height]).toEqual([256, 128]);
    expect(readRaw(await bytesOf(h, 'photos/big.stylized-wave.png')).width).toBe(256);
  });

  it('passes strength and colours from the modal, starting from the settings', async () => {
    const h = await start({ defaultStyle: STYLE, strength: 0.8, preserveColor: 'luminance' });
    await h.openNote('notes/n.md', '![[photo.png]]|');
    h.command(UNDER_CURSOR);
    const modal = await h.waitForModal();
    const slider = modal.querySelector('input[type=range]') as HTMLInputElement;
    const colours = modal.querySelectorAll('select')[1] as HTMLSelectElement;
    expect([slider.value, colours.value, slider.disabled]).toEqual(['0.8', 'luminance', false]);
    slider.value = '0.35';
    slider.dispatchEvent(new Event('change'));
    colours.value = 'histogram';
    colours.dispatchEvent(new Event('change'));
    await h.clickButton('Stylize');
    await h.waitForNotice(/^Saved /);
    expect(engine.calls[0]?.controls).toEqual({ strength: 0.35, preserveColor: 'histogram' });
  });

  it('does nothing when the options modal is dismissed', async () => {
    const h = await start();
    const view = await h.openNote('notes/n.md', '![[photo.png]]|');
    h.command(UNDER_CURSOR);
    await h.clickButton('Cancel');
    await new Promise((r) => setTimeout(r, 20));
    expect(engine.calls).toHaveLength(0);
    expect(view.editor.getValue()).toBe('![[photo.png]]');
    expect(h.app.vault.allPaths().filter((p) => p.includes('stylized'))).toEqual([]);
  });
});

describe('a run in progress', () => {
  async function startHeld(data?: unknown) {
    engine.hold = true;
    const h = await start(data);
    const view = await h.openNote('notes/n.md', 'x ![[photo.png]]|');
    h.command(UNDER_CURSOR);
    await h.clickButton('Stylize');
    await h.waitFor(() => engine.release, 'the engine to start');
    return { h, view };
  }

  it('shows progress and can be cancelled from the notice: no file, note unchanged', async () => {
    const { h, view } = await startHeld();
    const notice = await h.waitFor(() => document.querySelector<HTMLElement>('.adaattn-progress'), 'the progress notice');
    expect(notice.textContent).toContain('Stylizing photo.png with wave');
    expect(notice.textContent).toContain('Stylizing… 50%');
    // A click elsewhere on the notice must not dismiss it (that would hide Cancel while the run goes on).
    (notice.querySelector('.adaattn-progress-label') as HTMLElement).click();
    expect(document.querySelector('.adaattn-progress')).not.toBeNull();
    (notice.querySelector('button') as HTMLButtonElement).click();
    await h.waitForNotice(/^Stylize cancelled\.$/);
    expect(document.querySelector('.adaattn-progress')).toBeNull();
    expect(view.editor.getValue()).toBe('x ![[photo.png]]');
    expect(h.app.vault.allPaths().filter((p) => p.includes('stylized'))).toEqual([]);
  });

  it('refuses a second run meanwhile', async () => {
    const { h } = await startHeld();
    expect(h.command('stylize-image')).toBe(true);
    await h.chooseSuggestion('photos/my photo.png', 'my photo');
    await h.clickButton('Stylize');
    await h.waitForNotice(/already in progress/);
    engine.release?.();
    await h.waitForNotice(/^Saved photos\/photo\.stylized-wave\.png$/);
    expect(engine.calls).toHaveLength(1);
  });

  it('follows the embed when the note is edited during the run', async () => {
    const { h, view } = await startHeld();
    view.editor.replaceRange('typed meanwhile\n', { line: 0, ch: 0 });
    engine.release?.();
    await h.waitForNotice(/^Saved /);
    expect(view.editor.getValue()).toBe('typed meanwhile\nx ![[photo.stylized-wave.png]]');
  });

  it('updates the note through the vault when the user switched to another note', async () => {
    const { h } = await startHeld();
    await h.openNote('notes/other.md', 'other|');
    engine.release?.();
    await h.waitForNotice(/^Saved /);
    const note = h.app.vault.getAbstractFileByPath('notes/n.md') as unknown as O.TFile;
    expect(await h.app.vault.read(note)).toBe('x ![[photo.stylized-wave.png]]');
  });

  it('keeps the file but says so when the embed was deleted during the run', async () => {
    const { h, view } = await startHeld();
    view.editor.setValue('all gone');
    engine.release?.();
    await h.waitForNotice(/the embed is no longer in notes\/n\.md, so the note was left as it is/);
    expect(view.editor.getValue()).toBe('all gone');
    expect(h.app.vault.getAbstractFileByPath('photos/photo.stylized-wave.png')).not.toBeNull();
  });

  it('reports a failure with its message', async () => {
    engine.fail = new Error('no model in the vault folder "AdaAttN/adaattn-image"');
    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const h = await start();
    await h.openNote('notes/n.md', '![[photo.png]]|');
    h.command(UNDER_CURSOR);
    await h.clickButton('Stylize');
    await h.waitForNotice(/^Stylize failed: no model in the vault folder/);
    expect(logged).toHaveBeenCalledWith('[adaattn] stylize failed', engine.fail);
    logged.mockRestore();
  });

  it('is cancelled, and the engine disposed, when the plugin unloads', async () => {
    const { h } = await startHeld();
    h.plugin.unload();
    await h.waitForNotice(/^Stylize cancelled\.$/);
    expect(engine.disposed).toBe(true);
    expect(h.app.vault.allPaths().filter((p) => p.includes('stylized'))).toEqual([]);
  });
});

describe('Stylize image… and the file menu', () => {
  it('picks the image in a fuzzy modal and saves the result without touching any note', async () => {
    const h = await start();
    expect(h.command('stylize-image')).toBe(true);
    await h.chooseSuggestion('photos/photo.png', 'photo.png');
    await h.clickButton('Stylize');
    await h.waitForNotice(/^Saved photos\/photo\.stylized-wave\.png$/);
  });

  it('offers only image files in the picker', async () => {
    const h = await start();
    h.command('stylize-image');
    const modal = await h.waitFor(() => document.querySelector<HTMLElement>('.modal.prompt'), 'the picker');
    await h.waitFor(() => modal.querySelector('.suggestion-item'), 'suggestions');
    expect([...modal.querySelectorAll('.suggestion-item')].map((e) => e.textContent).sort()).toEqual([
      'photos/my photo.png',
      'photos/photo.png',
      STYLE,
    ]);
  });

  it('adds "Stylize image…" to the file menu of images only, and removes its listener on unload', async () => {
    const h = await start();
    const menuFor = (path: string) => {
      const menu = new Menu();
      h.app.workspace.trigger('file-menu', menu, h.app.vault.getAbstractFileByPath(path), 'file-explorer');
      return menu;
    };
    expect(menuFor('notes/other.md').items).toHaveLength(0);
    const item = menuFor('photos/photo.png').items[0];
    expect(item?.title).toBe('Stylize image…');
    item?.trigger();
    await h.clickButton('Stylize');
    await h.waitForNotice(/^Saved photos\/photo\.stylized-wave\.png$/);
    h.plugin.unload();
    expect(h.app.workspace.listenerCount('file-menu')).toBe(0);
    expect(h.app.commands.commands.size).toBe(0);
  });
});

describe('settings', () => {
  it('merges stored data over the defaults and saves changes made in the tab', async () => {
    const h = await start({ maxSide: 96, bogus: true });
    const plugin = h.plugin as unknown as AdaAttnPlugin;
    expect(plugin.settings.maxSide).toBe(96);
    const tab = (h.app as unknown as App).settingTabs[0]!;
    tab.display();
    const el = tab.containerEl;
    expect([...el.querySelectorAll('.setting-item-name')].map((n) => n.textContent)).toEqual([
      'Model',
      'Model location',
      'Model URL',
      'Download now',
      'Runtime',
      'Defaults',
      'Default style',
      'Size',
      'Strength',
      'Colours',
      'Output',
      'File name',
      'In the note',
    ]);
    expect(el.textContent).toContain('Empty: https://cdn.jsdelivr.net/npm/@adaattn/model-image@');
    const embedMode = [...el.querySelectorAll('select')].at(-1) as HTMLSelectElement;
    embedMode.value = 'insert';
    embedMode.dispatchEvent(new Event('change'));
    await h.waitFor(() => (h.app.pluginData.get(manifest.id) as { embedMode?: string }).embedMode === 'insert', 'the setting to be saved');

    const location = el.querySelector('select') as HTMLSelectElement;
    location.value = 'absolute';
    location.dispatchEvent(new Event('change'));
    await h.waitFor(() => el.textContent?.includes('Absolute path'), 'the absolute-path field');
    const template = [...el.querySelectorAll<HTMLInputElement>('input[type=text]')].at(-1) as HTMLInputElement;
    template.value = '{style}-{name}';
    template.dispatchEvent(new Event('input'));
    await h.waitFor(() => el.textContent?.includes('Example: wave-photo.png'), 'the naming example to update');
    expect(plugin.settings.outputTemplate).toBe('{style}-{name}');
  });
});
