/**
 * What the stylizer needs to know about a model: its encoder, the AdaAttN modules it runs (in order), the
 * sizes it accepts, and how it turns the modules' outputs into an image. The image model
 * (image-network.ts) and the video model (video-network.ts) are the two implementations; everything else
 * — style encoding and reuse, several styles, regions, strength, colour, padding, progress, cancellation —
 * is shared (stylizer-base.ts).
 */
import { InvalidArgumentError } from '../errors.js';
import type { Backend } from '../tensor/backend.js';
import type { Tensor } from '../tensor/tensor.js';
import type { AdaAttnModule } from './adaattn.js';
import type { AfterLayer } from './decoder.js';
import type { Encoder } from './encoder.js';
import type { AttentionLevel, NetworkSpec } from '../architecture.js';
import type { Int8Calibration } from '../weights/model-json.js';
import type { Int8Layers } from './layers.js';

/** How a stylizer computes; what `Stylizer.create` and `VideoStylizer.create` accept. */
export interface NetworkOptions {
  /**
   * Compute the calibrated 3×3 convolutions in int8 (model.json's `int8`, loaded as `config.int8`): faster on
   * CPUs with VNNI or AMX, at a cost in exactness (docs/BENCHMARKS.md). Needs a backend whose
   * `int8Convolutions` is true (ONNX Runtime); default: float32 throughout.
   */
  readonly int8?: Int8Calibration;
}

/** The layers to quantize, after checking that the backend can. */
export function int8Layers(b: Backend, options: NetworkOptions): Int8Layers {
  if (options.int8 === undefined) return {};
  if (!b.int8Convolutions)
    throw new InvalidArgumentError(`int8 precision needs a backend with int8 convolutions (ONNX Runtime); ${b.name} has none`);
  return options.int8.layers;
}

export interface DecodeHooks {
  readonly afterLayer: AfterLayer;
  /** The call's strength α (default 1): selects the weights of the layers that follow it (strength.ts). */
  readonly strength?: number;
  /** Also await `afterLayer` between bands of large convolutions (a watched call on an eager backend). */
  readonly inBands?: boolean;
  /** Frees a module output once the decoder no longer needs it (the caller owns them). */
  readonly release: (...tensors: Tensor[]) => void;
  /** Called with named intermediate results when the caller captures them (image: 'transformer'). */
  readonly capture?: (name: string, tensor: Tensor) => Promise<void>;
}

export interface Network {
  readonly spec: NetworkSpec;
  readonly encoder: Encoder;
  readonly modules: Readonly<Partial<Record<AttentionLevel, AdaAttnModule>>>;
  /** Whether strength also moves the layers after the attention (the model has a strength endpoint). */
  readonly strengthInterpolated: boolean;
  /** Module outputs (one per level, owned by the caller) → RGB [1,3,H,W] at the padded size, owned by the caller. */
  decode(b: Backend, outputs: Readonly<Partial<Record<AttentionLevel, Tensor>>>, hooks: DecodeHooks): Promise<Tensor>;
  dispose(): void;
}

/** Uploads pieces in order; if one fails, frees those already uploaded. */
export function uploadAll<T extends { dispose(): void }>(makers: readonly (() => T)[]): T[] {
  const done: T[] = [];
  try {
    for (const make of makers) done.push(make());
  } catch (error) {
    done.forEach((p) => p.dispose());
    throw error;
  }
  return done;
}
