/**
 * The page side of the Chromium test, bundled to harness.js: the in-memory app and harness, a loader that
 * evaluates the built main.js as Obsidian does (CommonJS, with a require() that knows `obsidian`), a note
 * preview for the screenshot, and pixel statistics of the result.
 */
import type * as O from 'obsidian';
import { findImageEmbeds } from '../../src/embeds';
import { CanvasCodec } from '../../src/image-codec';
import * as obsidian from '../fake-obsidian/index';
import { Harness, type PluginClass } from '../harness/harness';

export interface SetupConfig {
  readonly files: Record<string, { url: string }>;
  readonly data: unknown;
  readonly note: { path: string; text: string };
}

let harness: Harness | undefined;

/** Evaluates main.js like Obsidian: `obsidian` comes from the app; nothing else may be required. */
async function loadBundle(): Promise<PluginClass> {
  const code = await (await fetch('/main.js')).text();
  const module = { exports: {} as Record<string, unknown> };
  const require = (id: string) => {
    if (id === 'obsidian') return obsidian;
    throw new Error(`Cannot find module '${id}'`);
  };
  new Function('require', 'module', 'exports', code)(require, module, module.exports);
  const ctor = (module.exports.default ?? module.exports) as PluginClass;
  if (typeof ctor !== 'function') throw new Error('main.js exports no plugin class');
  return ctor;
}

async function setup(config: SetupConfig): Promise<void> {
  const manifest = (await (await fetch('/manifest.json')).json()) as O.PluginManifest;
  harness = await new Harness({ files: config.files, data: config.data }).enable(await loadBundle(), manifest);
  await harness.openNote(config.note.path, config.note.text);
  renderPreview();
}

function current(): Harness {
  if (harness === undefined) throw new Error('call setup() first');
  return harness;
}

/** The note as a reader sees it: text with its image embeds shown as images (for the screenshot). */
function renderPreview(): void {
  const h = current();
  const view = h.app.workspace.activeView;
  const pane = document.getElementById('note') as HTMLElement;
  pane.empty();
  if (view === null) return;
  pane.createDiv({ cls: 'note-title', text: view.file?.basename ?? '' });
  const text = view.editor.getValue();
  const body = pane.createDiv({ cls: 'note-body' });
  let at = 0;
  for (const embed of findImageEmbeds(text)) {
    body.append(text.slice(at, embed.from));
    const file = h.app.metadataCache.getFirstLinkpathDest(embed.linkpath, view.file?.path ?? '');
    if (file !== null) {
      const figure = body.createDiv({ cls: 'embed' });
      figure.createEl('img', { attr: { src: h.app.vault.getResourcePath(file), alt: file.name } });
      figure.createDiv({ cls: 'caption', text: file.name });
    }
    at = embed.to;
  }
  body.append(text.slice(at));
  (document.getElementById('source') as HTMLElement).setText(text);
}

/**
 * Size of an image in the vault, and how far it is from another, both decoded by the plugin's own codec at
 * `maxSide`: mean and largest absolute difference (0..255) and the image's standard deviation.
 */
async function compare(
  path: string,
  referencePath: string,
  maxSide: number,
): Promise<{ width: number; height: number; meanAbsDiff: number; maxAbsDiff: number; stdDev: number }> {
  const h = current();
  const codec = new CanvasCodec();
  const out = await codec.decode(await h.app.vault.adapter.readBinary(path), maxSide);
  const ref = await codec.decode(await h.app.vault.adapter.readBinary(referencePath), maxSide);
  let diff = 0;
  let maxDiff = 0;
  let sum = 0;
  let sumSq = 0;
  const n = out.width * out.height * 3;
  for (let i = 0; i < out.data.length; i++) {
    if (i % 4 === 3) continue;
    const v = out.data[i] as number;
    const d = Math.abs(v - (ref.data[i] ?? 0));
    diff += d;
    maxDiff = Math.max(maxDiff, d);
    sum += v;
    sumSq += v * v;
  }
  return {
    width: out.width,
    height: out.height,
    meanAbsDiff: diff / n,
    maxAbsDiff: maxDiff,
    stdDev: Math.sqrt(sumSq / n - (sum / n) ** 2),
  };
}

const api = {
  setup,
  renderPreview,
  compare,
  command: (id: string) => current().command(id),
  noteText: () => current().app.workspace.activeView?.editor.getValue() ?? '',
  notices: () => [...current().noticeHistory()],
  paths: () => current().app.vault.allPaths(),
  /** Files under the config folder (.obsidian/…), which only the adapter sees. */
  pluginFiles: () => [...current().app.vault.adapter.hidden.keys()],
  /** Every requestUrl the plugin made. */
  requests: () => obsidian.requestLog.map((r) => ({ ...r })),
  unload: () => current().plugin.unload(),
  /** Disables the plugin and enables a fresh evaluation of main.js in the same app (as a plugin update does). */
  reload: async () => {
    const h = current();
    h.plugin.unload();
    const manifest = h.plugin.manifest;
    h.plugin = new (await loadBundle())(h.app as unknown as O.App, manifest);
    await (h.plugin.load() as unknown as Promise<void>);
  },
  /** Changes settings as the settings tab would (without the tab). */
  setSettings: (patch: Record<string, unknown>) =>
    Object.assign((current().plugin as unknown as { settings: Record<string, unknown> }).settings, patch),
};

export type PageApi = typeof api;
(window as unknown as { adaattn: PageApi }).adaattn = api;
