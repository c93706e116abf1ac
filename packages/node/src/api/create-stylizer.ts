/**
 * createStylizer(): model directory → core Stylizer on the chosen backend, with inputs accepted as file
 * paths, encoded bytes or pixels.
 */
import { Stylizer, StyleFeatures } from '@adaattn/core';
import { DEFAULT_MAX_PIXELS, readImage, type ImageInput } from '../io/image.js';
import { loadModelDir } from '../io/model-dir.js';
import type { PixelImage } from '../types.js';
import { checkBackendChoice, type BackendName } from './backends.js';
import {
  DEFAULT_ATTENTION,
  DEFAULT_SIZE,
  type CreateStylizerOptions,
  type EncodeStyleOptions,
  type EncodedStyle,
  type NodeStylizer,
  type StylizeOptions,
} from './options.js';
import { checkThreads, startBackend } from './start-backend.js';

/**
 * Loads a model and starts a backend.
 *
 * ```ts
 * await using s = await createStylizer({ backend: 'auto' });
 * const style = await s.encodeStyle('painting.jpg');
 * const out = await s.stylize('photo.jpg', style, { size: 768 });
 * ```
 */
export async function createStylizer(options: CreateStylizerOptions = {}): Promise<NodeStylizer> {
  const { model, backend = 'auto', threads, maxPixels = DEFAULT_MAX_PIXELS } = options;
  if (!(maxPixels > 0)) throw new Error(`maxPixels must be a positive number (or Infinity), got ${maxPixels}`);
  checkBackendChoice(backend);
  checkThreads(threads);
  // Model first: a wrong path is the likeliest mistake and costs nothing to report.
  const loaded = await loadModelDir(model);
  const started = await startBackend(backend, { threads });
  const core = Stylizer.create(started.backend, loaded.weights);
  return new NodeStylizerImpl(core, started.name, { dir: loaded.dir, kind: loaded.kind, name: loaded.name }, loaded.seed, maxPixels);
}

class NodeStylizerImpl implements NodeStylizer {
  constructor(
    private readonly core: Stylizer,
    readonly backend: BackendName,
    readonly model: NodeStylizer['model'],
    private readonly modelSeed: number,
    private readonly maxPixels: number,
  ) {}

  async encodeStyle(style: ImageInput, options: EncodeStyleOptions = {}): Promise<EncodedStyle> {
    const { size = DEFAULT_SIZE, attention = DEFAULT_ATTENTION, seed = this.modelSeed, signal } = options;
    signal?.throwIfAborted();
    const image = await readImage(style, { size, maxPixels: this.maxPixels, label: 'style image' });
    return this.core.encodeStyle(image, { attention, seed, signal });
  }

  async stylize(content: ImageInput, style: ImageInput | EncodedStyle, options: StylizeOptions = {}): Promise<PixelImage> {
    const { size = DEFAULT_SIZE, attention, seed, signal, onProgress } = options;
    signal?.throwIfAborted();
    const contentImage = await readImage(content, { size, maxPixels: this.maxPixels, label: 'content image' });
    if (style instanceof StyleFeatures) {
      // An encoded style carries its attention mode and seed; core refuses a call asking for others.
      return this.core.stylize(contentImage, style, { attention, seed, signal, onProgress });
    }
    const styleImage = await readImage(style, { size, maxPixels: this.maxPixels, label: 'style image' });
    return this.core.stylize(contentImage, styleImage, {
      attention: attention ?? DEFAULT_ATTENTION,
      seed: seed ?? this.modelSeed,
      signal,
      onProgress,
    });
  }

  async dispose(): Promise<void> {
    this.core.dispose();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.dispose();
  }
}
