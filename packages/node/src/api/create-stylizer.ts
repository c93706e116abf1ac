/**
 * createStylizer(): model directory → core stylizer (image or video model) on the chosen backend, with
 * inputs accepted as file paths, encoded bytes or pixels.
 */
import {
  stylizerFromWeights,
  InvalidArgumentError,
  StyleFeatures,
  type AnyStylizer,
  type RegionPair as CoreRegionPair,
} from '@adaattn/core';
import { DEFAULT_MAX_PIXELS, readImage, type ImageInput } from '../io/image.js';
import { readMask } from '../io/mask.js';
import { loadModelDir } from '../io/model-dir.js';
import type { PixelImage } from '../types.js';
import { checkBackendChoice, type BackendName } from './backends.js';
import {
  DEFAULT_ATTENTION,
  DEFAULT_SIZE,
  MAX_SIZE,
  PRECISIONS,
  type CreateStylizerOptions,
  type Precision,
  type EncodeStyleOptions,
  type EncodedStyle,
  type NodeStylizer,
  type RegionPair,
  type StyleArgument,
  type StylizeOptions,
} from './options.js';
import { checkThreads, startBackend } from './start-backend.js';

/**
 * Loads a model (image or video, from its model.json or the authors' files) and starts a backend.
 *
 * ```ts
 * await using s = await createStylizer({ backend: 'auto' });
 * const style = await s.encodeStyle('painting.jpg');
 * const out = await s.stylize('photo.jpg', style, { size: 768, strength: 0.8 });
 * ```
 */
export async function createStylizer(options: CreateStylizerOptions = {}): Promise<NodeStylizer> {
  const { model, backend = 'auto', threads, maxPixels = DEFAULT_MAX_PIXELS, memoryBudgetBytes, precision = 'float32' } = options;
  if (!(maxPixels > 0)) throw new InvalidArgumentError(`maxPixels must be a positive number (or Infinity), got ${maxPixels}`);
  checkBackendChoice(backend);
  checkThreads(threads);
  if (memoryBudgetBytes !== undefined && !(memoryBudgetBytes > 0))
    throw new InvalidArgumentError(`memoryBudgetBytes must be a positive number of bytes, got ${memoryBudgetBytes}`);
  checkPrecision(precision, backend);
  // Model first: a wrong path is the likeliest mistake and costs nothing to report.
  const loaded = await loadModelDir(model);
  if (precision === 'int8' && loaded.int8 === undefined) {
    throw new InvalidArgumentError(
      `precision 'int8' needs a model calibrated for it, and '${loaded.name}' (${loaded.dir}) has no int8 ranges in its model.json ` +
        `(tools/train/calibrate_int8.py adds them); use precision 'float32'`,
    );
  }
  const started = await startBackend(precision === 'int8' ? 'onnx' : backend, { threads, memoryBudgetBytes });
  const core = stylizerFromWeights(started.backend, loaded.model, precision === 'int8' ? { int8: loaded.int8 } : {});
  const info = { dir: loaded.dir, kind: loaded.kind, name: loaded.name, variant: loaded.variant };
  return new NodeStylizerImpl(core, started.name, precision, info, loaded.seed, maxPixels);
}

/** int8 runs on ONNX Runtime's CPU kernels only: refuse any other backend before loading anything. */
function checkPrecision(precision: unknown, backend: BackendName | 'auto'): void {
  if (!(PRECISIONS as readonly unknown[]).includes(precision))
    throw new InvalidArgumentError(`precision must be one of ${PRECISIONS.join(', ')}, got ${String(precision)}`);
  if (precision === 'int8' && backend !== 'auto' && backend !== 'onnx')
    throw new InvalidArgumentError(`precision 'int8' runs on the onnx backend (ONNX Runtime on the CPU) only, not on ${backend}`);
}

class NodeStylizerImpl implements NodeStylizer {
  constructor(
    private readonly core: AnyStylizer,
    readonly backend: BackendName,
    readonly precision: Precision,
    readonly model: NodeStylizer['model'],
    private readonly modelSeed: number,
    private readonly maxPixels: number,
  ) {}

  async encodeStyle(style: ImageInput | readonly ImageInput[], options: EncodeStyleOptions = {}): Promise<EncodedStyle> {
    const { size = DEFAULT_SIZE, attention = DEFAULT_ATTENTION, seed = this.modelSeed, signal } = options;
    checkSize(size);
    signal?.throwIfAborted();
    const inputs = isList(style) ? style : [style];
    const images = await Promise.all(
      inputs.map((s, i) => readImage(s, { size, maxPixels: this.maxPixels, label: styleLabel(i, inputs.length) })),
    );
    return this.core.encodeStyle(isList(style) ? images : images[0]!, { attention, seed, signal });
  }

  async stylize(content: ImageInput, style: StyleArgument | readonly StyleArgument[], options: StylizeOptions = {}): Promise<PixelImage> {
    const { size = DEFAULT_SIZE, attention, seed, signal, onProgress, weights, mix, regions, strength, preserveColor } = options;
    checkSize(size);
    signal?.throwIfAborted();
    const contentImage = await readImage(content, { size, maxPixels: this.maxPixels, label: 'content image' });
    const inputs = isList(style) ? style : [style];
    const styles = await Promise.all(
      inputs.map((s, i) =>
        s instanceof StyleFeatures ? s : readImage(s, { size, maxPixels: this.maxPixels, label: styleLabel(i, inputs.length) }),
      ),
    );
    // Encoded styles carry their attention mode and seed (core refuses a call asking for others); images
    // take the call's, or the defaults.
    const encoded = styles.some((s) => s instanceof StyleFeatures);
    return this.core.stylize(contentImage, isList(style) ? styles : styles[0]!, {
      ...(encoded ? { attention, seed } : { attention: attention ?? DEFAULT_ATTENTION, seed: seed ?? this.modelSeed }),
      signal,
      onProgress,
      ...(weights === undefined ? {} : { weights }),
      ...(mix === undefined ? {} : { mix }),
      ...(strength === undefined ? {} : { strength }),
      ...(preserveColor === undefined ? {} : { preserveColor }),
      ...(regions === undefined ? {} : { regions: await this.readRegions(regions) }),
    });
  }

  async dispose(): Promise<void> {
    this.core.dispose();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.dispose();
  }

  private async readRegions(regions: readonly RegionPair[]): Promise<CoreRegionPair[]> {
    if (!Array.isArray(regions)) throw new InvalidArgumentError('regions must be an array of { content, style?, styleIndex? }');
    const read = (input: ImageInput, label: string) => readMask(input, { maxPixels: this.maxPixels, label });
    return Promise.all(
      regions.map(async (r, i) => ({
        content: await read(r.content, `content mask ${i + 1}`),
        ...(r.style === undefined ? {} : { style: await read(r.style, `style mask ${i + 1}`) }),
        ...(r.styleIndex === undefined ? {} : { styleIndex: r.styleIndex }),
      })),
    );
  }
}

function isList<T>(value: T | readonly T[]): value is readonly T[] {
  return Array.isArray(value);
}

function styleLabel(index: number, count: number): string {
  return count > 1 ? `style image ${index + 1}` : 'style image';
}

/** The API's cap is the CLI's: a larger size would only fail after minutes and gigabytes. */
export function checkSize(size: number): void {
  if (typeof size === 'number' && size > MAX_SIZE) {
    throw new InvalidArgumentError(
      `size must be at most ${MAX_SIZE} pixels (the longer side), got ${size}; use 0 to keep an input's own size`,
    );
  }
}
