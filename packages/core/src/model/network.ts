/**
 * What the stylizer needs to know about a model: its encoder, the AdaAttN modules it runs (in order), the
 * sizes it accepts, and how it turns the modules' outputs into an image. The image model
 * (image-network.ts) and the video model (video-network.ts) are the two implementations; everything else
 * — style encoding and reuse, several styles, regions, strength, colour, padding, progress, cancellation —
 * is shared (stylizer-base.ts).
 */
import type { Backend } from '../tensor/backend.js';
import type { Tensor } from '../tensor/tensor.js';
import type { AdaAttnModule } from './adaattn.js';
import type { AfterLayer } from './decoder.js';
import type { Encoder } from './encoder.js';
import type { AttentionLevel, NetworkSpec } from '../architecture.js';

export interface DecodeHooks {
  readonly afterLayer: AfterLayer;
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
