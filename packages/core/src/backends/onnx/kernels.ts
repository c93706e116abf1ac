/**
 * The core kernels, recorded for ONNX Runtime: every kernel returns a LazyValue that says how to lower it
 * to ONNX nodes (opset 17); `read` runs what the value depends on (executor.ts).
 *
 * The mapping, and why where it is not one to one:
 * - conv2d → Conv (+ Relu, which ORT fuses; weights as initializers so ORT's blocked NCHWc kernels apply).
 * - maxPool2x2Ceil → MaxPool 2×2/2 with ceil_mode=1 (pads with −∞ like PyTorch).
 * - reflectPad → Pad mode=reflect.
 * - resizeNearest → see lowerNearest: Resize ×2, strided Slice for whole-number shrink factors, else
 *   Gather with PyTorch's own index table.
 * - spatialVariance → ReduceSumSquare(x − mean) / (N − 1): two passes, as precise as the reference.
 * - matmul transposes → Transpose + MatMul (ORT folds them into FusedMatMul).
 * - gather → Gather with the indices fed as a graph input, so that a new seed or style reuses the session.
 * - attentionStats (softmax) → one MatMul of the weights with [V | V²] instead of two: the [n × Ns]
 *   weights are streamed once, and the wider product runs closer to the machine's peak.
 */
import type { BinaryOp, KernelInput, Kernels, Pads } from '../../tensor/kernels.js';
import { nearestSourceIndices } from '../../tensor/nearest.js';
import type { Shape } from '../../tensor/types.js';
import type { Executor } from './executor.js';
import { LazyValue, type Emitter, type RecordedOp } from './lazy-value.js';
import { attr } from './onnx-model.js';
import type { SessionCache } from './session-cache.js';

type In = KernelInput<LazyValue>;

const BINARY_OP: Readonly<Record<BinaryOp, string>> = { add: 'Add', sub: 'Sub', mul: 'Mul', div: 'Div' };

function record(shape: Shape, signature: string, inputs: readonly In[], lower: RecordedOp['lower']): LazyValue {
  return new LazyValue(shape, { signature, inputs: inputs.map((i) => i.handle), lower }, null);
}

/** Marks a value core never holds: it is never fetched as a graph output on its own account. */
function hidden(v: LazyValue): LazyValue {
  v.disposed = true;
  return v;
}

/** One node with one output. */
function single(e: Emitter, opType: string, inputs: readonly string[], attributes?: Parameters<Emitter['node']>[2]): string {
  return e.node(opType, inputs, attributes)[0] as string;
}

export class OnnxKernels implements Kernels<LazyValue> {
  readonly name: string;
  private readonly executor: Executor;
  private readonly cache: SessionCache;
  private live = 0;
  /** [V | V²] per V, made once and shared by every chunk (and every call, while V lives). */
  private readonly valuePairs = new WeakMap<LazyValue, { vSquared: LazyValue; both: LazyValue }>();

  constructor(name: string, executor: Executor, cache: SessionCache) {
    this.name = name;
    this.executor = executor;
    this.cache = cache;
  }

  private made(v: LazyValue): LazyValue {
    this.live++;
    return v;
  }

  private op(shape: Shape, signature: string, inputs: readonly In[], lower: RecordedOp['lower']): LazyValue {
    return this.made(record(shape, signature, inputs, lower));
  }

  liveHandles(): number {
    return this.live;
  }

  upload(data: Float32Array, shape: Shape): LazyValue {
    // Copied: the caller may reuse its array, and a recorded graph may read this one much later.
    return this.made(new LazyValue([...shape], null, data.slice()));
  }

  keep(x: In): void {
    if (x.handle.isKnown) x.handle.constant = true;
  }

  async read(x: In): Promise<Float32Array> {
    await this.executor.compute(x.handle);
    return (x.handle.data as Float32Array).slice();
  }

  dispose(handle: LazyValue): void {
    if (handle.disposed) return;
    handle.disposed = true;
    this.live--;
    if (handle.constant) this.cache.dropConstant(handle.id);
  }

  conv2d(x: In, w: In, bias: In | null, relu: boolean): LazyValue {
    const [n, , h, wd] = x.shape as [number, number, number, number];
    const [o, , kh, kw] = w.shape as [number, number, number, number];
    const inputs = bias === null ? [x, w] : [x, w, bias];
    return this.op([n, o, h - kh + 1, wd - kw + 1], `conv ${relu}`, inputs, (e, names) => {
      const y = single(e, 'Conv', names, { kernel_shape: attr.ints([kh, kw]), strides: attr.ints([1, 1]), pads: attr.ints([0, 0, 0, 0]) });
      return relu ? single(e, 'Relu', [y]) : y;
    });
  }

  relu(x: In): LazyValue {
    return this.op(x.shape, 'relu', [x], (e, [a]) => single(e, 'Relu', [a as string]));
  }

  sqrt(x: In): LazyValue {
    return this.op(x.shape, 'sqrt', [x], (e, [a]) => single(e, 'Sqrt', [a as string]));
  }

  binary(op: BinaryOp, a: In, b: In): LazyValue {
    const shape = a.shape.map((d, i) => (d === 1 ? (b.shape[i] as number) : d));
    return this.op(shape, op, [a, b], (e, names) => single(e, BINARY_OP[op], names));
  }

  affine(x: In, scale: number, offset: number): LazyValue {
    return this.op(x.shape, `affine ${scale} ${offset}`, [x], (e, [a]) => {
      let y = a as string;
      if (scale !== 1) y = single(e, 'Mul', [y, e.scalar(scale)]);
      if (offset !== 0 || y === a) y = single(e, 'Add', [y, e.scalar(offset)]);
      return y;
    });
  }

  maxPool2x2Ceil(x: In): LazyValue {
    const [n, c, h, w] = x.shape as [number, number, number, number];
    return this.op([n, c, Math.ceil(h / 2), Math.ceil(w / 2)], 'maxpool', [x], (e, [a]) =>
      single(e, 'MaxPool', [a as string], { kernel_shape: attr.ints([2, 2]), strides: attr.ints([2, 2]), ceil_mode: attr.int(1) }),
    );
  }

  reflectPad(x: In, [top, bottom, left, right]: Pads): LazyValue {
    const [n, c, h, w] = x.shape as [number, number, number, number];
    return this.op([n, c, h + top + bottom, w + left + right], `pad ${top} ${bottom} ${left} ${right}`, [x], (e, [a]) =>
      single(e, 'Pad', [a as string, e.int64([0, 0, top, left, 0, 0, bottom, right])], { mode: attr.string('reflect') }),
    );
  }

  resizeNearest(x: In, outH: number, outW: number): LazyValue {
    const [n, c, h, w] = x.shape as [number, number, number, number];
    return this.op([n, c, outH, outW], `nearest ${outH} ${outW}`, [x], (e, [a]) => lowerNearest(e, a as string, [h, w], [outH, outW]));
  }

  concat(xs: readonly In[], axis: number): LazyValue {
    const first = xs[0] as In;
    const shape = first.shape.map((d, i) => (i === axis ? xs.reduce((s, x) => s + (x.shape[i] as number), 0) : d));
    return this.op(shape, `concat ${axis}`, xs, (e, names) => single(e, 'Concat', names, { axis: attr.int(axis) }));
  }

  spatialMean(x: In): LazyValue {
    const [n, c] = x.shape as [number, number];
    return this.op([n, c, 1, 1], 'mean', [x], (e, [a]) => single(e, 'ReduceMean', [a as string], { axes: attr.ints([2, 3]), keepdims: attr.int(1) }));
  }

  spatialVariance(x: In): LazyValue {
    const [n, c, h, w] = x.shape as [number, number, number, number];
    return this.op([n, c, 1, 1], `var ${h * w}`, [x], (e, [a]) => {
      const mean = single(e, 'ReduceMean', [a as string], { axes: attr.ints([2, 3]), keepdims: attr.int(1) });
      const centred = single(e, 'Sub', [a as string, mean]);
      const squares = single(e, 'ReduceSumSquare', [centred], { axes: attr.ints([2, 3]), keepdims: attr.int(1) });
      // N − 1 = 0 gives 0/0 = NaN for a single position, as PyTorch.
      return single(e, 'Div', [squares, e.scalar(h * w - 1)]);
    });
  }

  matmul(a: In, b: In, transposeA: boolean, transposeB: boolean): LazyValue {
    const [ba, a1, a2] = a.shape as [number, number, number];
    const [bb, b1, b2] = b.shape as [number, number, number];
    const shape = [Math.max(ba, bb), transposeA ? a2 : a1, transposeB ? b1 : b2];
    return this.op(shape, `matmul ${transposeA} ${transposeB}`, [a, b], (e, [x, y]) => {
      const t = (name: string, yes: boolean) => (yes ? single(e, 'Transpose', [name], { perm: attr.ints([0, 2, 1]) }) : name);
      return single(e, 'MatMul', [t(x as string, transposeA), t(y as string, transposeB)]);
    });
  }

  softmax(x: In): LazyValue {
    return this.op(x.shape, 'softmax', [x], (e, [a]) => single(e, 'Softmax', [a as string], { axis: attr.int(-1) }));
  }

  gather(x: In, indices: Int32Array, axis: number): LazyValue {
    const shape = x.shape.map((d, i) => (i === axis ? indices.length : d));
    const copy = indices.slice();
    return this.op(shape, `gather ${axis} ${indices.length}`, [x], (e, [a]) =>
      single(e, 'Gather', [a as string, e.feedInt64(copy, [copy.length])], { axis: attr.int(axis) }),
    );
  }

  reshape(x: In, shape: Shape): LazyValue {
    const target = [...shape];
    return this.op(target, `reshape ${target.join(',')}`, [x], (e, [a]) => single(e, 'Reshape', [a as string, e.int64(target)]));
  }

  transpose(x: In, perm: readonly number[]): LazyValue {
    const p = [...perm];
    return this.op(p.map((i) => x.shape[i] as number), `transpose ${p.join(',')}`, [x], (e, [a]) => single(e, 'Transpose', [a as string], { perm: attr.ints(p) }));
  }

  attentionStats(q: In, k: In, v: In, vSquared: In, mask: In | null): [LazyValue, LazyValue] {
    const [batch, n] = q.shape as [number, number];
    const c = v.shape[2] as number;
    const both = this.valuePair(v, vSquared);
    const inputs = [q, k, { handle: both, shape: both.shape }, ...(mask === null ? [] : [mask])];
    // Internal values: core never sees them, so they are not counted and never fetched on their own.
    const products = hidden(record([batch, n, 2 * c], `attention ${mask !== null}`, inputs, (e, [qn, kn, vn, mn]) => {
      let logits = single(e, 'MatMul', [qn as string, kn as string]);
      if (mn !== undefined) logits = single(e, 'Add', [logits, mn]);
      return single(e, 'MatMul', [single(e, 'Softmax', [logits], { axis: attr.int(-1) }), vn as string]);
    }));
    const p = { handle: products, shape: products.shape };
    const m = this.op([batch, n, c], `attention-mean ${c}`, [p], (e, [pn]) =>
      single(e, 'Slice', [pn as string, e.int64([0]), e.int64([c]), e.int64([2])]),
    );
    const s = this.op([batch, n, c], `attention-std ${c}`, [p, { handle: m, shape: m.shape }], (e, [pn, mn]) => {
      const squares = single(e, 'Slice', [pn as string, e.int64([c]), e.int64([2 * c]), e.int64([2])]);
      const variance = single(e, 'Sub', [squares, single(e, 'Mul', [mn as string, mn as string])]);
      return single(e, 'Sqrt', [single(e, 'Relu', [variance])]);
    });
    return [m, s];
  }

  private valuePair(v: In, vSquared: In): LazyValue {
    const cached = this.valuePairs.get(v.handle);
    if (cached !== undefined && cached.vSquared === vSquared.handle) return cached.both;
    const [batch, ns, c] = v.shape as [number, number, number];
    const both = hidden(record([batch, ns, 2 * c], 'value-pair', [v, vSquared], (e, names) => single(e, 'Concat', names, { axis: attr.int(2) })));
    this.valuePairs.set(v.handle, { vSquared: vSquared.handle, both });
    return both;
  }

  slice(x: In, begin: readonly number[], size: readonly number[]): LazyValue {
    const axes = begin.map((_, i) => i);
    const starts = [...begin];
    const ends = begin.map((b, i) => b + (size[i] as number));
    return this.op([...size], `slice ${starts.join(',')} ${ends.join(',')}`, [x], (e, [a]) =>
      single(e, 'Slice', [a as string, e.int64(starts), e.int64(ends), e.int64(axes)]),
    );
  }
}

/**
 * PyTorch nearest resize of axes 2 and 3, per axis the cheapest exact form:
 * - same size: nothing;
 * - ×2: Resize nearest with asymmetric coordinates and floor (src = floor(dst / 2), exact);
 * - shrinking by a whole factor k (in = k · out): Slice with step k, since PyTorch's src = floor(dst · k)
 *   is exact in float32 for these sizes (both fit in 24 bits);
 * - anything else: Gather with `nearestSourceIndices`, PyTorch's own float32 rule (ONNX Resize computes
 *   the source coordinate in its own precision, which differs from PyTorch's rounding for some sizes).
 */
function lowerNearest(e: Emitter, input: string, from: readonly [number, number], to: readonly [number, number]): string {
  let y = input;
  const double = [to[0] === 2 * from[0], to[1] === 2 * from[1]];
  if (double[0] || double[1]) {
    // Inputs X, roi (unused: ''), scales.
    y = single(e, 'Resize', [y, '', e.floats([1, 1, double[0] ? 2 : 1, double[1] ? 2 : 1])], {
      mode: attr.string('nearest'),
      coordinate_transformation_mode: attr.string('asymmetric'),
      nearest_mode: attr.string('floor'),
    });
  }
  const strided: number[] = [];
  for (const axis of [0, 1]) {
    const [i, o] = [from[axis] as number, to[axis] as number];
    if (i === o || double[axis]) continue;
    if (i % o === 0) strided.push(axis);
    else y = single(e, 'Gather', [y, e.int64([...nearestSourceIndices(i, o)])], { axis: attr.int(axis + 2) });
  }
  if (strided.length > 0) {
    const steps = strided.map((axis) => (from[axis] as number) / (to[axis] as number));
    const ends = strided.map((axis) => from[axis] as number);
    y = single(e, 'Slice', [y, e.int64(strided.map(() => 0)), e.int64(ends), e.int64(strided.map((a) => a + 2)), e.int64(steps)]);
  }
  return y === input ? single(e, 'Identity', [y]) : y;
}
