/**
 * The model behind the commands: loads the model directory once (66 MB: worth keeping between runs),
 * starts a runtime, and keeps the last style's encoded features so restyling more images with the same
 * style skips the style encoder. Reloads when the model location or runtime setting changes.
 */
import {
  AbortError,
  loadModelFromFiles,
  MODEL_JSON_PATH,
  Stylizer,
  WeightsError,
  type Backend,
  type ImageModelWeights,
  type LoadedModel,
  type PixelImage,
  type StyleFeatures,
} from '@adaattn/core';
import type { BackendChoice } from './backends';
import { coreControls, needsStyleImage, type Controls } from './controls';
import type { ModelSource } from './model-source';

export type EnginePhase = 'download-model' | 'load-model' | 'encode-style' | 'stylize';

export interface EngineStatus {
  readonly phase: EnginePhase;
  /** Of this phase, in [0, 1]. */
  readonly fraction: number;
  /** Shown instead of the percentage (the download's megabytes). */
  readonly detail?: string;
}

export interface EngineRun {
  readonly signal: AbortSignal;
  readonly onStatus?: (status: EngineStatus) => void;
}

/** A style image, decoded only when its features are not cached under `key`. */
export interface StyleRef {
  readonly key: string;
  readonly image: () => Promise<PixelImage>;
}

export interface StylizeEngine {
  stylize(content: PixelImage, style: StyleRef, controls: Controls, run: EngineRun): Promise<PixelImage>;
  dispose(): void;
}

export interface ModelEngineDeps {
  readonly source: () => ModelSource;
  readonly backendChoice: () => BackendChoice;
  readonly startBackend: (choice: BackendChoice) => Promise<Backend>;
}

interface Loaded {
  readonly key: string;
  readonly stylizer: Promise<Stylizer>;
}

export class ModelEngine implements StylizeEngine {
  private loaded: Loaded | undefined;
  private style: { key: string; features: StyleFeatures } | undefined;
  private disposed = false;
  /** The current run's status callback: a load outlives a cancelled run, and reports to whoever waits now. */
  private onStatus: EngineRun['onStatus'];

  constructor(private readonly deps: ModelEngineDeps) {}

  async stylize(content: PixelImage, style: StyleRef, controls: Controls, run: EngineRun): Promise<PixelImage> {
    this.onStatus = run.onStatus;
    try {
      const stylizer = await this.stylizer(run.signal);
      // Colour matching recolours the style for this content: encode it afresh (core's stylize does both).
      const styleArg = needsStyleImage(controls) ? await style.image() : await this.features(stylizer, style, run);
      run.onStatus?.({ phase: 'stylize', fraction: 0 });
      return await stylizer.stylize(content, styleArg, {
        ...coreControls(controls),
        signal: run.signal,
        onProgress: (p) => run.onStatus?.({ phase: 'stylize', fraction: p.fraction }),
      });
    } finally {
      if (this.onStatus === run.onStatus) this.onStatus = undefined;
    }
  }

  /** Frees the model's tensors and the cached style; a load still in flight is freed when it lands. */
  dispose(): void {
    this.disposed = true;
    this.dropStyle();
    this.unload();
  }

  private async stylizer(signal: AbortSignal): Promise<Stylizer> {
    if (this.disposed) throw new Error('the plugin was unloaded');
    const source = this.deps.source();
    const choice = this.deps.backendChoice();
    const key = `${source.key}|${choice}`;
    if (this.loaded?.key !== key) {
      this.dropStyle();
      this.unload();
      const stylizer = this.load(source, choice, signal);
      this.loaded = { key, stylizer };
      // A failed load is forgotten, so the next run tries again (e.g. after the user copies the model in).
      stylizer.catch(() => {
        if (this.loaded?.stylizer === stylizer) this.loaded = undefined;
      });
    }
    // Loading cannot be interrupted half-way through a file; a cancelled run stops waiting for it, and the
    // load finishes in the background for the next run.
    return untilAborted(this.loaded!.stylizer, signal);
  }

  /** `signal` stops a download (it resumes on the next run); reading and starting the model run to the end. */
  private async load(source: ModelSource, choice: BackendChoice, signal: AbortSignal): Promise<Stylizer> {
    await source.prepare?.({
      signal,
      onProgress: ({ doneBytes, totalBytes }) =>
        this.onStatus?.({
          phase: 'download-model',
          fraction: totalBytes > 0 ? doneBytes / totalBytes : 0,
          detail: `${(doneBytes / 1e6).toFixed(1)} of ${(totalBytes / 1e6).toFixed(1)} MB`,
        }),
    });
    this.onStatus?.({ phase: 'load-model', fraction: 0 });
    const model = await readModel(source, (done, count) => this.onStatus?.({ phase: 'load-model', fraction: done / count }));
    if (!isImageModel(model)) {
      throw new Error(`${source.description} holds the ${model.config.variant} model; this plugin needs the image model (adaattn-image)`);
    }
    const backend = await this.deps.startBackend(choice);
    console.info(`[adaattn] model ${model.config.name} from ${source.description}, running on ${backend.name}`);
    return Stylizer.create(backend, model.weights);
  }

  private async features(stylizer: Stylizer, style: StyleRef, run: EngineRun): Promise<StyleFeatures> {
    if (this.style?.key === style.key && !this.style.features.isDisposed) return this.style.features;
    this.dropStyle();
    const image = await style.image();
    run.onStatus?.({ phase: 'encode-style', fraction: 0 });
    const features = await stylizer.encodeStyle(image, {
      signal: run.signal,
      onProgress: (p) => run.onStatus?.({ phase: 'encode-style', fraction: p.fraction }),
    });
    this.style = { key: style.key, features };
    return features;
  }

  private dropStyle(): void {
    this.style?.features.dispose();
    this.style = undefined;
  }

  private unload(): void {
    const old = this.loaded;
    this.loaded = undefined;
    old?.stylizer.then(
      (s) => s.dispose(),
      () => undefined,
    );
  }
}

function isImageModel(model: LoadedModel): model is Extract<LoadedModel, { weights: ImageModelWeights }> {
  return model.config.variant === 'image';
}

/** loadModelFromFiles, with "no model here" said in the plugin's terms. */
async function readModel(source: ModelSource, onComponent: (done: number, count: number) => void): Promise<LoadedModel> {
  try {
    return await loadModelFromFiles(source.readFile, { onComponent: (_component, index, count) => onComponent(index + 1, count) });
  } catch (error) {
    if (error instanceof WeightsError && error.code === 'missing-file' && error.file === MODEL_JSON_PATH) {
      throw new Error(
        `no model in ${source.description} (model.json is missing): copy the model folder there, or change the model location in the plugin settings`,
        { cause: error },
      );
    }
    throw error;
  }
}

function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new AbortError());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new AbortError());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
