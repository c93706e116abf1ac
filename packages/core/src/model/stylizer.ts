/**
 * The released AdaAttN image model (DESIGN.md §2) on any backend: encode a style once, stylize any number
 * of contents with it.
 *
 * Sizes: the model needs content sides that are multiples of 16 (relu5_1 ×2 must meet relu4_1, and the
 * decoder must come back to the input size). Any content size is accepted: the content is reflection-padded
 * at the bottom and right up to the next multiple of 16 — and to at least 32, so that relu5_1 is at least
 * 2×2 (its reflection pad and unbiased variance need two positions; PyTorch fails or gives NaN below that)
 * — and the result is cropped back. Style size is free down to 17 px a side (the same relu5_1 limit).
 */
import { InvalidArgumentError, StyleOptionsMismatchError } from '../errors.js';
import { DEFAULT_MEMORY_BUDGET_BYTES } from '../ops/attention.js';
import { buildKey } from '../ops/keys.js';
import { reflectPadTo } from '../ops/pad.js';
import { samplePositions } from '../ops/sampling.js';
import type { Backend } from '../tensor/backend.js';
import { DisposedError } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { TensorSet } from '../tensor/tensor-set.js';
import type { HostTensor } from '../tensor/types.js';
import type { ImageModelWeights } from '../weights/types.js';
import { AdaAttnModule, type StyleLevel } from './adaattn.js';
import { Decoder } from './decoder.js';
import { Encoder } from './encoder.js';
import { checkFloatImage, checkPixelImage, floatToPixels, isPixelImage, pixelsToFloat, type PixelImage } from './image.js';
import { RunContext, type RunOptions, type StylizeStage } from './run-context.js';
import { ATTENTION_LEVELS, DEFAULT_SEED, LEVELS, MAX_SAMPLE, type AttentionLevel, type Level } from './spec.js';
import { StyleFeatures, type AttentionMode } from './style-features.js';
import { Merge } from './transformer.js';
import { validateImageWeights } from './validate.js';

/** Smallest style side: relu5_1 (1/16 with ceil-mode pooling) must be at least 2×2. */
export const MIN_STYLE_SIDE = 17;
/** Smallest padded content side (see the file comment). */
export const MIN_PADDED_CONTENT_SIDE = 32;

export interface AttentionOptions {
  /**
   * 'sampled' (default): as the official model, each level attends to at most 4096 (relu3_1) or 65536
   * (relu4_1, relu5_1) style positions, drawn with `seed`. 'exact': all style positions (up to ~4× the
   * cost for large styles). Identical whenever the style has fewer positions than the caps.
   */
  readonly attention?: AttentionMode;
  /** Seed of the style-position sample (default 6666, the official test-time seed; our PRNG, not torch's). */
  readonly seed?: number;
}

export interface EncodeStyleOptions extends AttentionOptions, RunOptions {
  /**
   * Explicit style positions (row-major indices into that level's H·W) for some levels, used instead of
   * sampling, e.g. the indices torch.randperm chose in a reference run.
   */
  readonly sampleIndices?: Partial<Record<AttentionLevel, Int32Array>>;
}

export interface StylizeOptions extends AttentionOptions, RunOptions {
  /**
   * Bytes the attention's per-chunk [rows × style positions] matrices may take together (default 256 MiB);
   * content positions are processed in as many chunks as that needs, so memory stays bounded at any size.
   */
  readonly memoryBudgetBytes?: number;
}

export interface StylizeFloatOptions extends StylizeOptions {
  /** As `EncodeStyleOptions.sampleIndices`, when the style is given as an image. */
  readonly sampleIndices?: Partial<Record<AttentionLevel, Int32Array>>;
  /** Also return the intermediate features (read back to host memory; costs time and memory). */
  readonly capture?: boolean;
}

/** Intermediate features of one run, NCHW, at the padded content size. */
export interface CapturedFeatures {
  readonly content: Readonly<Record<Level, HostTensor>>;
  /** Present when the style was given as an image (not as StyleFeatures). */
  readonly style?: Readonly<Record<Level, HostTensor>>;
  /** AdaAttN outputs: relu3_1 is the decoder's skip input; relu4_1 and relu5_1 feed the merge. */
  readonly adaattn: Readonly<Record<AttentionLevel, HostTensor>>;
  /** merge_conv output: the decoder's main input. */
  readonly transformer: HostTensor;
  /** The decoder's output before cropping back to the content size. */
  readonly decoded: HostTensor;
}

export interface StylizeFloatResult {
  /** [1,3,H,W] at the content's size; not clamped. */
  readonly output: HostTensor;
  /** The size the content was padded to (equal to its own when already a multiple of 16, ≥ 32). */
  readonly paddedHeight: number;
  readonly paddedWidth: number;
  readonly captured?: CapturedFeatures;
}

interface Settings {
  readonly attention: AttentionMode;
  readonly seed: number;
  readonly memoryBudgetBytes: number;
}

const LEVEL_INDEX: Readonly<Record<AttentionLevel, number>> = { relu3_1: 2, relu4_1: 3, relu5_1: 4 };

function settingsOf(options: StylizeOptions, base?: { attention: AttentionMode; seed: number }): Settings {
  const attention = options.attention ?? base?.attention ?? 'sampled';
  const seed = options.seed ?? base?.seed ?? DEFAULT_SEED;
  const memoryBudgetBytes = options.memoryBudgetBytes ?? DEFAULT_MEMORY_BUDGET_BYTES;
  if (attention !== 'sampled' && attention !== 'exact') {
    throw new InvalidArgumentError(`attention must be 'sampled' or 'exact', got ${String(attention)}`);
  }
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new InvalidArgumentError(`seed must be an integer in [0, 2^32), got ${seed}`);
  if (!(memoryBudgetBytes > 0) || !Number.isFinite(memoryBudgetBytes)) {
    throw new InvalidArgumentError(`memoryBudgetBytes must be a positive number of bytes, got ${memoryBudgetBytes}`);
  }
  return { attention, seed, memoryBudgetBytes };
}

/** Content is padded to this size (see the file comment). */
export function paddedContentSize(height: number, width: number): [number, number] {
  const up = (n: number) => Math.max(MIN_PADDED_CONTENT_SIDE, Math.ceil(n / 16) * 16);
  return [up(height), up(width)];
}

export class Stylizer {
  readonly backend: Backend;
  private readonly encoder: Encoder;
  private readonly modules: Readonly<Record<AttentionLevel, AdaAttnModule>>;
  private readonly merge: Merge;
  private readonly decoder: Decoder;
  private readonly styles = new Set<StyleFeatures>();
  private disposed = false;

  private constructor(backend: Backend, parts: { encoder: Encoder; modules: Record<AttentionLevel, AdaAttnModule>; merge: Merge; decoder: Decoder }) {
    this.backend = backend;
    this.encoder = parts.encoder;
    this.modules = parts.modules;
    this.merge = parts.merge;
    this.decoder = parts.decoder;
  }

  /**
   * Checks every expected tensor's presence and shape (one WeightsError listing all problems), then uploads
   * the weights to `backend`.
   */
  static create(backend: Backend, weights: ImageModelWeights): Stylizer {
    validateImageWeights(weights);
    const b = backend;
    const parts: Partial<{ encoder: Encoder; relu3_1: AdaAttnModule; relu4_1: AdaAttnModule; relu5_1: AdaAttnModule; merge: Merge; decoder: Decoder }> = {};
    try {
      parts.encoder = Encoder.upload(b, weights.encoder);
      parts.relu3_1 = AdaAttnModule.upload(b, weights.adaattn3, 'relu3_1');
      parts.relu4_1 = AdaAttnModule.upload(b, weights.transformer, 'relu4_1');
      parts.relu5_1 = AdaAttnModule.upload(b, weights.transformer, 'relu5_1');
      parts.merge = Merge.upload(b, weights.transformer);
      parts.decoder = Decoder.upload(b, weights.decoder);
    } catch (error) {
      Object.values(parts).forEach((p) => p.dispose());
      throw error;
    }
    return new Stylizer(backend, {
      encoder: parts.encoder,
      modules: { relu3_1: parts.relu3_1, relu4_1: parts.relu4_1, relu5_1: parts.relu5_1 },
      merge: parts.merge,
      decoder: parts.decoder,
    });
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  /** Encodes a style (8-bit image, or float [1,3,H,W] in [0,1]) for reuse across `stylize` calls. */
  async encodeStyle(image: PixelImage | HostTensor, options: EncodeStyleOptions = {}): Promise<StyleFeatures> {
    this.assertAlive();
    const settings = settingsOf(options);
    const run = new RunContext(options, ['encode-style']);
    return (await this.encodeStyleWith(toFloat(image, 'style'), settings, options.sampleIndices, run, false)).features;
  }

  /**
   * Stylizes an 8-bit image; returns an 8-bit image of the content's size (RGB, or RGBA carrying the
   * content's alpha when it had one).
   */
  async stylize(content: PixelImage, style: PixelImage | StyleFeatures, options: StylizeOptions = {}): Promise<PixelImage> {
    checkPixelImage(content, 'content');
    const result = await this.forward(pixelsToFloat(content), style instanceof StyleFeatures ? style : toFloat(style, 'style'), options, false);
    return floatToPixels(result.output, content);
  }

  /**
   * The float-level entry point (parity tests, custom pipelines): content and style as [1,3,H,W] RGB in
   * [0,1]; returns the unclamped [1,3,H,W] output and, with `capture`, the intermediate features.
   */
  stylizeFloat(content: HostTensor, style: HostTensor | StyleFeatures, options: StylizeFloatOptions = {}): Promise<StylizeFloatResult> {
    return this.forward(content, style, options, options.capture === true);
  }

  /** Frees the weights and every StyleFeatures this stylizer made. Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    [...this.styles].forEach((s) => s.dispose());
    this.encoder.dispose();
    Object.values(this.modules).forEach((m) => m.dispose());
    this.merge.dispose();
    this.decoder.dispose();
  }

  private assertAlive(): void {
    if (this.disposed) throw new DisposedError('this Stylizer was disposed; create a new one with Stylizer.create()');
  }

  private async encodeStyleWith(
    style: HostTensor,
    settings: Settings,
    sampleIndices: Partial<Record<AttentionLevel, Int32Array>> | undefined,
    run: RunContext,
    capture: boolean,
  ): Promise<{ features: StyleFeatures; taps?: Record<Level, HostTensor> }> {
    const b = this.backend;
    const [height, width] = checkFloatImage(style, 'style');
    if (height < MIN_STYLE_SIDE || width < MIN_STYLE_SIDE) {
      throw new InvalidArgumentError(
        `style: the image is ${width}×${height} px; AdaAttN needs at least ${MIN_STYLE_SIDE} px a side (its relu5_1 features must be 2×2 or larger): use a larger style image`,
      );
    }
    const owned = new TensorSet();
    try {
      const steps = this.encoder.layerCount + ATTENTION_LEVELS.length;
      const x = owned.add(b.fromHost(style));
      const taps = owned.addAll(await this.encoder.encode(b, x, (done) => run.step('encode-style', done, steps)));
      owned.release(x);
      const captured = capture ? await readLevels(b, taps) : undefined;
      const levels = {} as Record<AttentionLevel, StyleLevel>;
      for (const [i, level] of ATTENTION_LEVELS.entries()) {
        const index = LEVEL_INDEX[level];
        const feature = taps[index] as Tensor;
        const positions = (feature.shape[2] as number) * (feature.shape[3] as number);
        const explicit = sampleIndices?.[level];
        const chosen = explicit ?? (settings.attention === 'exact' ? null : samplePositions(positions, MAX_SAMPLE[level], settings.seed));
        const key = owned.add(buildKey(b, taps, index));
        const encoded = this.modules[level].encodeStyle(b, feature, key, chosen);
        levels[level] = encoded;
        owned.addAll([encoded.k, encoded.v, encoded.vSquared]);
        owned.release(key);
        await run.step('encode-style', this.encoder.layerCount + i + 1, steps);
      }
      for (const level of ATTENTION_LEVELS) [levels[level].k, levels[level].v, levels[level].vSquared].forEach((t) => owned.detach(t));
      const features = new StyleFeatures({
        owner: this,
        width,
        height,
        attention: settings.attention,
        seed: settings.seed,
        levels,
        onDispose: (f) => this.styles.delete(f),
      });
      this.styles.add(features);
      return captured === undefined ? { features } : { features, taps: captured };
    } finally {
      owned.dispose();
    }
  }

  private async forward(content: HostTensor, style: HostTensor | StyleFeatures, options: StylizeFloatOptions, capture: boolean): Promise<StylizeFloatResult> {
    this.assertAlive();
    const b = this.backend;
    const [height, width] = checkFloatImage(content, 'content');
    const given = style instanceof StyleFeatures ? style : undefined;
    if (given !== undefined) this.checkFeatures(given, options);
    const settings = settingsOf(options, given);
    const stages: StylizeStage[] = given === undefined ? ['encode-style', 'encode-content', 'attention', 'decode'] : ['encode-content', 'attention', 'decode'];
    const run = new RunContext(options, stages);
    const [paddedHeight, paddedWidth] = paddedContentSize(height, width);
    const owned = new TensorSet();
    let encoded: { features: StyleFeatures; taps?: Record<Level, HostTensor> } | undefined;
    try {
      encoded = given === undefined ? await this.encodeStyleWith(style as HostTensor, settings, options.sampleIndices, run, capture) : undefined;
      const features = given ?? (encoded as { features: StyleFeatures }).features;

      const x = owned.add(b.scope(() => reflectPadTo(b, b.fromHost(content), paddedHeight, paddedWidth)));
      const taps = owned.addAll(await this.encoder.encode(b, x, (done, total) => run.step('encode-content', done, total)));
      owned.release(x);
      const contentTaps = capture ? await readLevels(b, taps) : undefined;

      const outputs = {} as Record<AttentionLevel, Tensor>;
      for (const [i, level] of ATTENTION_LEVELS.entries()) {
        const index = LEVEL_INDEX[level];
        const key = owned.add(buildKey(b, taps, index));
        outputs[level] = owned.add(
          await this.modules[level].apply(b, taps[index] as Tensor, key, features.levels[level], {
            memoryBudgetBytes: settings.memoryBudgetBytes,
            afterChunk: (done, total) => run.step('attention', i + done / total, ATTENTION_LEVELS.length),
          }),
        );
        owned.release(key);
      }
      owned.release(...taps);
      const adaattn = capture ? await readRecord(b, outputs) : undefined;

      const merged = owned.add(this.merge.apply(b, outputs.relu4_1, outputs.relu5_1));
      owned.release(outputs.relu4_1, outputs.relu5_1);
      const transformer = capture ? await b.readHost(merged) : undefined;
      const decodedTensor = owned.add(await this.decoder.decode(b, merged, outputs.relu3_1, (done, total) => run.step('decode', done, total)));
      owned.release(merged, outputs.relu3_1);
      const decoded = await b.readHost(decodedTensor);
      const output = paddedHeight === height && paddedWidth === width ? decoded : cropHost(decoded, height, width);
      const result: StylizeFloatResult = { output, paddedHeight, paddedWidth };
      if (!capture) return result;
      const captured: CapturedFeatures = {
        content: contentTaps as Record<Level, HostTensor>,
        ...(encoded?.taps === undefined ? {} : { style: encoded.taps }),
        adaattn: adaattn as Record<AttentionLevel, HostTensor>,
        transformer: transformer as HostTensor,
        decoded,
      };
      return { ...result, captured };
    } finally {
      owned.dispose();
      encoded?.features.dispose();
    }
  }

  private checkFeatures(features: StyleFeatures, options: AttentionOptions): void {
    if (features.isDisposed) throw new DisposedError('these StyleFeatures were disposed; encode the style again with encodeStyle()');
    if (features.owner !== this) throw new InvalidArgumentError('these StyleFeatures were made by another Stylizer (its weights are baked in); encode the style with this one');
    const asked = { attention: options.attention ?? features.attention, seed: options.seed ?? features.seed };
    if (asked.attention !== features.attention || (asked.attention === 'sampled' && asked.seed !== features.seed)) {
      throw new StyleOptionsMismatchError(
        `the style was encoded with { attention: '${features.attention}', seed: ${features.seed} } but this call asks for ` +
          `{ attention: '${asked.attention}', seed: ${asked.seed} }: encode it again with encodeStyle(image, { attention, seed }) or pass the style image`,
      );
    }
  }
}

function toFloat(image: PixelImage | HostTensor, what: string): HostTensor {
  if (isPixelImage(image)) {
    checkPixelImage(image, what);
    return pixelsToFloat(image);
  }
  checkFloatImage(image, what);
  return image;
}

async function readLevels(b: Backend, taps: readonly Tensor[]): Promise<Record<Level, HostTensor>> {
  const out = {} as Record<Level, HostTensor>;
  for (const [i, level] of LEVELS.entries()) out[level] = await b.readHost(taps[i] as Tensor);
  return out;
}

async function readRecord<K extends string>(b: Backend, tensors: Record<K, Tensor>): Promise<Record<K, HostTensor>> {
  const out = {} as Record<K, HostTensor>;
  for (const key of Object.keys(tensors) as K[]) out[key] = await b.readHost(tensors[key]);
  return out;
}

/** The top-left height × width of [1,C,H,W] host data. */
function cropHost(t: HostTensor, height: number, width: number): HostTensor {
  const [n, c, h, w] = t.shape as [number, number, number, number];
  const out = new Float32Array(n * c * height * width);
  for (let p = 0; p < n * c; p++) {
    for (let y = 0; y < height; y++) out.set(t.data.subarray((p * h + y) * w, (p * h + y) * w + width), (p * height + y) * width);
  }
  return { shape: [n, c, height, width], data: out };
}
