/**
 * The creative controls' options (docs/MODEL.md §8) and their checks. Each check says what was wrong and what is accepted.
 */
import { PRESERVE_COLOR_MODES, type PreserveColor } from '../pixels/color.js';
import { InvalidArgumentError } from '../errors.js';
import type { RegionPair } from './regions.js';

/** How several styles combine: 'interpolate' mixes each style's M and S; 'concat' pools their positions. */
export type StyleMix = 'interpolate' | 'concat';
export const STYLE_MIXES: readonly StyleMix[] = ['interpolate', 'concat'];

export interface ControlOptions {
  /**
   * With several styles and mix 'interpolate': one weight per style, each ≥ 0, not all 0. They are divided by
   * their sum (so 0.7,0.3 and 7,3 are the same); styles of weight 0 are not computed. Default: equal weights.
   */
  readonly weights?: readonly number[];
  /** Default: 'interpolate'. */
  readonly mix?: StyleMix;
  /** Region pairs (see model/regions.ts for the semantics of overlaps and uncovered content). Default: none. */
  readonly regions?: readonly RegionPair[];
  /**
   * α in [0, 1]: 1 is the model's output, 0 gives back the content's own feature statistics (and, with the
   * model's strength endpoint, the photo). Below 1 the output's colour means are also moved toward the
   * content's, by (1 − α)² (model/strength.ts). Default: 1.
   */
  readonly strength?: number;
  /**
   * Keep the content's colours: 'luminance' keeps the content's chroma (YIQ) under the stylized luminance;
   * 'histogram' first matches the style's colour distribution (mean and covariance) to the content's.
   * Default: none.
   */
  readonly preserveColor?: PreserveColor;
}

/** The interpolation weights, normalised to sum to 1. */
export function normaliseWeights(count: number, weights: readonly number[] | undefined, mix: StyleMix): number[] {
  if (weights === undefined) return new Array<number>(count).fill(1 / count);
  if (mix === 'concat')
    throw new InvalidArgumentError("weights interpolate between styles; mix 'concat' pools them instead and takes no weights");
  if (!Array.isArray(weights) || weights.length !== count) {
    throw new InvalidArgumentError(
      `weights: expected one weight per style (${count}), got ${Array.isArray(weights) ? weights.length : typeof weights}`,
    );
  }
  for (const [i, w] of weights.entries()) {
    if (typeof w !== 'number' || !Number.isFinite(w) || w < 0)
      throw new InvalidArgumentError(`weights[${i}] must be a finite number ≥ 0, got ${String(w)}`);
  }
  // Scaled by the largest first: weights like 1e308,1e308 would otherwise sum to Infinity and all become 0.
  const largest = Math.max(...weights);
  if (!(largest > 0)) throw new InvalidArgumentError('weights must not all be 0: at least one style has to contribute');
  const scaled = weights.map((w) => w / largest);
  const sum = scaled.reduce((a, w) => a + w, 0);
  return scaled.map((w) => w / sum);
}

export function checkMix(mix: unknown): StyleMix {
  if (mix === undefined) return 'interpolate';
  if (!(STYLE_MIXES as readonly unknown[]).includes(mix))
    throw new InvalidArgumentError(`mix must be one of ${STYLE_MIXES.join(', ')}, got ${String(mix)}`);
  return mix as StyleMix;
}

export function checkStrength(strength: unknown): number {
  if (strength === undefined) return 1;
  if (typeof strength !== 'number' || !(strength >= 0 && strength <= 1))
    throw new InvalidArgumentError(`strength must be a number in [0, 1], got ${String(strength)}`);
  return strength;
}

export function checkPreserveColor(mode: unknown): PreserveColor | undefined {
  if (mode === undefined) return undefined;
  if (!(PRESERVE_COLOR_MODES as readonly unknown[]).includes(mode)) {
    throw new InvalidArgumentError(`preserveColor must be one of ${PRESERVE_COLOR_MODES.join(', ')}, got ${String(mode)}`);
  }
  return mode as PreserveColor;
}
