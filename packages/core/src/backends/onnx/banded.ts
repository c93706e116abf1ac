/**
 * Computing a recorded value whose graph would not fit in memory, in bands of rows.
 *
 * Nearly every operation of the model works on bands of rows: a band of a convolution's output needs a
 * band (plus a halo) of its input, attention rows are independent given the style, and so on (each
 * kernel's BandRule says how). The exceptions are per-channel statistics over whole images (mvn's mean and
 * variance): they are computed first, band by band, and combined exactly (Chan et al.'s pairwise update,
 * in float64). Then the target is computed band by band from its known inputs and those statistics, each
 * band a graph of its own, and the bands are put together on the host. Memory is bounded by the budget
 * per graph plus the target itself; the price is recomputing halos and the layers before each statistic.
 *
 * Values that must be whole for a band graph (a statistic's sqrt, a style feature still recorded, any
 * operation without a band rule) are computed first, recursively, with the same policy.
 */
import { InvalidArgumentError } from '../../errors.js';
import { sizeOf, type Shape } from '../../tensor/types.js';
import { GraphBuilder, type Plan } from './graph-builder.js';
import type { InputNeed, LazyValue, Range } from './lazy-value.js';
import { estimatePeakBytes, wholeBytes } from './memory.js';
import { planFor, recordedHistory } from './plan.js';

/**
 * Runs a plan. 'band': a band of a graph too large for memory (cached apart: large, and many differ);
 * 'piece': a band of one operation too long to run at once (pieces.ts), which recurs call after call.
 */
export type PlanRunner = (plan: Plan, kind: 'whole' | 'band' | 'piece') => Promise<Float32Array[]>;

interface Classification {
  /** Values computed in bands, with the axis they are banded along. */
  readonly axes: Map<LazyValue, number>;
  /** Recorded values the bands need whole: computed before the bands. */
  readonly wholes: Set<LazyValue>;
  /** Known values sliced into bands (with their axis) or fed whole. */
  readonly leaves: Map<LazyValue, number | 'whole'>;
  /** The banded values in dependency order. */
  readonly order: readonly LazyValue[];
}

interface BandRoot {
  readonly value: LazyValue;
  readonly axis: number;
  readonly range: Range;
}

/** The axis a value is banded along when it is the target: rows of an image, or positions. */
function naturalAxis(v: LazyValue): number | undefined {
  if (v.shape.length === 4 && (v.shape[2] as number) > 1) return 2;
  if (v.shape.length === 3 && (v.shape[1] as number) > 1) return 1;
  return undefined;
}

/** Rows [a, b) of `data` (shape `shape`) along `axis`, as a new array. */
export function sliceAxis(data: Float32Array, shape: Shape, axis: number, [a, b]: Range): Float32Array {
  const outer = sizeOf(shape.slice(0, axis));
  const inner = sizeOf(shape.slice(axis + 1));
  const length = shape[axis] as number;
  const out = new Float32Array(outer * (b - a) * inner);
  for (let o = 0; o < outer; o++) out.set(data.subarray((o * length + a) * inner, (o * length + b) * inner), o * (b - a) * inner);
  return out;
}

/** Writes `band` (rows [a, b) along `axis`) into `target` of shape `shape`. */
function placeAxis(target: Float32Array, shape: Shape, axis: number, [a, b]: Range, band: Float32Array): void {
  const outer = sizeOf(shape.slice(0, axis));
  const inner = sizeOf(shape.slice(axis + 1));
  const length = shape[axis] as number;
  for (let o = 0; o < outer; o++) target.set(band.subarray(o * (b - a) * inner, (o + 1) * (b - a) * inner), (o * length + a) * inner);
}

function hull(r: Range | undefined, s: Range): Range {
  return r === undefined ? s : [Math.min(r[0], s[0]), Math.max(r[1], s[1])];
}

/**
 * About `count` bands of [0, length), their boundaries on multiples of `align` (so that the bands of an image
 * line up with every 2× level below it) while that leaves bands of at least `align` rows.
 */
export function bandRanges(length: number, count: number, align = 1): Range[] {
  const unit = length / count >= align ? align : 1;
  const step = Math.max(1, Math.ceil(length / count / unit) * unit);
  const out: Range[] = [];
  for (let a = 0; a < length; a += step) out.push([a, Math.min(length, a + step)]);
  return out;
}

export class BandedRunner {
  private readonly run: PlanRunner;
  private readonly budget: number;
  private readonly blockSize: number;

  /** `blockSize`: the runtime's NCHWc block size, for every graph made here (Emitter.blockSize). */
  constructor(run: PlanRunner, budgetBytes: number, blockSize = 1) {
    if (!(budgetBytes > 0)) throw new InvalidArgumentError(`memoryBudgetBytes must be a positive number of bytes, got ${budgetBytes}`);
    this.run = run;
    this.budget = budgetBytes;
    this.blockSize = blockSize;
  }

  /** Computes the recorded values `targets` (as one graph when that fits the budget). */
  async compute(targets: readonly LazyValue[]): Promise<void> {
    const pending = targets.filter((t) => !t.isKnown);
    if (pending.length === 0) return;
    const history = recordedHistory(pending);
    if (estimatePeakBytes(history, pending) <= this.budget) {
      await this.resolve(pending, planFor(pending, history, this.blockSize));
      return;
    }
    // The statistics first (band-wise if need be): what remains is often small enough to run whole.
    await this.reductions(history);
    const rest = pending.filter((t) => !t.isKnown);
    if (rest.length === 0) return;
    const remaining = recordedHistory(rest);
    if (estimatePeakBytes(remaining, rest) <= this.budget) {
      await this.resolve(rest, planFor(rest, remaining, this.blockSize));
      return;
    }
    if (rest.length > 1) {
      for (const t of rest) await this.compute([t]);
      return;
    }
    const target = rest[0] as LazyValue;
    const axis = naturalAxis(target);
    if (axis !== undefined && target.op?.band?.need(axis, [0, target.shape[axis] as number]) !== undefined) {
      await this.banded(target, axis);
      return;
    }
    // Not bandable itself: compute its inputs one by one (each banded if it must be), then the value.
    for (const input of target.op?.inputs ?? []) await this.compute([input]);
    await this.resolve([target], planFor([target], undefined, this.blockSize));
  }

  private async resolve(targets: readonly LazyValue[], plan: Plan): Promise<void> {
    const outputs = await this.run(plan, 'whole');
    targets.forEach((t, i) => t.resolve(outputs[i] as Float32Array));
  }

  /** Every statistic in `history` not known yet, in waves (a statistic whose input needs another waits for it). */
  private async reductions(history: readonly LazyValue[]): Promise<void> {
    let pending = history.filter((v) => v.op?.reduction !== undefined && !v.isKnown);
    while (pending.length > 0) {
      const waiting = new Set(pending);
      const ready = pending.filter((r) => !recordedHistory([r.op?.inputs[0] as LazyValue]).some((u) => waiting.has(u)));
      await this.reductionPass(ready);
      pending = pending.filter((r) => !r.isKnown);
    }
  }

  /** Mean and variance of each input of `reductions`, band by band over that input's rows. */
  private async reductionPass(reductions: readonly LazyValue[]): Promise<void> {
    const byInput = new Map<LazyValue, LazyValue[]>();
    for (const r of reductions) {
      const x = r.op?.inputs[0] as LazyValue;
      byInput.set(x, [...(byInput.get(x) ?? []), r]);
    }
    const inputs = [...byInput.keys()];
    // Small ones (and inputs already known) need no bands.
    const direct = inputs.filter((x) => x.isKnown || estimatePeakBytes(recordedHistory([x]), [x]) <= this.budget);
    if (direct.length > 0) {
      const rs = direct.flatMap((x) => byInput.get(x) as LazyValue[]);
      await this.resolve(rs, planFor(rs, undefined, this.blockSize));
    }
    const banded = inputs.filter((x) => !direct.includes(x));
    if (banded.length === 0) return;
    const cls = this.classify(banded.map((x) => [x, 2]));
    const whole = banded.filter((x) => cls.wholes.has(x));
    for (const x of whole) {
      await this.compute([x]);
      const rs = byInput.get(x) as LazyValue[];
      await this.resolve(rs, planFor(rs, undefined, this.blockSize));
    }
    const streamed = banded.filter((x) => !cls.wholes.has(x));
    if (streamed.length === 0) return;
    await this.computeWholes(cls);

    const stats = streamed.map((x) => ({
      x,
      channels: (x.shape[0] as number) * (x.shape[1] as number),
      n: 0,
      mean: new Float64Array(0),
      m2: new Float64Array(0),
    }));
    for (const s of stats) {
      s.mean = new Float64Array(s.channels);
      s.m2 = new Float64Array(s.channels);
    }
    const parts = this.bandCount(
      cls,
      streamed.map((x) => ({ value: x, axis: 2, range: [0, x.shape[2] as number] as Range })),
      (count) => streamed.map((x) => bandRanges(x.shape[2] as number, count)),
    );
    for (let k = 0; k < parts.count; k++) {
      const roots = streamed.flatMap((x, i) => {
        const range = (parts.ranges[i] as Range[])[k];
        return range === undefined ? [] : [{ value: x, axis: 2, range }];
      });
      const plan = this.bandPlan(cls, roots, 'stats');
      const outputs = await this.run(plan, 'band');
      roots.forEach((root, j) => {
        const s = stats[streamed.indexOf(root.value)] as (typeof stats)[number];
        const count = (root.range[1] - root.range[0]) * (root.value.shape[3] as number);
        const [mean, m2] = [outputs[2 * j] as Float32Array, outputs[2 * j + 1] as Float32Array];
        // Chan et al.: merge (n, mean, M2) of the band into the running totals.
        const total = s.n + count;
        for (let c = 0; c < s.channels; c++) {
          const delta = (mean[c] as number) - (s.mean[c] as number);
          s.mean[c] = (s.mean[c] as number) + (delta * count) / total;
          s.m2[c] = (s.m2[c] as number) + (m2[c] as number) + (delta * delta * s.n * count) / total;
        }
        s.n = total;
      });
    }
    for (const s of stats) {
      for (const r of byInput.get(s.x) as LazyValue[]) {
        // N − 1 = 0 gives NaN for a single position, as PyTorch and the unbanded graph.
        r.resolve(r.op?.reduction === 'mean' ? Float32Array.from(s.mean) : Float32Array.from(s.m2, (m) => m / (s.n - 1)));
      }
    }
  }

  /**
   * Computes the recorded value `target` in at least `count` bands along its rows (more if the memory
   * budget asks): a piece of work too long to run at once (pieces.ts). False when it cannot be banded.
   */
  async inBands(target: LazyValue, count: number): Promise<boolean> {
    const axis = naturalAxis(target);
    if (target.isKnown || axis === undefined || target.op?.band?.need(axis, [0, target.shape[axis] as number]) === undefined) return false;
    await this.banded(target, axis, count, true);
    return true;
  }

  /** `target` band by band along `axis` (at least `minCount` bands), assembled on the host. */
  private async banded(target: LazyValue, axis: number, minCount = 2, pieces = false): Promise<void> {
    const cls = this.classify([[target, axis]]);
    if (cls.wholes.has(target)) throw new Error('internal: a bandable target was classified whole');
    await this.computeWholes(cls);
    const length = target.shape[axis] as number;
    const parts = this.bandCount(cls, [{ value: target, axis, range: [0, length] }], (count) => [bandRanges(length, count, 16)], minCount);
    const out = new Float32Array(sizeOf(target.shape));
    for (const range of parts.ranges[0] as Range[]) {
      const [band] = await this.run(this.bandPlan(cls, [{ value: target, axis, range }], 'value'), pieces ? 'piece' : 'band');
      placeAxis(out, target.shape, axis, range, band as Float32Array);
    }
    target.resolve(out);
  }

  private async computeWholes(cls: Classification): Promise<void> {
    await this.compute([...cls.wholes]);
  }

  /**
   * The fewest bands whose graphs fit the budget: start from the whole graph's estimate, and double until
   * the largest band's graph fits (or bands are one row).
   */
  private bandCount(
    cls: Classification,
    whole: readonly BandRoot[],
    split: (count: number) => Range[][],
    minCount = 2,
  ): { count: number; ranges: Range[][] } {
    const full = this.bandPlanSize(cls, whole);
    let count = Math.max(minCount, Math.ceil(full / this.budget));
    let bands = 0;
    for (;;) {
      const ranges = split(count);
      const longest = Math.max(...ranges.map((r) => r.length));
      const widest = whole.map((root, i) => ({
        ...root,
        range: (ranges[i] as Range[]).reduce((w, r) => (r[1] - r[0] > w[1] - w[0] ? r : w)),
      }));
      // Done when the widest band fits, or when more bands are no longer possible.
      if (longest === bands || this.bandPlanSize(cls, widest) <= this.budget) return { count: longest, ranges };
      bands = longest;
      count *= 2;
    }
  }

  /**
   * Which values the bands compute (and along which axis), which they need whole, and which known values
   * they read: from the roots towards the inputs, each operation's band rule telling what it needs.
   */
  private classify(roots: readonly (readonly [LazyValue, number])[]): Classification {
    const history = recordedHistory(roots.map(([v]) => v));
    const request = new Map<LazyValue, number | 'whole'>();
    const mark = (v: LazyValue, want: number | 'whole') => {
      const had = request.get(v);
      request.set(v, had === undefined || had === want ? want : 'whole');
    };
    for (const [v, axis] of roots) mark(v, axis);
    const axes = new Map<LazyValue, number>();
    const wholes = new Set<LazyValue>();
    for (let i = history.length - 1; i >= 0; i--) {
      const v = history[i] as LazyValue;
      const want = request.get(v);
      if (want === undefined) continue;
      const needs = want === 'whole' ? undefined : v.op?.band?.need(want, [0, v.shape[want] as number]);
      if (needs === undefined) {
        wholes.add(v);
        continue;
      }
      axes.set(v, want as number);
      needs.forEach((need, j) => {
        if (need !== 'none') mark(v.op?.inputs[j] as LazyValue, need === 'whole' ? 'whole' : need.axis);
      });
    }
    const leaves = new Map<LazyValue, number | 'whole'>();
    for (const [v, want] of request) if (v.op === null) leaves.set(v, want);
    // A value both banded and needed whole elsewhere is simply whole.
    for (const v of wholes) axes.delete(v);
    return { axes, wholes, leaves, order: history.filter((v) => axes.has(v)) };
  }

  /** The ranges each banded value must cover for `roots`, and what each operation needs of its inputs. */
  private bandRanges(
    cls: Classification,
    roots: readonly BandRoot[],
  ): { ranges: Map<LazyValue, Range>; needs: Map<LazyValue, readonly InputNeed[]> } {
    const ranges = new Map<LazyValue, Range>();
    const needs = new Map<LazyValue, readonly InputNeed[]>();
    for (const r of roots) ranges.set(r.value, hull(ranges.get(r.value), r.range));
    for (let i = cls.order.length - 1; i >= 0; i--) {
      const v = cls.order[i] as LazyValue;
      const range = ranges.get(v);
      if (range === undefined) continue;
      const need = v.op?.band?.need(cls.axes.get(v) as number, range) as readonly InputNeed[];
      needs.set(v, need);
      need.forEach((n, j) => {
        const input = v.op?.inputs[j] as LazyValue;
        if (n !== 'none' && n !== 'whole') ranges.set(input, hull(ranges.get(input), n.range));
      });
    }
    return { ranges, needs };
  }

  /** Estimated peak bytes of the band graph for `roots`. */
  private bandPlanSize(cls: Classification, roots: readonly BandRoot[]): number {
    const { ranges } = this.bandRanges(cls, roots);
    const values = cls.order.filter((v) => ranges.has(v));
    return estimatePeakBytes(
      values,
      roots.map((r) => r.value),
      (v) => {
        const r = ranges.get(v) as Range;
        return (wholeBytes(v) / (v.shape[cls.axes.get(v) as number] as number)) * (r[1] - r[0]);
      },
    );
  }

  /** One band graph: the roots' bands ('value') or their per-channel band mean and M2 ('stats'). */
  private bandPlan(cls: Classification, roots: readonly BandRoot[], output: 'value' | 'stats'): Plan {
    const { ranges, needs } = this.bandRanges(cls, roots);
    const g = new GraphBuilder(this.blockSize);
    const names = new Map<LazyValue, string>();
    const leafBands = new Map<LazyValue, string>();
    /** `input` restricted to `want` along `axis`, from what was computed (or fed) for it. */
    const take = (input: LazyValue, need: InputNeed): string => {
      if (need === 'none') return '';
      if (need === 'whole') {
        if (!input.isKnown) throw new Error('internal: a value needed whole was not computed first');
        return g.leaf(input);
      }
      const have = ranges.get(input) as Range;
      let name: string;
      if (input.op === null) {
        name =
          leafBands.get(input) ??
          g.feed(
            sliceAxis(input.data as Float32Array, input.shape, need.axis, have),
            input.shape.map((d, i) => (i === need.axis ? have[1] - have[0] : d)),
          );
        leafBands.set(input, name);
      } else {
        name = names.get(input) as string;
      }
      if (have[0] === need.range[0] && have[1] === need.range[1]) return name;
      const [a, b] = [need.range[0] - have[0], need.range[1] - have[0]];
      return g.node('Slice', [name, g.int64([a]), g.int64([b]), g.int64([need.axis])])[0] as string;
    };
    for (const v of cls.order) {
      const range = ranges.get(v);
      if (range === undefined) continue;
      const need = needs.get(v) as readonly InputNeed[];
      const inputs = need.map((n, j) => take(v.op?.inputs[j] as LazyValue, n));
      names.set(v, v.op?.band?.lower(g, inputs, cls.axes.get(v) as number, range) as string);
    }
    const outputs: { name: string; dims: number[] }[] = [];
    for (const root of roots) {
      const band = take(root.value, { axis: root.axis, range: root.range });
      const dims = root.value.shape.map((d, i) => (i === root.axis ? root.range[1] - root.range[0] : d));
      if (output === 'value') {
        outputs.push({ name: band, dims });
      } else {
        const channels = dims.slice(0, 2).concat([1, 1]);
        const mean = g.node('ReduceMean', [band], {
          axes: { kind: 'ints', value: [2, 3] },
          keepdims: { kind: 'int', value: 1 },
        })[0] as string;
        const centred = g.node('Sub', [band, mean])[0] as string;
        const m2 = g.node('ReduceSumSquare', [centred], {
          axes: { kind: 'ints', value: [2, 3] },
          keepdims: { kind: 'int', value: 1 },
        })[0] as string;
        outputs.push({ name: mean, dims: channels }, { name: m2, dims: channels });
      }
    }
    // The band's share of each value's work (halos make the bands' sum a little more than the whole).
    let cost = 0;
    for (const [v, r] of ranges) {
      const axis = cls.axes.get(v);
      if (v.op !== null && axis !== undefined) cost += (v.op.cost * (r[1] - r[0])) / (v.shape[axis] as number);
    }
    return g.finish(outputs, this.bandPlanSize(cls, roots), { cost, label: roots.at(-1)?.value.mark?.label });
  }
}
