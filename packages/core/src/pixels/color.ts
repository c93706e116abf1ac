/**
 * Colour preservation (docs/MODEL.md §8; Gatys, Bethge, Hertzmann & Shechtman 2016, "Preserving colour in
 * neural artistic style transfer"), on float RGB images [1,3,H,W] in host memory: both methods are a few
 * passes over the pixels, and doing them here keeps every backend identical.
 *
 * - Luminance-only transfer: the result keeps the stylized image's luminance Y and the content's chroma.
 *   With Y = 0.299 R + 0.587 G + 0.114 B and the YIQ chroma rows (which sum to zero), replacing Y while
 *   keeping I and Q is exactly adding ΔY = Y_out − Y_content to each of R, G, B of the content.
 * - Colour matching before stylizing: the style's pixels are mapped by the affine transform
 *   x' = A(x − μ_s) + μ_c with A = Σ_c^½ Σ_s^−½ (the "image analogies" choice in Gatys et al.), so that
 *   their mean and covariance equal the content's. The result is not clamped: it only feeds the encoder,
 *   and clamping would break the match.
 */
import { InvalidArgumentError } from '../errors.js';
import { checkFloatImage } from './image.js';
import type { HostTensor } from '../tensor/types.js';
import { applyToEigenvalues3, multiply3 } from './linalg3.js';

export type PreserveColor = 'luminance' | 'histogram';
export const PRESERVE_COLOR_MODES: readonly PreserveColor[] = ['luminance', 'histogram'];

/** ITU-R BT.601 luma weights (the Y of YIQ and YCbCr). */
export const LUMA = [0.299, 0.587, 0.114] as const;

/** Floor added to the style covariance's eigenvalues: a flat-coloured style has a singular covariance. */
const COVARIANCE_FLOOR = 1e-6;

export function luminance(r: number, g: number, b: number): number {
  return LUMA[0] * r + LUMA[1] * g + LUMA[2] * b;
}

/** YIQ chroma (I, Q) of one RGB colour. */
export function chroma(r: number, g: number, b: number): [number, number] {
  return [0.5959 * r - 0.2746 * g - 0.3213 * b, 0.2115 * r - 0.5227 * g + 0.3112 * b];
}

/** The content's chroma with the stylized image's luminance; both [1,3,H,W] of one size. */
export function transferLuminance(stylized: HostTensor, content: HostTensor): HostTensor {
  const [h, w] = checkFloatImage(stylized, 'stylized image');
  const [ch, cw] = checkFloatImage(content, 'content image');
  if (h !== ch || w !== cw) throw new InvalidArgumentError(`transferLuminance: stylized ${w}×${h} and content ${cw}×${ch} differ in size`);
  const plane = h * w;
  const s = stylized.data;
  const c = content.data;
  const out = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++) {
    const dy = luminance(s[i]!, s[plane + i]!, s[2 * plane + i]!) - luminance(c[i]!, c[plane + i]!, c[2 * plane + i]!);
    for (let k = 0; k < 3; k++) out[k * plane + i] = c[k * plane + i]! + dy;
  }
  return { shape: [1, 3, h, w], data: out };
}

/** The per-channel means of an image's pixels. */
export function channelMeans(image: HostTensor): number[] {
  const [h, w] = checkFloatImage(image, 'image');
  const plane = h * w;
  return [0, 1, 2].map((k) => image.data.subarray(k * plane, (k + 1) * plane).reduce((sum, v) => sum + v, 0) / plane);
}

/** Per-channel mean and the 3×3 population covariance of an image's pixels. */
export function colorMoments(image: HostTensor): { mean: number[]; covariance: number[] } {
  const [h, w] = checkFloatImage(image, 'image');
  const plane = h * w;
  const d = image.data;
  const mean = channelMeans(image);
  const covariance = new Array<number>(9).fill(0);
  for (let i = 0; i < plane; i++) {
    const x = [d[i]! - mean[0]!, d[plane + i]! - mean[1]!, d[2 * plane + i]! - mean[2]!];
    for (let p = 0; p < 3; p++) for (let q = p; q < 3; q++) covariance[p * 3 + q]! += x[p]! * x[q]!;
  }
  for (let p = 0; p < 3; p++) {
    for (let q = p; q < 3; q++) {
      covariance[p * 3 + q]! /= plane;
      covariance[q * 3 + p] = covariance[p * 3 + q]!;
    }
  }
  return { mean, covariance };
}

/** The style recoloured so that its pixels' mean and covariance are the content's (see the file comment). */
export function matchColors(style: HostTensor, content: HostTensor): HostTensor {
  const [h, w] = checkFloatImage(style, 'style image');
  const s = colorMoments(style);
  const c = colorMoments(content);
  const a = multiply3(
    applyToEigenvalues3(c.covariance, (l) => Math.sqrt(Math.max(l, 0))),
    applyToEigenvalues3(s.covariance, (l) => 1 / Math.sqrt(Math.max(l, 0) + COVARIANCE_FLOOR)),
  );
  const plane = h * w;
  const d = style.data;
  const out = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++) {
    const x = [d[i]! - s.mean[0]!, d[plane + i]! - s.mean[1]!, d[2 * plane + i]! - s.mean[2]!];
    for (let k = 0; k < 3; k++) out[k * plane + i] = a[k * 3]! * x[0]! + a[k * 3 + 1]! * x[1]! + a[k * 3 + 2]! * x[2]! + c.mean[k]!;
  }
  return { shape: [1, 3, h, w], data: out };
}

/**
 * `anchorColorMeans` stops when the clamped mean is this close to its target. Tight, because the shift's own
 * error is this divided by the share of unclipped values, and every pixel of the channel carries it.
 */
const ANCHOR_TOLERANCE = 1e-9;
const ANCHOR_MAX_STEPS = 80;

/**
 * The colour anchor of the strength control (model/strength.ts `colorAnchorWeight`): the output shifted per
 * channel so that its means move toward the content's by `weight` (0: unchanged, 1: the content's means). The
 * means are those of the image as written, clamped to [0, 1]; with `coverage` (per pixel, e.g. the content's
 * alpha in [0, 1]) they are weighted by it, so that transparent pixels count for nothing. Returns `output`
 * itself when weight is 0 or nothing is covered. Non-finite values count as clipped (NaN and −∞ as 0, +∞ as 1)
 * and are left as they are.
 */
export function anchorColorMeans(output: HostTensor, content: HostTensor, weight: number, coverage?: Float32Array): HostTensor {
  if (weight === 0) return output;
  const [h, w] = checkFloatImage(output, 'stylized image');
  const [ch, cw] = checkFloatImage(content, 'content image');
  if (h !== ch || w !== cw) throw new InvalidArgumentError(`anchorColorMeans: stylized ${w}×${h} and content ${cw}×${ch} differ in size`);
  const plane = h * w;
  if (coverage !== undefined && coverage.length !== plane)
    throw new InvalidArgumentError(`anchorColorMeans: coverage has ${coverage.length} values for ${plane} pixels`);
  const total = coverage === undefined ? plane : coverage.reduce((sum, a) => sum + a, 0);
  if (!(total > 0)) return output;
  const out = new Float32Array(output.data);
  for (let k = 0; k < 3; k++) {
    const channel = output.data.subarray(k * plane, (k + 1) * plane);
    const photo = clampedMean(content.data.subarray(k * plane, (k + 1) * plane), 0, coverage, total).mean;
    const own = clampedMean(channel, 0, coverage, total).mean;
    const target = Math.min(1, Math.max(0, own + weight * (photo - own)));
    const shift = shiftToClampedMean(channel, own, target, coverage, total);
    if (shift === 0) continue;
    for (let i = k * plane; i < (k + 1) * plane; i++) out[i] = out[i]! + shift;
  }
  return { shape: [1, 3, h, w], data: out };
}

/** The (coverage-weighted) mean of clamp(x + shift, 0, 1), and its slope in shift (the unclipped share). */
function clampedMean(
  values: Float32Array,
  shift: number,
  coverage: Float32Array | undefined,
  total: number,
): { mean: number; slope: number } {
  let sum = 0;
  let inside = 0;
  for (let i = 0; i < values.length; i++) {
    const x = values[i]! + shift;
    const a = coverage === undefined ? 1 : coverage[i]!;
    if (x >= 1) sum += a;
    else if (x > 0) {
      sum += a * x;
      inside += a;
    }
  }
  return { mean: sum / total, slope: inside / total };
}

/**
 * The shift whose clamped mean is `target` (in [0, 1]), starting from the one that would be exact without
 * clamping. The mean rises monotonically and piecewise linearly from its least at −max(x) to its most at
 * 1 − min(x) (over the finite x), so Newton steps land in a few sweeps; a step that leaves the bracket known to
 * hold the answer bisects instead (heavily clipped outputs, where the slope is near 0). 0 when no shift is
 * finite (a channel with no finite value).
 */
function shiftToClampedMean(values: Float32Array, own: number, target: number, coverage: Float32Array | undefined, total: number): number {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v < min && v > -Infinity) min = v;
    if (v > max && v < Infinity) max = v;
  }
  if (min > max) return 0;
  let lo = -max;
  let hi = 1 - min;
  let shift = Math.min(hi, Math.max(lo, target - own));
  for (let step = 0; step < ANCHOR_MAX_STEPS; step++) {
    const { mean, slope } = clampedMean(values, shift, coverage, total);
    if (Math.abs(mean - target) < ANCHOR_TOLERANCE) break;
    if (mean < target) lo = shift;
    else hi = shift;
    const newton = slope > 0 ? shift + (target - mean) / slope : NaN;
    shift = newton > lo && newton < hi ? newton : (lo + hi) / 2;
  }
  return Number.isFinite(shift) ? shift : 0;
}
