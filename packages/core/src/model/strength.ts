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
 *
 * The endpoint rebuilds the photo's structure but not quite its colours: the channel means it gives at α = 0
 * are off by 8.4/255 on average over the sample photos and by up to 21 on a blue one (docs/CONTROLS.md). So
 * strength also anchors colour: below 1 the output's channel means move toward the photo's by
 * `colorAnchorWeight(α)` (pixels/color.ts `anchorColorMeans`), every model, with or without an endpoint.
 */
import type { ComponentName, StrengthEndpoint, WeightMap, WeightTensor } from '../weights/types.js';

/**
 * How far the colour anchor moves the output's channel means toward the photo's at strength α: (1 − α)², the
 * weight training gives its strength-0 colour term (tools/train/train.py), so 1 at α = 0 and exactly 0 at
 * full strength. Squared, so that mid strengths keep most of their own colour: 0.25 at α = 0.5.
 * tools/pysrc/adaattn_torch/colour_anchor.py is the reference.
 */
export function colorAnchorWeight(alpha: number): number {
  return (1 - alpha) ** 2;
}

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

/** Layers for one strength, held until `release()` (the same object serves every call at that strength). */
export interface StrengthLease<T> {
  readonly layers: T;
  release(): void;
}

interface Held<T> {
  readonly alpha: number;
  readonly layers: T;
  users: number;
}

/**
 * The layers after the attention, uploaded at full strength and, on demand, at one other strength at a time.
 * A strength's layers are replaced when another is asked for, but freed only once no call holds them (calls
 * may interleave). Only the endpoint's layers of the model's weights are kept on the host.
 */
export class StrengthLayers<T extends { dispose(): void }> {
  private readonly base: Readonly<Partial<Record<ComponentName, WeightMap>>>;
  private current: Held<T> | undefined;
  private readonly retired = new Set<Held<T>>();

  /**
   * `full`: the layers uploaded from the model's own weights; `weights`: those weights by component;
   * `upload(weightsOf)`: uploads the layers from the maps `weightsOf(component)` gives.
   */
  constructor(
    private readonly full: T,
    weights: Readonly<Partial<Record<ComponentName, WeightMap>>>,
    private readonly endpoint: StrengthEndpoint | undefined,
    private readonly upload: (weightsOf: (component: ComponentName) => WeightMap) => T,
  ) {
    const base: Partial<Record<ComponentName, WeightMap>> = {};
    for (const [component, map] of Object.entries(endpoint ?? {}) as [ComponentName, WeightMap][]) {
      const own = weights[component];
      if (own === undefined) throw new Error(`internal: the strength endpoint has ${component}, the weights do not`);
      base[component] = new Map([...map.keys()].map((k) => [k, own.get(k)!]));
    }
    this.base = base;
  }

  /** Whether strength moves these layers (the model has an endpoint). */
  get interpolated(): boolean {
    return this.endpoint !== undefined;
  }

  /** The layers for strength α (default 1), held until the lease is released. */
  at(alpha = 1): StrengthLease<T> {
    const endpoint = this.endpoint;
    if (alpha === 1 || endpoint === undefined) return { layers: this.full, release: () => {} };
    if (this.current?.alpha !== alpha) {
      const layers = this.upload((c) => {
        const base = this.base[c];
        if (base === undefined) throw new Error(`internal: no ${c} in the strength endpoint`);
        return weightsAtStrength(base, endpoint[c], alpha);
      });
      if (this.current !== undefined) this.retire(this.current);
      this.current = { alpha, layers, users: 0 };
    }
    const held = this.current;
    held.users++;
    let released = false;
    return {
      layers: held.layers,
      release: () => {
        if (released) return;
        released = true;
        held.users--;
        if (held.users === 0 && this.retired.delete(held)) held.layers.dispose();
      },
    };
  }

  private retire(held: Held<T>): void {
    if (held.users === 0) held.layers.dispose();
    else this.retired.add(held);
  }

  dispose(): void {
    this.full.dispose();
    this.current?.layers.dispose();
    this.retired.forEach((h) => h.layers.dispose());
    this.current = undefined;
    this.retired.clear();
  }
}
