/**
 * In-memory weights, independent of any tensor runtime.
 *
 * Every reader (safetensors, PyTorch .pth zip or legacy, model directories) produces a
 * `WeightMap`; every model piece consumes one. Names are the official checkpoint keys
 * (src/architecture.ts), without any `module.` prefix.
 */
import type { ComponentName } from '../architecture.js';

export type StorageDtype =
  | 'float32'
  | 'float16'
  | 'bfloat16'
  | 'int8'
  | 'uint8'
  | 'int32'
  | 'int64'
  | 'float64'
  // Added for torch ShortStorage/BoolStorage and safetensors I16/BOOL (still widened to float32 on read).
  | 'int16'
  | 'bool';

export interface WeightTensor {
  /** Row-major shape, e.g. OIHW for convolutions. */
  readonly shape: readonly number[];
  /** Values widened to float32, whatever the storage dtype was. */
  readonly data: Float32Array;
}

export type WeightMap = ReadonlyMap<string, WeightTensor>;

/** The four components of the released image model, each keyed with its official checkpoint names. */
export interface ImageModelWeights {
  /** `vgg_normalised.pth` layout: `0.weight`, `2.weight`, … up to `42.*` (relu5_1). */
  readonly encoder: WeightMap;
  /** `latest_net_transformer.pth`: `attn_adain_4_1.*`, `attn_adain_5_1.*`, `merge_conv.*`. */
  readonly transformer: WeightMap;
  /** `latest_net_adaattn_3.pth`: `f.*`, `g.*`, `h.*`. */
  readonly adaattn3: WeightMap;
  /** `latest_net_decoder.pth`: `decoder_layer_1.1.*`, `decoder_layer_2.{1,4,…,24}.*`. */
  readonly decoder: WeightMap;
  /** W₀ of the layers that follow the strength (model.json's `strength`); absent: they never move. */
  readonly strength?: StrengthEndpoint;
}

/**
 * The strength endpoint W₀ (model/strength.ts): for each component with layers that follow the strength
 * (architecture.ts `strengthLayers`), exactly those layers' weights and biases, keyed like the component.
 */
export type StrengthEndpoint = Readonly<Partial<Record<ComponentName, WeightMap>>>;

/** The video model (authors' inference_frame.py): encoder to relu3_1, one cosine AdaAttN, its own decoder. */
export interface VideoModelWeights {
  readonly encoder: WeightMap;
  /** `f.*`, `g.*`, `h.*` at relu3_1 (keys of width 448 → 448, values 256 → 256). */
  readonly adaattn3: WeightMap;
  /** `decoder.{1,4,7,10,14,17,21,24}.*`. */
  readonly decoder: WeightMap;
  readonly strength?: StrengthEndpoint;
}

export type { ComponentName, ModelVariant } from '../architecture.js';

/** Weights of either variant, tagged so code can narrow without inspecting keys. */
export type ModelWeights =
  { readonly variant: 'image'; readonly weights: ImageModelWeights } | { readonly variant: 'video'; readonly weights: VideoModelWeights };
