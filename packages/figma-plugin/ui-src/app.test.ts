/**
 * The creative controls from the window's settings to core: App (settings, runs) → Engine → the options of
 * `Stylizer.stylize`. Only what needs a browser or the trained model is replaced: image decoding/encoding,
 * the tfjs backend, the model download, and the Stylizer itself (a recorder made by a spied
 * `Stylizer.create`). The e2e test runs the same path with the real model.
 */
import { Stylizer, type PixelImage, type StyleInput, type StylizeOptions } from '@adaattn/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_SETTINGS, type MainToUi, type PluginSettings, type UiToMain } from '../common/protocol.js';
import { App } from './app.js';
import type { Bridge } from './bridge.js';
import { Engine } from './engine.js';
import { memoryCache } from './model-cache.js';
import type { View } from './view.js';

function pixels(width: number, height: number, value: number): PixelImage {
  return { width, height, channels: 4, data: new Uint8ClampedArray(width * height * 4).fill(value) };
}

// The style decodes to 80×60 (value 200), every frame to 64×48 (value 100): the two are told apart by size.
vi.mock('@adaattn/core/browser', () => ({
  decodeImage: async (bytes: Uint8Array, maxSide?: number) => {
    const image = bytes[0] === 1 ? pixels(80, 60, 200) : pixels(64, 48, 100);
    return { image, sourceWidth: image.width, sourceHeight: image.height, maxSide };
  },
  encodePng: async () => new Uint8Array([137, 80, 78, 71]),
}));
vi.mock('./backends.js', () => ({
  startBackend: async () => ({ backend: {}, choice: { id: 'wasm', label: 'fake backend' }, skipped: [] }),
}));
vi.mock('./model-loader.js', () => ({
  normalizeBaseUrl: (url: string) => (url.endsWith('/') ? url : `${url}/`),
  loadImageModel: async () => ({ config: { name: 'fake-model' }, weights: {}, cachedFiles: 0 }),
}));

interface StylizeCall {
  readonly content: PixelImage;
  readonly style: StyleInput;
  readonly options: StylizeOptions;
}

/** Stands in for core's Stylizer: records each call, answers with the content. */
class RecordingStylizer {
  readonly calls: StylizeCall[] = [];
  readonly encoded: PixelImage[] = [];
  readonly features = { isDisposed: false, dispose: () => undefined };

  async encodeStyle(image: PixelImage): Promise<unknown> {
    this.encoded.push(image);
    return this.features;
  }

  async stylize(content: PixelImage, style: StyleInput, options: StylizeOptions): Promise<PixelImage> {
    this.calls.push({ content, style, options });
    options.onProgress?.({ stage: 'decode', fraction: 1 });
    return content;
  }

  dispose(): void {}
}

/** The window, minus the DOM: readSettings answers what the "user" set last; everything else is a no-op. */
function fakeView(current: () => PluginSettings): View {
  return new Proxy({} as View, {
    get: (_target, name) => (name === 'readSettings' ? current : () => undefined),
  });
}

describe('strength and colour preservation, from the settings to core', () => {
  let stylizer: RecordingStylizer;
  let sent: UiToMain[];
  let deliver: (message: MainToUi) => void;
  let app: App;
  let settings: PluginSettings;

  beforeEach(() => {
    stylizer = new RecordingStylizer();
    vi.spyOn(Stylizer, 'create').mockReturnValue(stylizer as unknown as Stylizer);
    sent = [];
    const bridge: Bridge = {
      send: (message) => sent.push(message),
      subscribe: (handler) => {
        deliver = handler;
        return () => undefined;
      },
    };
    app = new App(bridge, new Engine({ cache: async () => memoryCache() }));
    settings = DEFAULT_SETTINGS;
    app.start(() => fakeView(() => settings));
    deliver({ type: 'init', settings: DEFAULT_SETTINGS, selection: { count: 1, names: ['Frame'] } });
  });

  afterEach(() => vi.restoreAllMocks());

  /** The user changes the controls: the settings are saved through the main thread. */
  function choose(controls: Pick<PluginSettings, 'strength' | 'preserveColor'>): void {
    settings = { ...settings, ...controls };
    app.onSettingsChange();
    expect(sent.at(-1)).toEqual({ type: 'save-settings', settings });
  }

  /** Presses Stylize, answers with two exported frames, and waits for the run's `finished`. */
  async function run(): Promise<StylizeCall[]> {
    const before = stylizer.calls.length;
    app.onStylize();
    const start = sent.at(-1);
    if (start?.type !== 'start') throw new Error(`expected a start message, got ${JSON.stringify(start)}`);
    const frame = { png: new Uint8Array([2]), width: 64, height: 48 };
    deliver({
      type: 'frames',
      runId: start.runId,
      notices: [],
      frames: [
        { id: '1:1', name: 'A', ...frame },
        { id: '1:2', name: 'B', ...frame },
      ],
    });
    await vi.waitFor(() => expect(sent.some((m) => m.type === 'finished' && m.runId === start.runId)).toBe(true));
    expect(sent.find((m) => m.type === 'finished' && m.runId === start.runId)).toMatchObject({ outcome: 'done', failures: [] });
    return stylizer.calls.slice(before);
  }

  async function pickStyle(): Promise<void> {
    deliver({ type: 'style-picked', name: 'wave', bytes: new Uint8Array([1]) });
    await vi.waitFor(() => expect(Stylizer.create).toHaveBeenCalled());
  }

  it('passes the chosen strength and colour mode to every stylize call, with the encoded style', async () => {
    await pickStyle();
    choose({ strength: 0.35, preserveColor: 'luminance' });
    const calls = await run();
    expect(calls).toHaveLength(2);
    for (const call of calls) {
      expect(call.options).toMatchObject({ strength: 0.35, preserveColor: 'luminance' });
      expect(call.options.signal).toBeInstanceOf(AbortSignal);
      expect(call.style).toBe(stylizer.features);
      expect(call.content).toMatchObject({ width: 64, height: 48 });
    }
    expect(stylizer.encoded).toHaveLength(1); // once per run, shared by both frames
  });

  it("sends strength 0 as 0 and 'off' as no preserveColor at all", async () => {
    await pickStyle();
    choose({ strength: 0, preserveColor: 'off' });
    const [call] = await run();
    expect(call?.options.strength).toBe(0);
    expect(call !== undefined && 'preserveColor' in call.options).toBe(false);
  });

  it("hands core the style image itself for 'histogram' (core recolours it to each frame)", async () => {
    await pickStyle();
    choose({ strength: 0.8, preserveColor: 'histogram' });
    const calls = await run();
    expect(calls).toHaveLength(2);
    for (const call of calls) {
      expect(call.options).toMatchObject({ strength: 0.8, preserveColor: 'histogram' });
      expect(call.style).toMatchObject({ width: 80, height: 60 }); // the decoded style, not features
    }
    expect(stylizer.encoded).toHaveLength(0);
    // Back to a mode that reuses an encoding: the style is encoded again, once.
    choose({ strength: 1, preserveColor: 'luminance' });
    const [after] = await run();
    expect(after?.style).toBe(stylizer.features);
    expect(stylizer.encoded).toHaveLength(1);
  });

  it('applies a change made between runs to the next run', async () => {
    await pickStyle();
    choose({ strength: 0.5, preserveColor: 'off' });
    expect((await run())[0]?.options.strength).toBe(0.5);
    choose({ strength: 0.2, preserveColor: 'luminance' });
    expect((await run())[0]?.options).toMatchObject({ strength: 0.2, preserveColor: 'luminance' });
  });
});
