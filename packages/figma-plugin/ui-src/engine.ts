/**
 * The model in the iframe: one backend and one Stylizer, made on first use and kept while the plugin is
 * open; the current style's features, kept until the style changes. Everything long takes an AbortSignal.
 */
import { Stylizer, type PixelImage, type StyleFeatures, type StyleInput, type StylizeProgress } from '@adaattn/core';
import { startBackend, type BackendId, type StartedBackend } from './backends.js';
import type { ByteCache } from './model-cache.js';
import { loadImageModel, normalizeBaseUrl, type LoadProgress } from './model-loader.js';
import { stylizeOptions, type CreativeControls } from './controls.js';

export interface EngineStatus {
  readonly backend: string;
  /** Backends that were tried first and why they did not start. */
  readonly fellBackFrom: readonly string[];
  readonly modelName: string;
  readonly cachedFiles: number;
  /** Why the model is not kept between sessions, when neither the Cache API nor IndexedDB opened. */
  readonly notCached?: string;
}

interface Loaded {
  readonly url: string;
  readonly stylizer: Stylizer;
  readonly status: EngineStatus;
}

export interface EngineOptions {
  readonly cache: () => Promise<ByteCache>;
  readonly backendOrder?: readonly BackendId[];
}

export class Engine {
  private loading: Promise<Loaded> | undefined;
  private loadingUrl: string | undefined;
  private started: Promise<StartedBackend> | undefined;
  private style: { readonly key: string; readonly features: StyleFeatures } | undefined;

  constructor(private readonly options: EngineOptions) {}

  /**
   * The model at `modelUrl`, loading it if needed (once: concurrent callers share the load). A failed load
   * is forgotten so the next call tries again; a different URL replaces the loaded model.
   */
  async ready(modelUrl: string, onProgress?: (p: LoadProgress) => void): Promise<EngineStatus> {
    const url = normalizeBaseUrl(modelUrl);
    if (this.loading === undefined || this.loadingUrl !== url) {
      const previous = this.loading;
      this.loadingUrl = url;
      this.loading = this.load(url, onProgress);
      this.loading.catch(() => {
        if (this.loadingUrl === url) this.loading = undefined;
      });
      previous?.then((p) => this.dispose(p)).catch(() => undefined);
    }
    return (await this.loading).status;
  }

  private async load(url: string, onProgress?: (p: LoadProgress) => void): Promise<Loaded> {
    // The backend outlives model URL changes: tfjs can only set its wasm paths once per page.
    this.started ??= startBackend(this.options.backendOrder);
    this.started.catch(() => (this.started = undefined));
    const cachePromise = this.options.cache();
    const [started, cache] = await Promise.all([this.started, cachePromise]);
    const model = await loadImageModel(url, { cache, ...(onProgress ? { onProgress } : {}) });
    const stylizer = Stylizer.create(started.backend, model.weights);
    return {
      url,
      stylizer,
      status: {
        backend: started.choice.label,
        fellBackFrom: started.skipped.map((s) => `${s.id}: ${s.reason}`),
        modelName: model.config.name,
        cachedFiles: model.cachedFiles,
        ...(cache.kind === 'none' ? { notCached: cache.unavailable.join('; ') || 'no persistent store in this window' } : {}),
      },
    };
  }

  /** Frees a replaced model. The cached style goes too: its features belong to a stylizer (re-encoded on next use). */
  private dispose(loaded: Loaded): void {
    this.style = undefined;
    loaded.stylizer.dispose();
  }

  private async current(): Promise<Stylizer> {
    if (this.loading === undefined) throw new Error('the model is not loaded yet');
    return (await this.loading).stylizer;
  }

  /** The style's features for `key` (an id of the style image), encoding them when the style changed. */
  async encodeStyle(key: string, image: PixelImage, signal?: AbortSignal): Promise<StyleFeatures> {
    const stylizer = await this.current();
    if (this.style?.key === key && !this.style.features.isDisposed) return this.style.features;
    this.style?.features.dispose();
    this.style = undefined;
    const features = await stylizer.encodeStyle(image, signal ? { signal } : {});
    this.style = { key, features };
    return features;
  }

  /** `style`: the encoded style, or the style image where the controls need it (controls.ts: needsStyleImage). */
  async stylize(
    content: PixelImage,
    style: StyleInput,
    controls: CreativeControls,
    signal: AbortSignal,
    onProgress: (p: StylizeProgress) => void,
  ): Promise<PixelImage> {
    const stylizer = await this.current();
    return stylizer.stylize(content, style, stylizeOptions(controls, { signal, onProgress }));
  }
}
