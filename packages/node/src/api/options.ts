/**
 * Options of the Node API, each with its default. The CLI's help reads the defaults from here.
 */
import type { ModelVariant, PreserveColor, StyleFeatures, StyleMix, StylizeProgress as CoreProgress } from '@adaattn/core';
import type { ImageInput } from '../io/image.js';
import type { PixelImage } from '../types.js';
import type { BackendName } from './backends.js';

/** Longer side, in pixels, that inputs are resized to unless told otherwise. The authors test at 512. */
export const DEFAULT_SIZE = 512;
export const DEFAULT_ATTENTION = 'sampled' as const;
/**
 * Largest `size` accepted (API and CLI alike): past this one image's features no longer fit a typical
 * machine's memory (size 9000 reached 7.4 GB in 90 s before failing).
 */
export const MAX_SIZE = 8192;

export type AttentionMode = 'sampled' | 'exact';

export interface CreateStylizerOptions {
  /**
   * Model directory: `model.json` + safetensors files, or a directory holding the authors' four `.pth`
   * files. Default: `$ADAATTN_MODEL` if set, else the installed `@adaattn/model-image` package (see
   * `defaultModelDir()`); neither: a ModelNotFoundError saying what to install.
   */
  model?: string;
  /**
   * Which runtime computes: `'auto'` picks the fastest that starts (ONNX Runtime, else tensorflow if
   * @tensorflow/tfjs-node is installed, else wasm); a name forces that one (`'cuda'`: ONNX Runtime on an
   * NVIDIA GPU). Default: `'auto'`.
   */
  backend?: BackendName | 'auto';
  /**
   * CPU threads for one operation, for backends that honour it (onnx, tensorflow; tfjs-wasm is
   * single-threaded in Node); capped at the machine's logical cores (`os.availableParallelism()`).
   * Default: the runtime's choice (ONNX Runtime: one per physical core).
   */
  threads?: number;
  /**
   * ONNX Runtime only: bytes the intermediate values of one graph may take. A larger image is computed in
   * bands of rows, each its own graph (slower, bounded memory): with the default, a 4096×4096 content and a
   * 1024×1024 style peak at ~4.4 GiB of RSS. Default: 3 GiB.
   */
  memoryBudgetBytes?: number;
  /** Inputs given as paths or bytes with more pixels than this are refused (decompression bombs). Default: 100 000 000. */
  maxPixels?: number;
  /**
   * `'int8'`: the model's calibrated 3×3 convolutions run in 8-bit integers (ONNX Runtime's QLinearConv, on
   * VNNI/AMX where the CPU has them): faster on the CPU, and not exact — docs/BENCHMARKS.md gives the speed
   * and the difference from float32. Needs the `onnx` backend (`'auto'` then means onnx) and a model whose
   * model.json carries `int8` ranges (the packaged models do). Default: `'float32'`.
   */
  precision?: Precision;
}

export type Precision = 'float32' | 'int8';
export const PRECISIONS: readonly Precision[] = Object.freeze(['float32', 'int8'] as const);

export interface EncodeStyleOptions {
  /** Resize the style image so its longer side is this many pixels (at most 8192); `0` keeps its size. Default: 512. */
  size?: number;
  /** Attention the style will be used with (a stylize call must match). Default: `'sampled'`. */
  attention?: AttentionMode;
  /** Seed of the style-position sample. Default: the model's seed (6666). */
  seed?: number;
  /** Cancels the work; the promise rejects with an AbortError. Default: none. */
  signal?: AbortSignal;
}

/** Progress of a call: `stage` is 'encode-style', 'encode-content', 'attention' or 'decode'; `fraction` of the whole call, 0–1, never decreasing. */
export type StylizeProgress = CoreProgress;

/**
 * A content region tied to a style region (the paper's user control). Masks are images — file paths,
 * encoded bytes or pixels — white = inside, transparent = outside, of any size (each is resampled to the
 * image it applies to).
 */
export interface RegionPair {
  /** Where in the content. */
  content: ImageInput;
  /** Where in the style (in each style image's frame). Default: the whole style. */
  style?: ImageInput;
  /** With `mix: 'concat'`: only this style (index into the style list) serves the region. */
  styleIndex?: number;
}

/** The creative controls; docs/CONTROLS.md shows each one. */
export interface ControlOptions {
  /**
   * Several styles, `mix: 'interpolate'`: one weight per style, each ≥ 0 and not all 0, divided by their sum.
   * Default: equal weights.
   */
  weights?: readonly number[];
  /** How several styles combine: `'interpolate'` (mean and std mixed per level) or `'concat'` (positions pooled). Default: `'interpolate'`. */
  mix?: StyleMix;
  /**
   * Region pairs. A content pixel in a region draws its style only from the paired style region; in several
   * regions, from the union of theirs; in none, from the whole style. Default: none.
   */
  regions?: readonly RegionPair[];
  /** α in [0, 1]: 1 the full style, 0 the content's own statistics and colour means (core's `ControlOptions.strength`). Default: 1. */
  strength?: number;
  /**
   * Keep the content's colours: `'luminance'` (stylized luminance, content chroma) or `'histogram'` (the
   * style's colours matched to the content's mean and covariance before stylizing). Default: none.
   */
  preserveColor?: PreserveColor;
}

export interface StylizeOptions extends ControlOptions {
  /**
   * Resize the content (and the style, when given as an image) so the longer side is this many pixels;
   * `0` keeps the input size; at most 8192 (`MAX_SIZE`). The output has the resized content's size. Default: 512.
   */
  size?: number;
  /**
   * `'sampled'` attends to a seeded sample of style positions (the authors' cap); `'exact'` to all.
   * Default: `'sampled'`, or what an encoded style was encoded with.
   */
  attention?: AttentionMode;
  /** Seed of the style-position sample (sampled attention only). Default: the model's seed (6666), or the encoded style's. */
  seed?: number;
  /** Cancels the work; the promise rejects with an AbortError. Default: none. */
  signal?: AbortSignal;
  /** Called as the work advances. Default: none. */
  onProgress?: (progress: StylizeProgress) => void;
}

/** A style encoded once by `encodeStyle` and reusable across many `stylize` calls; free it with `dispose()`. */
export type EncodedStyle = StyleFeatures;

/** A style for `stylize`: an image, or a style from `encodeStyle`. */
export type StyleArgument = ImageInput | EncodedStyle;

export interface NodeStylizer {
  /** The backend actually in use (what `'auto'` resolved to). */
  readonly backend: BackendName;
  /** What the convolutions compute in (the `precision` option). */
  readonly precision: Precision;
  /** The loaded model: its directory, layout, name and variant (`'image'`, or `'video'` for the per-frame video model). */
  readonly model: {
    readonly dir: string;
    readonly kind: 'adaattn-model' | 'official';
    readonly name: string;
    readonly variant: ModelVariant;
  };
  /**
   * Encodes a style image once for reuse (many contents or frames, one style). Several images are pooled
   * into one set of attention positions (style concatenation).
   */
  encodeStyle(style: ImageInput | readonly ImageInput[], options?: EncodeStyleOptions): Promise<EncodedStyle>;
  /**
   * Stylizes `content` with one style or several (interpolated by `weights`, or pooled with `mix: 'concat'`),
   * returning RGB pixels.
   */
  stylize(content: ImageInput, style: StyleArgument | readonly StyleArgument[], options?: StylizeOptions): Promise<PixelImage>;
  /** Frees the model and the backend's memory. Safe to call twice. */
  dispose(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}
