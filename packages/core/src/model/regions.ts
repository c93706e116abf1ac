/**
 * Region pairs (the paper's user control, generalised to several pairs) turned into the factored
 * attention mask of ops/chunked-attention.ts, level by level.
 *
 * Semantics (docs/CONTROLS.md):
 * - a content position inside content region r may attend only to style positions inside style region r;
 * - a content position inside several content regions may attend to the union of their style regions;
 * - a content position outside every content region is unconstrained (attends to every style position);
 * - a region's style side is its style mask (in each style image's frame; absent = the whole image),
 *   restricted to one style of a concatenated pool by `styleIndex`;
 * - if a style region has no attended position left at some level (a small region vanishes at relu5_1,
 *   1/16 scale, or misses every sampled position), that region is unconstrained at that level rather than
 *   attending to nothing.
 *
 * Content masks follow the content through its padding (resized to the content, reflection-padded like
 * it, then nearest-resized to each level) on the backend; the style side is small and is built on the host
 * at the sampled positions.
 */
import { InvalidArgumentError } from '../errors.js';
import { countInside, resizeMask, toBinaryMask, type BinaryMask, type RegionMask } from '../pixels/mask.js';
import { reflectPadTo } from '../ops/pad.js';
import type { Backend } from '../tensor/backend.js';
import type { Tensor } from '../tensor/tensor.js';
import type { StyleLevel } from './adaattn.js';

export interface RegionPair {
  /** Where in the content: an image, white = inside (any size; resized to the content). */
  readonly content: RegionMask;
  /** Where in the style: an image in the style image's frame (resized to each style). Default: everywhere. */
  readonly style?: RegionMask;
  /** With several styles concatenated: only this style (index into the style list) serves the region. */
  readonly styleIndex?: number;
}

/** Region pairs checked and binarised once per call. */
export interface PreparedRegions {
  readonly content: readonly BinaryMask[];
  readonly style: readonly (BinaryMask | null)[];
  readonly styleIndex: readonly (number | undefined)[];
}

export function prepareRegions(regions: readonly RegionPair[], styleCount: number, pooled: boolean): PreparedRegions {
  if (!Array.isArray(regions)) throw new InvalidArgumentError('regions must be an array of { content, style?, styleIndex? }');
  const content: BinaryMask[] = [];
  const style: (BinaryMask | null)[] = [];
  const styleIndex: (number | undefined)[] = [];
  for (const [i, r] of regions.entries()) {
    const what = `regions[${i}]`;
    if (typeof r !== 'object' || r === null || r.content === undefined) throw new InvalidArgumentError(`${what} needs a content mask`);
    if (r.style === undefined && r.styleIndex === undefined) {
      throw new InvalidArgumentError(
        `${what} has a content mask but neither a style mask nor a styleIndex: say which part of the style serves it`,
      );
    }
    if (r.styleIndex !== undefined) {
      if (!pooled) throw new InvalidArgumentError(`${what}.styleIndex picks one style of a concatenated pool: use it with mix 'concat'`);
      if (!Number.isInteger(r.styleIndex) || r.styleIndex < 0 || r.styleIndex >= styleCount) {
        throw new InvalidArgumentError(`${what}.styleIndex must be an index into the ${styleCount} styles, got ${r.styleIndex}`);
      }
    }
    content.push(toBinaryMask(r.content, `${what}.content`));
    const s = r.style === undefined ? null : toBinaryMask(r.style, `${what}.style`);
    if (s !== null && countInside(s) === 0)
      throw new InvalidArgumentError(`${what}.style selects no pixel (white = inside): its content region would have nothing to draw from`);
    style.push(s);
    styleIndex.push(r.styleIndex);
  }
  return { content, style, styleIndex };
}

/**
 * The content masks at the padded content size, [1,R,Hp,Wp] (0/1): resized to the content's own size,
 * then reflection-padded exactly as the content is.
 */
export function paddedContentMasks(
  b: Backend,
  regions: PreparedRegions,
  height: number,
  width: number,
  paddedHeight: number,
  paddedWidth: number,
): Tensor {
  const r = regions.content.length;
  const data = new Float32Array(r * height * width);
  regions.content.forEach((m, i) => data.set(resizeMask(m, height, width).data, i * height * width));
  return b.scope(() => reflectPadTo(b, b.upload(data, [1, r, height, width]), paddedHeight, paddedWidth));
}

/** [1,N,R+1] for a level of h × w: the R masks, then a column that is 1 where no mask covers. */
export function contentRegionsAt(b: Backend, padded: Tensor, height: number, width: number): Tensor {
  const r = padded.shape[1] as number;
  return b.scope(() => {
    const inside = b.toPositions(b.resizeNearest(padded, height, width));
    const covering = b.matmul(inside, b.upload(new Float32Array(r).fill(1), [1, r, 1]));
    const uncovered = b.relu(b.affine(covering, -1, 1));
    return b.concat([inside, uncovered], 2);
  });
}

/**
 * [1,R+1,Ns] for one encoded style level: row r is 1 at the attended positions inside style region r;
 * the last row (for uncovered content) is all ones. `sourceIndex[s]` is the style-list index of the
 * level's s-th pooled source.
 */
export function styleRegionsAt(b: Backend, regions: PreparedRegions, level: StyleLevel, sourceIndex: readonly number[]): Tensor {
  const total = level.sources.reduce((n, g) => n + g.height * g.width, 0);
  const positions = level.sampled ?? Int32Array.from({ length: total }, (_, i) => i);
  const rows = regions.content.length + 1;
  const out = new Float32Array(rows * positions.length);
  const pooled = new Uint8Array(total);
  for (let r = 0; r < rows - 1; r++) {
    let offset = 0;
    for (const [s, grid] of level.sources.entries()) {
      const size = grid.height * grid.width;
      const wanted = regions.styleIndex[r] === undefined || regions.styleIndex[r] === sourceIndex[s];
      const mask = regions.style[r];
      if (!wanted) pooled.fill(0, offset, offset + size);
      else if (mask === null || mask === undefined) pooled.fill(1, offset, offset + size);
      else pooled.set(resizeMask(mask, grid.height, grid.width).data, offset);
      offset += size;
    }
    let any = false;
    for (let j = 0; j < positions.length; j++) {
      const v = pooled[positions[j] as number] as number;
      out[r * positions.length + j] = v;
      any ||= v === 1;
    }
    // A style region that vanished at this level: leave its content unconstrained here (see the file comment).
    if (!any) out.fill(1, r * positions.length, (r + 1) * positions.length);
  }
  out.fill(1, (rows - 1) * positions.length);
  return b.upload(out, [1, rows, positions.length]);
}
