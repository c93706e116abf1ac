/**
 * What both models share (stylizer.ts: image model, video-stylizer.ts: video model): encode a style once,
 * stylize any number of contents with it, and the creative controls (docs/CONTROLS.md) — several styles
 * (interpolated or concatenated), region pairs, strength, colour preservation.
 *
 * Sizes: a model needs content sides that are multiples of its `sideMultiple` (16 for the image model:
 * relu5_1 ×2 must meet relu4_1, and the decoder must come back to the input size; 4 for the video model).
 * Any content size is accepted: the content is reflection-padded at the bottom and right up to the next
 * multiple — and to at least `minPaddedSide`, so that the deepest tap is at least 2×2 (its reflection pad
 * and unbiased variance need two positions; PyTorch fails or gives NaN below that) — and the result is
 * cropped back. Style size is free down to `minStyleSide` (the same limit).
 */
import { anchorColorMeans, matchColors, transferLuminance, type PreserveColor } from '../pixels/color.js';
import { DisposedError, InvalidArgumentError, StyleOptionsMismatchError } from '../errors.js';
import { DEFAULT_MEMORY_BUDGET_BYTES } from '../ops/chunked-attention.js';
import { buildKey } from '../ops/keys.js';
import { reflectPadTo } from '../ops/pad.js';
import { samplePositions } from '../ops/sampling.js';
import type { Backend } from '../tensor/backend.js';
import type { ReadControl } from '../tensor/kernels.js';
import type { Tensor } from '../tensor/tensor.js';
import { TensorSet } from '../tensor/tensor-set.js';
import type { HostTensor } from '../tensor/types.js';
import type { StyleLevel, StyleSource, StyleTerm } from './adaattn.js';
import { checkMix, checkPreserveColor, checkStrength, normaliseWeights, type ControlOptions, type StyleMix } from './controls.js';
import { checkFloatImage, checkPixelImage, floatToPixels, isPixelImage, pixelsToFloat, type PixelImage } from '../pixels/image.js';
import type { Network } from './network.js';
import { contentRegionsAt, paddedContentMasks, prepareRegions, styleRegionsAt, type PreparedRegions } from './regions.js';
import { RunContext, type RunOptions, type StepReporter, type StylizeStage } from './run-context.js';
import { DEFAULT_SEED, LEVEL_INDEX, type AttentionLevel, type Level, type NetworkSpec } from '../architecture.js';
import { StyleFeatures, type AttentionMode } from './style-features.js';
import { colorAnchorWeight } from './strength.js';

/** A style given as pixels or as a float [1,3,H,W] image in [0,1]. */
export type StyleImage = PixelImage | HostTensor;
/** A style image, or a style encoded beforehand with `encodeStyle`. */
export type StyleInput = StyleImage | StyleFeatures;

export interface AttentionOptions {
  /**
   * 'sampled' (default): as the official model, each level attends to at most the model's cap of style
   * positions (image model: 4096 at relu3_1, 65536 at relu4_1 and relu5_1), drawn with `seed`. 'exact': all
   * style positions (up to ~4× the cost for large styles). Identical whenever the style is under the caps.
   */
  readonly attention?: AttentionMode;
  /** Seed of the style-position sample (default 6666, the official test-time seed; our PRNG, not torch's). */
  readonly seed?: number;
}

export interface EncodeStyleOptions extends AttentionOptions, RunOptions {
  /**
   * Explicit style positions (row-major indices into that level's H·W, pooled over the images when several
   * are encoded together) for some levels, used instead of sampling, e.g. the indices torch.randperm chose
   * in a reference run.
   */
  readonly sampleIndices?: Partial<Record<AttentionLevel, Int32Array>>;
}

export interface StylizeOptions extends AttentionOptions, RunOptions, ControlOptions {
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

/** Intermediate features of one run, as the base collects them; each model narrows the type. */
export interface RawCapture {
  readonly content: Readonly<Partial<Record<Level, HostTensor>>>;
  readonly style?: Readonly<Partial<Record<Level, HostTensor>>>;
  readonly adaattn: Readonly<Partial<Record<AttentionLevel, HostTensor>>>;
  readonly decoded: HostTensor;
  readonly [intermediate: string]: unknown;
}

export interface StylizeFloatResult<C = RawCapture> {
  /** [1,3,H,W] at the content's size; not clamped. */
  readonly output: HostTensor;
  /** The size the content was padded to (equal to its own when already acceptable). */
  readonly paddedHeight: number;
  readonly paddedWidth: number;
  readonly captured?: C;
}

interface Settings {
  readonly attention: AttentionMode;
  readonly seed: number;
  readonly memoryBudgetBytes: number;
}

/** One style's share of a stylize call: its features, its weight, and which style-list entries it pools. */
interface PlannedStyle {
  readonly features: StyleFeatures;
  readonly weight: number;
  readonly sourceIndex: readonly number[];
}

/** A stylize call after stage 0: its inputs checked and normalised. */
interface CheckedCall {
  readonly content: HostTensor;
  readonly height: number;
  readonly width: number;
  readonly paddedHeight: number;
  readonly paddedWidth: number;
  readonly list: readonly StyleInput[];
  /** The styles passed already encoded. */
  readonly given: readonly StyleFeatures[];
  /** Each style image as float (colour-matched for 'histogram'); undefined for encoded styles. */
  readonly prepared: readonly (HostTensor | undefined)[];
  readonly mix: StyleMix;
  readonly weights: readonly number[];
  readonly strength: number;
  readonly preserveColor: PreserveColor | undefined;
  readonly settings: Settings;
  readonly regions: PreparedRegions | undefined;
  /** How many style encodes the call runs (for progress). */
  readonly encodes: number;
}

/** The content after stage 2: its encoder taps (captured on the host when asked) and its padded region masks. */
interface EncodedContent {
  readonly taps: readonly Tensor[];
  readonly contentTaps: Partial<Record<Level, HostTensor>> | undefined;
  readonly paddedMasks: Tensor | undefined;
}

function settingsOf(options: StylizeOptions, base?: { attention: AttentionMode; seed: number }): Settings {
  const attention = options.attention ?? base?.attention ?? 'sampled';
  const seed = options.seed ?? base?.seed ?? DEFAULT_SEED;
  const memoryBudgetBytes = options.memoryBudgetBytes ?? DEFAULT_MEMORY_BUDGET_BYTES;
  if (attention !== 'sampled' && attention !== 'exact') {
    throw new InvalidArgumentError(`attention must be 'sampled' or 'exact', got ${String(attention)}`);
  }
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff)
    throw new InvalidArgumentError(`seed must be an integer in [0, 2^32), got ${seed}`);
  if (!(memoryBudgetBytes > 0) || !Number.isFinite(memoryBudgetBytes)) {
    throw new InvalidArgumentError(`memoryBudgetBytes must be a positive number of bytes, got ${memoryBudgetBytes}`);
  }
  return { attention, seed, memoryBudgetBytes };
}

/** The size content is padded to: the next multiple of `multiple`, at least `min`. */
export function paddedSize(height: number, width: number, multiple: number, min: number): [number, number] {
  const up = (n: number) => Math.max(min, Math.ceil(n / multiple) * multiple);
  return [up(height), up(width)];
}

export abstract class StylizerBase<C = RawCapture> {
  readonly backend: Backend;
  protected readonly network: Network;
  private readonly styles = new Set<StyleFeatures>();
  private disposed = false;

  protected constructor(backend: Backend, network: Network) {
    this.backend = backend;
    this.network = network;
  }

  /** 'image' or 'video'. */
  get variant(): NetworkSpec['variant'] {
    return this.network.spec.variant;
  }

  /**
   * Whether `strength` below 1 also moves the layers after the attention towards the model's strength
   * endpoint (model.json `strength`; strength.ts), so that 0 gives back the photo. Without one, strength
   * moves the attention statistics and the colour anchor only.
   */
  get strengthInterpolated(): boolean {
    return this.network.strengthInterpolated;
  }

  /** The attention levels this model runs, in order. */
  get levels(): readonly AttentionLevel[] {
    return this.network.spec.levels;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  /** The size a content of height × width is padded to before it enters the model. */
  paddedSize(height: number, width: number): [number, number] {
    return paddedSize(height, width, this.network.spec.sideMultiple, this.network.spec.minPaddedSide);
  }

  /**
   * Encodes a style (8-bit image, or float [1,3,H,W] in [0,1]) for reuse across `stylize` calls. Several
   * images are pooled into one set of attention positions (style concatenation; the sampling cap applies
   * to the pool).
   */
  async encodeStyle(image: StyleImage | readonly StyleImage[], options: EncodeStyleOptions = {}): Promise<StyleFeatures> {
    this.assertAlive();
    const images = (Array.isArray(image) ? image : [image]) as readonly StyleImage[];
    if (images.length === 0) throw new InvalidArgumentError('encodeStyle: no style image given');
    const settings = settingsOf(options);
    const run = new RunContext(options, ['encode-style'], this.backend);
    const { features } = await this.encodeStyleWith(
      images.map((s, i) => toFloat(s, images.length > 1 ? `style ${i + 1}` : 'style')),
      settings,
      options.sampleIndices,
      run,
      false,
    );
    run.finish();
    return features;
  }

  /**
   * Stylizes an 8-bit image with one style or several (see ControlOptions); returns an 8-bit image of the
   * content's size (RGB, or RGBA carrying the content's alpha when it had one).
   */
  async stylize(content: PixelImage, style: StyleInput | readonly StyleInput[], options: StylizeOptions = {}): Promise<PixelImage> {
    checkPixelImage(content, 'content');
    const result = await this.forward(pixelsToFloat(content), style, options, false, content);
    return floatToPixels(result.output, content);
  }

  /**
   * The float-level entry point (parity tests, custom pipelines): content and styles as [1,3,H,W] RGB in
   * [0,1]; returns the unclamped [1,3,H,W] output and, with `capture`, the intermediate features.
   */
  stylizeFloat(
    content: HostTensor,
    style: HostTensor | StyleFeatures | readonly (HostTensor | StyleFeatures)[],
    options: StylizeFloatOptions = {},
  ): Promise<StylizeFloatResult<C>> {
    return this.forward(content, style, options, options.capture === true) as Promise<StylizeFloatResult<C>>;
  }

  /** Frees the weights and every StyleFeatures this stylizer made. Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    [...this.styles].forEach((s) => s.dispose());
    this.network.dispose();
  }

  private assertAlive(): void {
    if (this.disposed)
      throw new DisposedError(`this ${this.constructor.name} was disposed; create a new one with ${this.constructor.name}.create()`);
  }

  private async encodeStyleWith(
    images: readonly HostTensor[],
    settings: Settings,
    sampleIndices: Partial<Record<AttentionLevel, Int32Array>> | undefined,
    run: StepReporter,
    capture: boolean,
  ): Promise<{ features: StyleFeatures; taps?: Partial<Record<Level, HostTensor>> }> {
    const b = this.backend;
    const net = this.network;
    const sizes = images.map((image, i) => {
      const [height, width] = checkFloatImage(image, 'style');
      if (height < net.spec.minStyleSide || width < net.spec.minStyleSide) {
        const which = images.length > 1 ? `style ${i + 1}` : 'style';
        throw new InvalidArgumentError(
          `${which}: the image is ${width}×${height} px; the ${net.spec.variant} model needs at least ${net.spec.minStyleSide} px a side (its ${net.spec.taps.at(-1)} features must be 2×2 or larger): use a larger style image`,
        );
      }
      return { width, height };
    });
    const owned = new TensorSet();
    const steps = net.encoder.layerCount * images.length + net.spec.levels.length;
    try {
      // Each image's feature and key per level, kept until every image is encoded and they can be pooled.
      const perLevel = new Map<AttentionLevel, StyleSource[]>(net.spec.levels.map((l) => [l, []]));
      let captured: Partial<Record<Level, HostTensor>> | undefined;
      for (const [i, image] of images.entries()) {
        const x = owned.add(b.fromHost(image));
        const base = i * net.encoder.layerCount;
        const taps = owned.addAll(await net.encoder.encode(b, x, (done) => run.step('encode-style', base + done, steps), run.watched));
        owned.release(x);
        if (capture) captured = await readTaps(b, net.spec.taps, taps);
        for (const level of net.spec.levels) {
          const index = LEVEL_INDEX[level];
          perLevel.get(level)!.push({ feature: taps[index] as Tensor, key: owned.add(buildKey(b, taps, index)) });
        }
        const used = new Set(net.spec.levels.map((l) => taps[LEVEL_INDEX[l]]));
        owned.release(...taps.filter((t) => !used.has(t)));
      }
      const levels: Partial<Record<AttentionLevel, StyleLevel>> = {};
      for (const [i, level] of net.spec.levels.entries()) {
        const sources = perLevel.get(level)!;
        const total = sources.reduce((n, s) => n + (s.feature.shape[2] as number) * (s.feature.shape[3] as number), 0);
        const explicit = sampleIndices?.[level];
        const cap = net.spec.maxSample[level] ?? Infinity;
        const chosen = explicit ?? (settings.attention === 'exact' ? null : samplePositions(total, cap, settings.seed));
        const encoded = net.modules[level]!.encodeStyle(b, sources, chosen);
        levels[level] = encoded;
        owned.addAll([encoded.k, encoded.v, encoded.vSquared]);
        owned.release(...sources.flatMap((s) => [s.feature, s.key]));
        await run.step('encode-style', net.encoder.layerCount * images.length + i + 1, steps);
      }
      for (const level of Object.values(levels)) [level.k, level.v, level.vSquared].forEach((t) => owned.detach(t));
      const features = new StyleFeatures({
        owner: this,
        sources: sizes,
        attention: settings.attention,
        seed: settings.seed,
        levels,
        onDispose: (f) => this.styles.delete(f),
      });
      this.styles.add(features);
      return captured === undefined || images.length > 1 ? { features } : { features, taps: captured };
    } finally {
      owned.dispose();
    }
  }

  /**
   * One stylize call, as named stages: check the call, encode the styles, encode the content, attend at each
   * level, decode, then crop and recolour on the host. Everything allocated is freed in `finally`.
   */
  private async forward(
    content: HostTensor,
    style: StyleInput | readonly StyleInput[],
    options: StylizeFloatOptions,
    capture: boolean,
    pixels?: PixelImage,
  ): Promise<StylizeFloatResult> {
    this.assertAlive();
    const call = this.checkCall(content, style, options);
    const stages: StylizeStage[] =
      call.encodes > 0 ? ['encode-style', 'encode-content', 'attention', 'decode'] : ['encode-content', 'attention', 'decode'];
    const run = new RunContext(options, stages, this.backend);
    const owned = new TensorSet();
    const temporary: StyleFeatures[] = [];
    try {
      const styles = await this.encodeStyles(call, options, run, capture, temporary);
      const encoded = await this.encodeContent(call, run, owned, capture);
      const outputs = await this.attend(call, styles.plan, encoded, run, owned);
      const adaattn = capture ? await readRecord(this.backend, outputs, run.readControl()) : undefined;
      const { decoded, intermediates } = await this.decode(outputs, call.strength, run, owned, capture);
      run.finish();
      const result: StylizeFloatResult = {
        output: finishOnHost(call, decoded, pixels),
        paddedHeight: call.paddedHeight,
        paddedWidth: call.paddedWidth,
      };
      if (!capture) return result;
      const captured: RawCapture = {
        content: encoded.contentTaps as Partial<Record<Level, HostTensor>>,
        ...(styles.taps === undefined ? {} : { style: styles.taps }),
        adaattn: adaattn as Partial<Record<AttentionLevel, HostTensor>>,
        ...intermediates,
        decoded,
      };
      return { ...result, captured };
    } finally {
      owned.dispose();
      temporary.forEach((f) => f.dispose());
    }
  }

  /** Stage 0: every option and input checked, before anything is allocated; histogram colour matching of style images. */
  private checkCall(content: HostTensor, style: StyleInput | readonly StyleInput[], options: StylizeFloatOptions): CheckedCall {
    const [height, width] = checkFloatImage(content, 'content');
    const list = (Array.isArray(style) ? style : [style]) as readonly StyleInput[];
    if (list.length === 0) throw new InvalidArgumentError('stylize: no style given');
    const mix = checkMix(options.mix);
    const weights = normaliseWeights(list.length, options.weights, mix);
    const strength = checkStrength(options.strength);
    const preserveColor = checkPreserveColor(options.preserveColor);
    const given = list.filter((s): s is StyleFeatures => s instanceof StyleFeatures);
    given.forEach((f) => this.checkFeatures(f, options));
    const settings = settingsOf(options, given[0]);
    const styleCount =
      mix === 'concat' && list.length === 1 && given.length === 1 ? (given[0] as StyleFeatures).sources.length : list.length;
    const regions =
      options.regions === undefined || options.regions.length === 0
        ? undefined
        : prepareRegions(options.regions, styleCount, mix === 'concat');
    if (mix === 'concat' && given.length > 0 && list.length > 1) {
      throw new InvalidArgumentError(
        "mix 'concat' pools style images into one set of positions: pass the images, or encode them together with encodeStyle([a, b])",
      );
    }
    if (preserveColor === 'histogram' && given.length > 0) {
      throw new InvalidArgumentError(
        "preserveColor 'histogram' recolours the style image to the content before encoding it: pass the style image, not encoded StyleFeatures",
      );
    }
    const images = list.map((s, i) => (s instanceof StyleFeatures ? undefined : toFloat(s, list.length > 1 ? `style ${i + 1}` : 'style')));
    const prepared = preserveColor === 'histogram' ? images.map((s) => (s === undefined ? undefined : matchColors(s, content))) : images;
    const encodes =
      mix === 'concat' ? (given.length === 0 ? 1 : 0) : prepared.filter((s, i) => s !== undefined && (weights[i] as number) > 0).length;
    const [paddedHeight, paddedWidth] = this.paddedSize(height, width);
    return {
      content,
      height,
      width,
      paddedHeight,
      paddedWidth,
      list,
      given,
      prepared,
      mix,
      weights,
      strength,
      preserveColor,
      settings,
      regions,
      encodes,
    };
  }

  /** Stage 1: the features each style term attends to (encoded here unless given) and its weight. */
  private async encodeStyles(
    call: CheckedCall,
    options: StylizeFloatOptions,
    run: RunContext,
    capture: boolean,
    temporary: StyleFeatures[],
  ): Promise<{ plan: PlannedStyle[]; taps?: Partial<Record<Level, HostTensor>> }> {
    let taps: Partial<Record<Level, HostTensor>> | undefined;
    const encode = async (imgs: HostTensor[], step: StepReporter) => {
      const encoded = await this.encodeStyleWith(imgs, call.settings, options.sampleIndices, step, capture && call.list.length === 1);
      temporary.push(encoded.features);
      taps ??= encoded.taps;
      return encoded.features;
    };
    const plan: PlannedStyle[] = [];
    if (call.mix === 'concat') {
      const features = call.given[0] ?? (await encode(call.prepared as HostTensor[], run));
      plan.push({ features, weight: 1, sourceIndex: features.sources.map((_, i) => i) });
    } else {
      let part = 0;
      for (const [i, s] of call.list.entries()) {
        const weight = call.weights[i] as number;
        if (weight === 0) continue; // documented: styles of weight 0 are not computed
        const image = call.prepared[i];
        const features =
          image === undefined ? (s as StyleFeatures) : await encode([image], run.slice('encode-style', part++, call.encodes));
        plan.push({ features, weight, sourceIndex: features.sources.map(() => i) });
      }
    }
    return taps === undefined ? { plan } : { plan, taps };
  }

  /** Stage 2: the content, reflection-padded to the model's size, through the encoder; the region masks at that size. */
  private async encodeContent(call: CheckedCall, run: RunContext, owned: TensorSet, capture: boolean): Promise<EncodedContent> {
    const b = this.backend;
    const net = this.network;
    const x = owned.add(b.scope(() => reflectPadTo(b, b.fromHost(call.content), call.paddedHeight, call.paddedWidth)));
    const taps = owned.addAll(await net.encoder.encode(b, x, (done, total) => run.step('encode-content', done, total), run.watched));
    owned.release(x);
    const contentTaps = capture ? await readTaps(b, net.spec.taps, taps, run.readControl()) : undefined;
    const paddedMasks =
      call.regions === undefined
        ? undefined
        : owned.add(paddedContentMasks(b, call.regions, call.height, call.width, call.paddedHeight, call.paddedWidth));
    return { taps, contentTaps, paddedMasks };
  }

  /** Stage 3: AdaAttN at each level, content against every style term; frees the content taps. */
  private async attend(
    call: CheckedCall,
    plan: readonly PlannedStyle[],
    encoded: EncodedContent,
    run: RunContext,
    owned: TensorSet,
  ): Promise<Partial<Record<AttentionLevel, Tensor>>> {
    const b = this.backend;
    const net = this.network;
    const { taps, paddedMasks } = encoded;
    const outputs: Partial<Record<AttentionLevel, Tensor>> = {};
    for (const [i, level] of net.spec.levels.entries()) {
      const feature = taps[LEVEL_INDEX[level]] as Tensor;
      const key = owned.add(buildKey(b, taps, LEVEL_INDEX[level]));
      const masks =
        call.regions === undefined ? undefined : this.levelMasks(call.regions, paddedMasks as Tensor, feature, plan, level, owned);
      outputs[level] = owned.add(
        await net.modules[level]!.apply(
          b,
          feature,
          key,
          masks?.terms ?? plan.map((p) => ({ level: p.features.level(level), weight: p.weight })),
          {
            memoryBudgetBytes: call.settings.memoryBudgetBytes,
            strength: call.strength,
            ...(masks === undefined ? {} : { contentRegions: masks.content }),
            afterChunk: (done, total) => run.step('attention', i + done / total, net.spec.levels.length),
          },
        ),
      );
      owned.release(key, ...(masks === undefined ? [] : [masks.content, ...masks.terms.map((t) => t.styleInside as Tensor)]));
    }
    owned.release(...taps);
    if (paddedMasks !== undefined) owned.release(paddedMasks);
    return outputs;
  }

  /** Stage 4: the decoder from the attention outputs, read back to host memory (with its intermediates when capturing). */
  private async decode(
    outputs: Partial<Record<AttentionLevel, Tensor>>,
    strength: number,
    run: RunContext,
    owned: TensorSet,
    capture: boolean,
  ): Promise<{ decoded: HostTensor; intermediates: Record<string, HostTensor> }> {
    const b = this.backend;
    const intermediates: Record<string, HostTensor> = {};
    const decodedTensor = owned.add(
      await this.network.decode(b, outputs, {
        afterLayer: (done, total) => run.step('decode', done, total),
        inBands: run.watched,
        strength,
        release: (...t) => owned.release(...t),
        ...(capture
          ? { capture: async (name: string, t: Tensor) => void (intermediates[name] = await b.readHost(t, run.readControl())) }
          : {}),
      }),
    );
    owned.release(...(Object.values(outputs) as Tensor[]));
    return { decoded: await b.readHost(decodedTensor, run.readControl()), intermediates };
  }

  /** The content side of the region mask at this level, and each style term with its style side. */
  private levelMasks(
    regions: PreparedRegions,
    paddedMasks: Tensor,
    feature: Tensor,
    plan: readonly PlannedStyle[],
    level: AttentionLevel,
    owned: TensorSet,
  ): { content: Tensor; terms: StyleTerm[] } {
    const b = this.backend;
    const content = owned.add(contentRegionsAt(b, paddedMasks, feature.shape[2] as number, feature.shape[3] as number));
    const terms = plan.map((p) => {
      const styleLevel = p.features.level(level);
      return { level: styleLevel, weight: p.weight, styleInside: owned.add(styleRegionsAt(b, regions, styleLevel, p.sourceIndex)) };
    });
    return { content, terms };
  }

  private checkFeatures(features: StyleFeatures, options: AttentionOptions): void {
    if (features.isDisposed) throw new DisposedError('these StyleFeatures were disposed; encode the style again with encodeStyle()');
    if (features.owner !== this)
      throw new InvalidArgumentError(
        `these StyleFeatures were made by another ${this.constructor.name} (its weights are baked in); encode the style with this one`,
      );
    const asked = { attention: options.attention ?? features.attention, seed: options.seed ?? features.seed };
    if (asked.attention !== features.attention || (asked.attention === 'sampled' && asked.seed !== features.seed)) {
      throw new StyleOptionsMismatchError(
        `the style was encoded with { attention: '${features.attention}', seed: ${features.seed} } but this call asks for ` +
          `{ attention: '${asked.attention}', seed: ${asked.seed} }: encode it again with encodeStyle(image, { attention, seed }) or pass the style image`,
      );
    }
  }
}

function toFloat(image: StyleImage, what: string): HostTensor {
  if (isPixelImage(image)) {
    checkPixelImage(image, what);
    return pixelsToFloat(image);
  }
  checkFloatImage(image, what);
  return image;
}

async function readTaps(
  b: Backend,
  names: readonly Level[],
  taps: readonly Tensor[],
  control?: ReadControl,
): Promise<Partial<Record<Level, HostTensor>>> {
  const out: Partial<Record<Level, HostTensor>> = {};
  for (const [i, level] of names.entries()) out[level] = await b.readHost(taps[i] as Tensor, control);
  return out;
}

async function readRecord<K extends string>(
  b: Backend,
  tensors: Partial<Record<K, Tensor>>,
  control?: ReadControl,
): Promise<Partial<Record<K, HostTensor>>> {
  const out: Partial<Record<K, HostTensor>> = {};
  for (const key of Object.keys(tensors) as K[]) out[key] = await b.readHost(tensors[key] as Tensor, control);
  return out;
}

/**
 * Stage 5 on the host: crop off the padding, give the content's chroma back for 'luminance', and last, below
 * full strength, the colour anchor, so that the means it sets are those of the image as written (weighted by
 * the alpha of `pixels`, the 8-bit content when it came as one, so that transparent pixels do not count).
 */
function finishOnHost(call: CheckedCall, decoded: HostTensor, pixels: PixelImage | undefined): HostTensor {
  const cropped =
    call.paddedHeight === call.height && call.paddedWidth === call.width ? decoded : cropHost(decoded, call.height, call.width);
  const recoloured = call.preserveColor === 'luminance' ? transferLuminance(cropped, call.content) : cropped;
  const weight = colorAnchorWeight(call.strength);
  if (weight === 0) return recoloured; // full strength: the alpha plane is not even read
  return anchorColorMeans(recoloured, call.content, weight, pixels === undefined ? undefined : alphaCoverage(pixels));
}

/** The alpha channel of an RGBA image in [0, 1]; undefined for images without one. */
function alphaCoverage(image: PixelImage): Float32Array | undefined {
  if (image.channels !== 4) return undefined;
  const coverage = new Float32Array(image.width * image.height);
  for (let i = 0; i < coverage.length; i++) coverage[i] = (image.data[4 * i + 3] as number) / 255;
  return coverage;
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
