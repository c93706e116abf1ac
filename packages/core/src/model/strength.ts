/**
 * Strength that reaches the photo (issue #16). Blending the attention statistics with the content's own
 * (adaattn.ts) gives the decoder the photo's features at α = 0, but the released decoder only ever learnt to
 * paint, so it returns a blurred, tinted photo. A model with a strength endpoint (model.json `strength`) also
 * moves the layers after the attention (architecture.ts `strengthLayers`):
 *
 *   W(α) = W + (1 − α)·(W₀ − W)
 *
 * with W the model's own weights and W₀ an endpoint trained, with W frozen, on strengths below 1 to give back
 * the photo at 0 and the blended statistics in between (tools/train/train.py --strength-endpoint). At α = 1
 * the weights are exactly W: full strength is the model, bit for bit.
 *
 * The weights of one strength are computed on the host and uploaded once; the last strength used is kept, so
 * a batch or a slider resting on one value uploads once.
 */
import type { ComponentName, StrengthEndpoint, WeightMap, WeightTensor } from '../weights/types.js';

/** One component's weights at strength α: the endpoint's keys interpolated, every other key as it is. */
export function weightsAtStrength(base: WeightMap, endpoint: WeightMap | undefined, alpha: number): WeightMap {
  if (endpoint === undefined || alpha === 1) return base;
  const out = new Map<string, WeightTensor>();
  const t = 1 - alpha;
  for (const [key, w] of base) {
    const w0 = endpoint.get(key);
    if (w0 === undefined) {
      out.set(key, w);
      continue;
    }
    const data = new Float32Array(w.data.length);
    for (let i = 0; i < data.length; i++) data[i] = (w.data[i] as number) + t * ((w0.data[i] as number) - (w.data[i] as number));
    out.set(key, { shape: w.shape, data });
  }
  return out;
}

/**
 * The layers after the attention, uploaded at full strength and, on demand, at one other strength at a time.
 * `upload(weightsOf)` uploads them from the given component maps (`weightsOf(component)`).
 */
export class StrengthLayers<T extends { dispose(): void }> {
  private other: { readonly alpha: number; readonly layers: T } | undefined;

  constructor(
    private readonly full: T,
    private readonly base: Readonly<Partial<Record<ComponentName, WeightMap>>>,
    private readonly endpoint: StrengthEndpoint | undefined,
    private readonly upload: (weightsOf: (component: ComponentName) => WeightMap) => T,
  ) {}

  /** Whether strength moves these layers (the model has an endpoint). */
  get interpolated(): boolean {
    return this.endpoint !== undefined;
  }

  /** The layers for strength α (default 1); owned by this object. */
  at(alpha = 1): T {
    if (alpha === 1 || this.endpoint === undefined) return this.full;
    if (this.other?.alpha === alpha) return this.other.layers;
    const endpoint = this.endpoint;
    const layers = this.upload((c) => weightsAtStrength(this.base[c] as WeightMap, endpoint[c], alpha));
    this.other?.layers.dispose();
    this.other = { alpha, layers };
    return layers;
  }

  dispose(): void {
    this.full.dispose();
    this.other?.layers.dispose();
    this.other = undefined;
  }
}
