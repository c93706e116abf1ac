/**
 * The core kernels, recorded for ONNX Runtime: every kernel returns a LazyValue that says how to lower it
 * to ONNX nodes (opset 17) and, where it can, how to compute a band of its rows (for graphs too large to run
 * whole, banded.ts); `read` runs what the value depends on (executor.ts).
 *
 * The mapping, and why where it is not one to one:
 * - conv2d → Conv (+ Relu, which ORT fuses; weights as initializers so ORT's blocked NCHWc kernels apply).
 *   Where ONNX Runtime has blocked (NCHWc) kernels (Emitter.blockSize > 1) and the channels fill whole
 *   blocks, the graph names them itself: ReorderInput → NchwcConv (weights reordered here) → ReorderOutput,
 *   and reflection padding, max-pooling and ×2 upsampling between two such convolutions run on the blocked
 *   tensor (`keepingBlocked`). ORT's own layout pass cannot do that for padding: its Pad has no blocked
 *   kernel, so each padded convolution cost a round trip through NCHW (issue 15).
 * - maxPool2x2Ceil → MaxPool 2×2/2 with ceil_mode=1 (pads with −∞ like PyTorch).
 * - reflectPad → Pad mode=reflect (on a blocked tensor: Pad of its 5-D view [N, C/b, H, W, b]).
 * - resizeNearest → see lowerNearest: Resize ×2, strided Slice for whole-number shrink factors, else
 *   Gather with PyTorch's own index table.
 * - spatialVariance → ReduceSumSquare(x − mean) / (N − 1): two passes, as precise as the reference.
 * - matmul transposes → Transpose + MatMul (ORT folds them into FusedMatMul).
 * - gather → Gather with the indices fed as a graph input, so that a new seed or style reuses the session.
 * - attentionStats (softmax) → one MatMul of the weights with [V | V²] instead of two: the [n × Ns]
 *   weights are streamed once, and the wider product runs closer to the machine's peak. The logits get
 *   core's subnormal guard (ReduceMax, Max) as in the composed op, so every backend computes the same.
 *   attentionStats (cosine, the video model) → relu(Q·K + 1 + mask), row sums by ReduceSum, the same MatMul.
 *   Where the runtime has blocked kernels and there is no mask, both products of either kind are blocked 1×1
 *   convolutions instead (lowerBlockedAttention), which MLAS runs ~1.6× faster than its SGEMM on these shapes.
 */
import type { AttentionKind, BinaryOp, ConvInt8Ranges, KernelInput, Kernels, Pads, ReadControl } from '../../tensor/kernels.js';
import { COSINE_ROW_EPS, LOGIT_FLOOR_BELOW_ROW_MAX } from '../../ops/attention-stats.js';
import { nearestSourceIndices } from '../../tensor/nearest.js';
import { sizeOf, type Shape } from '../../tensor/types.js';
import type { Executor } from './executor.js';
import { LazyValue, type BandRule, type Emitter, type InputNeed, type MarkCell, type Range, type RecordedOp } from './lazy-value.js';
import { attr, type AttributeValue } from './onnx-model.js';

type In = KernelInput<LazyValue>;
type Lower = RecordedOp['lower'];

const reflectMode = { mode: attr.string('reflect') };

const BINARY_OP: Readonly<Record<BinaryOp, string>> = { add: 'Add', sub: 'Sub', mul: 'Mul', div: 'Div' };

type Extra = Partial<Pick<RecordedOp, 'band' | 'reduction' | 'cost'>>;

function record(shape: Shape, signature: string, inputs: readonly In[], lower: Lower, extra: Extra, mark: MarkCell): LazyValue {
  // Default cost: memory-bound work, about one operation per value read or written (a reduction reads far
  // more than it writes).
  const traffic = inputs.reduce((sum, i) => sum + sizeOf(i.shape), sizeOf(shape));
  const op: RecordedOp = { signature, inputs: inputs.map((i) => i.handle), lower, cost: traffic, ...extra };
  return new LazyValue(shape, op, null, mark);
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

function rowMaxNode(e: Emitter, x: string): string {
  return single(e, 'ReduceMax', [x], { axes: attr.ints([-1]), keepdims: attr.int(1) });
}

/** Core's softmax guard (ops/attention-stats.ts, LOGIT_FLOOR_BELOW_ROW_MAX) as nodes, the mask added after the clamp. */
function guardedLogits(e: Emitter, logits: string, mask: string | undefined): string {
  const floorOf = (x: string) => single(e, 'Sub', [rowMaxNode(e, x), e.scalar(LOGIT_FLOOR_BELOW_ROW_MAX)]);
  if (mask === undefined) return single(e, 'Max', [logits, floorOf(logits)]);
  const clamped = single(e, 'Max', [logits, floorOf(single(e, 'Add', [logits, mask]))]);
  return single(e, 'Add', [clamped, mask]);
}

function softmaxWeights(e: Emitter, logits: string, mask: string | undefined): string {
  return single(e, 'Softmax', [guardedLogits(e, logits, mask)], { axis: attr.int(-1) });
}

/** The video model's weights: relu(logits + 1 + mask), each row / (its sum + COSINE_ROW_EPS). */
function cosineWeights(e: Emitter, logits: string, mask: string | undefined): string {
  const shifted = single(e, 'Add', [logits, e.scalar(1)]);
  const a = single(e, 'Relu', [mask === undefined ? shifted : single(e, 'Add', [shifted, mask])]);
  const rowSum = single(e, 'ReduceSum', [a, e.int64([-1])], { keepdims: attr.int(1) });
  return single(e, 'Div', [a, single(e, 'Add', [rowSum, e.scalar(COSINE_ROW_EPS)])]);
}

/**
 * The attention's two products as ONNX Runtime's blocked 1×1 convolutions (issue 15): with the queries as a
 * 1-pixel-wide image of n rows and Ck channels, the logits are a convolution whose Ns output channels are the
 * keys, and A·[V | V²] one whose Ns input channels are the weights. MLAS's blocked convolution kernels run
 * these shapes ~1.6× faster than its SGEMM (tools/bench/attention-gemm.mjs), and the weights never leave the
 * blocked layout: the softmax is taken on it (row maximum over the channel blocks and their lanes), and its
 * division comes after the second product, which also yields the row sums from a block of ones appended to
 * [V | V²]. Style positions are padded to whole blocks: a padded key's logit is −1e30 through the bias (never
 * a row's maximum) and its row of [V | V² | 1] is zero, so it adds nothing. The subnormal guard is the
 * composed op's (weights at least e^−40 of the row's largest). The cosine kind is simpler still: its +1 is
 * the first convolution's bias and its relu the convolution's fused activation, so the weights are that
 * convolution's output, and the row sums get the composed op's epsilon.
 */
type BlockedAttentionShape = {
  readonly kind: AttentionKind;
  readonly keyChannels: number;
  readonly positions: number;
  /** Style positions padded to whole blocks. */
  readonly paddedPositions: number;
  /** 2C: the width of [V | V²]. */
  readonly valueWidth: number;
  readonly b: number;
};

/** A [R, C] row-major matrix (R, C whole blocks of b) as the blocked 1×1 filter of a C-in, R-out convolution: OIHWBiBo. */
function blockedMatrixFilter(e: Emitter, x: string, inputs: number, outputs: number, b: number): string {
  const blocks = single(e, 'Reshape', [x, e.int64([inputs / b, b, outputs / b, b])]);
  return single(e, 'Reshape', [single(e, 'Transpose', [blocks], { perm: attr.ints([2, 0, 1, 3]) }), e.int64([outputs, inputs, 1, 1])]);
}

/** Keys k [1, Ck, Ns] as the logits' filter [Ns', Ck, 1, 1]. */
function lowerKeyFilter(e: Emitter, k: string, s: BlockedAttentionShape): string {
  const pad = s.paddedPositions - s.positions;
  const padded = pad === 0 ? k : single(e, 'Pad', [k, e.int64([0, 0, 0, 0, 0, pad])]);
  return blockedMatrixFilter(e, padded, s.keyChannels, s.paddedPositions, s.b);
}

/** [V | V²] [1, Ns, 2C] as the second product's filter [2C + b, Ns', 1, 1], its last block the row sums' ones. */
function lowerValueFilter(e: Emitter, both: string, s: BlockedAttentionShape): string {
  const ones = e.tensor(`ones 1x${s.positions}x${s.b}`, () => ({
    dataType: 'float32',
    dims: [1, s.positions, s.b],
    data: new Float32Array(s.positions * s.b).fill(1),
  }));
  const withOnes = single(e, 'Concat', [both, ones], { axis: attr.int(2) });
  const pad = s.paddedPositions - s.positions;
  const padded = pad === 0 ? withOnes : single(e, 'Pad', [withOnes, e.int64([0, 0, 0, 0, pad, 0])]);
  return blockedMatrixFilter(e, padded, s.paddedPositions, s.valueWidth + s.b, s.b);
}

/** exp(logit − row max), floored at e^−40 (the subnormal guard), on the blocked logits [1, Ns', n, 1]. */
function blockedSoftmaxNumerators(e: Emitter, logits: string, n: number, s: BlockedAttentionShape): string {
  const { b, paddedPositions } = s;
  const lanes = single(e, 'Reshape', [logits, e.int64([1, paddedPositions / b, n, b])]);
  // The row maxima widened to a block's lanes first: ORT broadcasts along outer axes in whole spans, but
  // along the innermost one element by element (~5× slower on this tensor, the largest of the model).
  const rowMax = single(e, 'Expand', [
    single(e, 'ReduceMax', [lanes], { axes: attr.ints([1, 3]), keepdims: attr.int(1) }),
    e.int64([1, 1, n, b]),
  ]);
  const shifted = single(e, 'Clip', [single(e, 'Sub', [lanes, rowMax]), e.scalar(-LOGIT_FLOOR_BELOW_ROW_MAX)]);
  return single(e, 'Reshape', [single(e, 'Exp', [shifted]), e.int64([1, paddedPositions, n, 1])]);
}

/** [A·V | A·V²] [1, n, 2C] for queries q [1, n, Ck], from the two filters. */
function lowerBlockedAttention(e: Emitter, q: string, keys: string, values: string, n: number, s: BlockedAttentionShape): string {
  const { b, keyChannels, paddedPositions, valueWidth } = s;
  // [n, Ck] row-major → blocked [Ck/b, n, b]: channel blocks outermost, as ORT's ReorderInput would lay them.
  const lanes = single(e, 'Reshape', [q, e.int64([n, keyChannels / b, b])]);
  const image = single(e, 'Reshape', [single(e, 'Transpose', [lanes], { perm: attr.ints([1, 0, 2]) }), e.int64([1, keyChannels, n, 1])]);
  const kernel = { kernel_shape: attr.ints([1, 1]) };
  const cosine = s.kind === 'cosine';
  const keyBias = cosine ? 1 : 0;
  const bias =
    paddedPositions === s.positions && !cosine
      ? []
      : [
          e.tensor(`key bias ${keyBias} ${s.positions}/${paddedPositions}`, () => ({
            dataType: 'float32',
            dims: [paddedPositions],
            data: new Float32Array(paddedPositions).fill(keyBias).fill(-1e30, s.positions),
          })),
        ];
  const logits = e.nchwcNode('Conv', [image, keys, ...bias], cosine ? { ...kernel, activation: attr.string('Relu') } : kernel);
  const weights = cosine ? logits : blockedSoftmaxNumerators(e, logits, n, s);
  const sums = single(e, 'Reshape', [e.nchwcNode('Conv', [weights, values], kernel), e.int64([valueWidth / b + 1, n, b])]);
  const blocks = valueWidth / b;
  const weighted = single(e, 'Slice', [sums, e.int64([0]), e.int64([blocks]), e.int64([0])]);
  const rowSum = single(e, 'Slice', [sums, e.int64([blocks, 0]), e.int64([blocks + 1, 1]), e.int64([0, 2])]);
  const normalised = single(e, 'Div', [weighted, cosine ? single(e, 'Add', [rowSum, e.scalar(COSINE_ROW_EPS)]) : rowSum]);
  return single(e, 'Reshape', [single(e, 'Transpose', [normalised], { perm: attr.ints([1, 0, 2]) }), e.int64([1, n, valueWidth])]);
}

/**
 * The band rule of an operation that works row by row: a band of the output needs the same rows of every
 * input that extends along the axis, and all of an input that is broadcast along it (a [1,C,1,1] statistic).
 * Lowered exactly as the whole operation.
 */
function rowwise(inputs: readonly In[], outShape: Shape, lower: Lower, bandable: (axis: number) => boolean = () => true): BandRule {
  return {
    need: (axis, range) => {
      if (!bandable(axis)) return undefined;
      return inputs.map((x): InputNeed =>
        x.shape.length !== outShape.length ? 'whole' : x.shape[axis] === 1 && outShape[axis] !== 1 ? 'whole' : { axis, range },
      );
    },
    lower: (e, names) => lower(e, names),
  };
}

/** reflect(i) into [0, n): PyTorch's reflection padding (no edge repeat). */
function reflect(i: number, n: number): number {
  if (i < 0) return -i;
  if (i >= n) return 2 * (n - 1) - i;
  return i;
}

/** Rows `sources[r] − lo` of the input band starting at row `lo`: nothing when they are that band, in order. */
function gatherRows(e: Emitter, input: string, sources: readonly number[], lo: number, count: number): string {
  const identity = sources.length === count && sources.every((s, i) => s - lo === i);
  return identity ? input : single(e, 'Gather', [input, e.int64(sources.map((s) => s - lo))], { axis: attr.int(2) });
}

function bounds(values: readonly number[]): Range {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  return [lo, hi + 1];
}

/** Symmetric int8 values of a weight [O, …], one scale per output channel (its largest |value| ↦ 127). */
export function quantizePerChannel(data: Float32Array, outChannels: number): { values: Int8Array; scales: Float32Array } {
  const per = data.length / outChannels;
  const scales = new Float32Array(outChannels);
  const values = new Int8Array(data.length);
  for (let k = 0; k < outChannels; k++) {
    let m = 0;
    for (let i = 0; i < per; i++) m = Math.max(m, Math.abs(data[k * per + i] as number));
    const scale = m / 127 || 1;
    scales[k] = scale;
    for (let i = 0; i < per; i++) values[k * per + i] = Math.round((data[k * per + i] as number) / scale);
  }
  return { values, scales };
}

/** Each weight's int8 form, made once (every graph and band reuses it). */
const quantizedWeights = new WeakMap<LazyValue, { values: Int8Array; scales: Float32Array }>();

/**
 * A convolution weight [O, I, kh, kw] in the order ONNX Runtime's blocked convolution reads it (MLAS's
 * filter layouts), for block size `b` with O a multiple of b: with I a multiple of b, blocks of b output ×
 * b input channels, input-major inside a block, for each kernel tap ([O/b][I/b][kh][kw][b_in][b_out]); with
 * I < b (the image's 3 channels, read in NCHW), [O/b][I][kh][kw][b_out].
 */
export function blockedFilter(data: Float32Array, [o, i, kh, kw]: readonly number[], b: number): Float32Array {
  const taps = (kh as number) * (kw as number);
  const [outs, ins] = [o as number, i as number];
  const out = new Float32Array(data.length);
  const at = (oc: number, ic: number, t: number) => data[(oc * ins + ic) * taps + t] as number;
  let k = 0;
  if (ins < b) {
    for (let ob = 0; ob < outs; ob += b)
      for (let ic = 0; ic < ins; ic++) for (let t = 0; t < taps; t++) for (let bo = 0; bo < b; bo++) out[k++] = at(ob + bo, ic, t);
    return out;
  }
  for (let ob = 0; ob < outs; ob += b)
    for (let ib = 0; ib < ins; ib += b)
      for (let t = 0; t < taps; t++) for (let bi = 0; bi < b; bi++) for (let bo = 0; bo < b; bo++) out[k++] = at(ob + bo, ib + bi, t);
  return out;
}

/** Each weight's blocked form, made once per block size. */
const blockedWeights = new WeakMap<LazyValue, Map<number, Float32Array>>();

function blockedWeight(w: LazyValue, b: number): Float32Array {
  let forms = blockedWeights.get(w);
  if (forms === undefined) blockedWeights.set(w, (forms = new Map()));
  let data = forms.get(b);
  if (data === undefined) forms.set(b, (data = blockedFilter(w.data as Float32Array, w.shape, b)));
  return data;
}

/** Whether a float32 convolution with weight `w` runs as ONNX Runtime's blocked kernel in this graph. */
function blockable(e: Emitter, w: LazyValue): boolean {
  const [o, i] = w.shape as [number, number];
  const b = e.blockSize;
  // Only constant weights: they are reordered once, here (ORT's own layout pass makes the same choice).
  return b > 1 && w.constant && w.data instanceof Float32Array && o % b === 0 && (i % b === 0 || i < b);
}

/** conv2d on ONNX Runtime's blocked kernel: its input taken blocked where an earlier op left it so. */
function lowerBlockedConv(e: Emitter, names: readonly string[], w: LazyValue, relu: boolean): string {
  const [o, i, kh, kw] = w.shape as [number, number, number, number];
  const b = e.blockSize;
  const x = names[0] as string;
  // Fewer input channels than a block (the image's 3): the kernel reads them in NCHW.
  const input = i < b ? x : (e.blockedSource(x) ?? e.nchwcNode('ReorderInput', [x]));
  const filter = e.tensor(`nchwc${b} w#${w.id}`, () => ({ dataType: 'float32', dims: w.shape, data: blockedWeight(w, b) }));
  const attributes: Record<string, AttributeValue> = { kernel_shape: attr.ints([kh, kw]) };
  if (relu) attributes['activation'] = attr.string('Relu');
  const y = e.nchwcNode('Conv', [input, filter, ...names.slice(2)], attributes);
  return e.unblock(y, o);
}

/**
 * `blocked` applied to the blocked tensor `x` was reordered from, when it was (a blocked convolution's
 * output, through padding, pooling or upsampling), then reordered back; else `plain(x)`. The same numbers
 * without the round trip through NCHW that ONNX Runtime would make for each op it has no blocked kernel for.
 */
function keepingBlocked(
  e: Emitter,
  x: string,
  channels: number,
  blocked: (input: string) => string,
  plain: (input: string) => string,
): string {
  const source = e.blockedSource(x);
  return source === undefined ? plain(x) : e.unblock(blocked(source), channels);
}

function quantizeWeight(w: LazyValue): { values: Int8Array; scales: Float32Array } {
  let q = quantizedWeights.get(w);
  if (q === undefined) {
    q = quantizePerChannel(w.data as Float32Array, w.shape[0] as number);
    quantizedWeights.set(w, q);
  }
  return q;
}

/** u8 scale and zero point that map [min, max] (holding 0) onto 0…255, 0 exactly representable. */
export function uint8Quantization([min, max]: readonly [number, number]): { scale: number; zeroPoint: number } {
  const scale = (max - min) / 255;
  return { scale, zeroPoint: Math.min(255, Math.max(0, Math.round(-min / scale))) };
}

/**
 * A 3×3 convolution in int8 (ONNX Runtime's QLinearConv: u8 activations, s8 per-channel weights, int32
 * bias, VNNI/AMX where the CPU has them), between a QuantizeLinear of its input and a DequantizeLinear of its
 * output. A ReLU conv's output range starts at 0 (whatever the calibration says), so the u8 output's zero
 * point is 0 and the clamp at 0 is the ReLU.
 */
function lowerInt8Conv(
  e: Emitter,
  names: readonly string[],
  w: LazyValue,
  bias: LazyValue | undefined,
  relu: boolean,
  ranges: ConvInt8Ranges,
): string {
  const [o, , kh, kw] = w.shape as [number, number, number, number];
  const q = quantizeWeight(w);
  const output = uint8Quantization(relu ? [0, ranges.output[1]] : ranges.output);
  // An input that is already u8 (the previous int8 conv, through padding, pooling or upsampling) is taken as
  // it is, on its own scale: no second rounding and no QuantizeLinear.
  const source = e.quantizedSource(names[0] as string);
  const input = source ?? uint8Quantization(ranges.input);
  const xs = e.scalar(input.scale);
  const xz = e.uint8(input.zeroPoint);
  const ys = e.scalar(output.scale);
  const yz = e.uint8(output.zeroPoint);
  const wq = e.tensor(`s8 w#${w.id}`, () => ({ dataType: 'int8', dims: w.shape, data: q.values }));
  const ws = e.tensor(`scales w#${w.id}`, () => ({ dataType: 'float32', dims: [o], data: q.scales }));
  const wz = e.tensor(`s8 zeros ${o}`, () => ({ dataType: 'int8', dims: [o], data: new Int8Array(o) }));
  const b =
    bias === undefined
      ? []
      : [
          e.tensor(`i32 b#${bias.id} ${input.scale}`, () => ({
            dataType: 'int32',
            dims: [o],
            data: Int32Array.from(bias.data as Float32Array, (v, k) => Math.round(v / (input.scale * (q.scales[k] as number)))),
          })),
        ];
  const xq = source?.q ?? single(e, 'QuantizeLinear', [names[0] as string, xs, xz]);
  const yq = single(e, 'QLinearConv', [xq, xs, xz, wq, ws, wz, ys, yz, ...b], { kernel_shape: attr.ints([kh, kw]) });
  return e.dequantize(yq, output.scale, output.zeroPoint);
}

/**
 * `lower` applied to the u8 tensor `x` was dequantized from, when it was (an int8 conv's output), then
 * dequantized again on the same scale; else to `x`. For the operations that only move or pick values
 * (padding, max-pooling, nearest upsampling): on u8 they give exactly the same numbers, a quarter of the
 * memory traffic, and the next int8 conv takes them without quantizing again.
 */
function keepingInt8(e: Emitter, x: string, lower: (input: string) => string): string {
  const source = e.quantizedSource(x);
  return source === undefined ? lower(x) : e.dequantize(lower(source.q), source.scale, source.zeroPoint);
}

export class OnnxKernels implements Kernels<LazyValue> {
  readonly name: string;
  private readonly executor: Executor;
  private live = 0;
  /** [V | V²] per V, made once and shared by every chunk (and every call, while V lives). */
  private readonly valuePairs = new WeakMap<LazyValue, { vSquared: LazyValue; both: LazyValue }>();
  /** Keys and [V | V² | 1] as blocked 1×1 filters (blockedAttention), per keys and per value pair. */
  private readonly keyFilters = new WeakMap<LazyValue, LazyValue>();
  private readonly valueFilters = new WeakMap<LazyValue, LazyValue>();

  /** Work happens in `read`; the model's steps only record. */
  readonly deferred = true;
  /** conv2d lowers to QLinearConv when given int8 ranges. */
  readonly int8Convolutions = true;
  /** Shared by the operations recorded since the last `mark`, which labels them all at once. */
  private cell: MarkCell = { label: undefined };

  constructor(name: string, executor: Executor) {
    this.name = name;
    this.executor = executor;
  }

  mark(label: string): void {
    this.cell.label = label;
    this.cell = { label: undefined };
  }

  private made(v: LazyValue): LazyValue {
    this.live++;
    return v;
  }

  private op(shape: Shape, signature: string, inputs: readonly In[], lower: Lower, extra: Extra = {}): LazyValue {
    return this.made(record(shape, signature, inputs, lower, extra, this.cell));
  }

  /** An operation that works row by row (see `rowwise`). */
  private rowOp(shape: Shape, signature: string, inputs: readonly In[], lower: Lower, bandable?: (axis: number) => boolean): LazyValue {
    return this.op(shape, signature, inputs, lower, { band: rowwise(inputs, shape, lower, bandable) });
  }

  liveHandles(): number {
    return this.live;
  }

  upload(data: Float32Array, shape: Shape): LazyValue {
    // Copied: the caller may reuse its array, and a recorded graph may read this one much later.
    return this.made(new LazyValue([...shape], null, data.slice()));
  }

  keep(x: In): void {
    if (!x.handle.isKnown || x.handle.constant) return;
    x.handle.constant = true;
    this.executor.addConstant(x.handle.id, 4 * sizeOf(x.shape));
  }

  async read(x: In, control?: ReadControl): Promise<Float32Array> {
    await this.executor.compute(x.handle, control);
    return (x.handle.data as Float32Array).slice();
  }

  dispose(handle: LazyValue): void {
    if (handle.disposed) return;
    handle.disposed = true;
    this.live--;
    if (handle.constant) this.executor.dropConstant(handle.id);
  }

  conv2d(x: In, w: In, bias: In | null, relu: boolean, int8?: ConvInt8Ranges): LazyValue {
    const [n, , h, wd] = x.shape as [number, number, number, number];
    const [o, , kh, kw] = w.shape as [number, number, number, number];
    const inputs = bias === null ? [x, w] : [x, w, bias];
    const lower: Lower = (e, names) => {
      if (int8 !== undefined) return lowerInt8Conv(e, names, w.handle, bias?.handle, relu, int8);
      if (blockable(e, w.handle)) return lowerBlockedConv(e, names, w.handle, relu);
      const y = single(e, 'Conv', names, { kernel_shape: attr.ints([kh, kw]), strides: attr.ints([1, 1]), pads: attr.ints([0, 0, 0, 0]) });
      return relu ? single(e, 'Relu', [y]) : y;
    };
    const band: BandRule = {
      // A valid convolution: output rows [a, b) read input rows [a, b + kh − 1).
      need: (axis, [a, b]) =>
        axis !== 2 ? undefined : [{ axis, range: [a, b + kh - 1] }, ...inputs.slice(1).map((): InputNeed => 'whole')],
      lower: (e, names) => lower(e, names),
    };
    const cost = 2 * n * o * (h - kh + 1) * (wd - kw + 1) * (w.shape[1] as number) * kh * kw;
    const ranges = int8 === undefined ? '' : ` int8 ${int8.input.join(',')} ${int8.output.join(',')}`;
    return this.op([n, o, h - kh + 1, wd - kw + 1], `conv ${relu}${ranges}`, inputs, lower, { band, cost });
  }

  relu(x: In): LazyValue {
    return this.rowOp(x.shape, 'relu', [x], (e, [a]) => single(e, 'Relu', [a as string]));
  }

  sqrt(x: In): LazyValue {
    return this.rowOp(x.shape, 'sqrt', [x], (e, [a]) => single(e, 'Sqrt', [a as string]));
  }

  binary(op: BinaryOp, a: In, b: In): LazyValue {
    const shape = a.shape.map((d, i) => (d === 1 ? (b.shape[i] as number) : d));
    return this.rowOp(shape, op, [a, b], (e, names) => single(e, BINARY_OP[op], names));
  }

  affine(x: In, scale: number, offset: number): LazyValue {
    return this.rowOp(x.shape, `affine ${scale} ${offset}`, [x], (e, [a]) => {
      let y = a as string;
      if (scale !== 1) y = single(e, 'Mul', [y, e.scalar(scale)]);
      if (offset !== 0 || y === a) y = single(e, 'Add', [y, e.scalar(offset)]);
      return y;
    });
  }

  maxPool2x2Ceil(x: In): LazyValue {
    const [n, c, h, w] = x.shape as [number, number, number, number];
    const pool = { kernel_shape: attr.ints([2, 2]), strides: attr.ints([2, 2]), ceil_mode: attr.int(1) };
    const lower: Lower = (e, [a]) =>
      keepingInt8(e, a as string, (y) =>
        keepingBlocked(
          e,
          y,
          c,
          (yb) => e.nchwcNode('MaxPool', [yb], pool),
          (plain) => single(e, 'MaxPool', [plain], pool),
        ),
      );
    const band: BandRule = {
      need: (axis, [a, b]) => (axis !== 2 ? undefined : [{ axis, range: [2 * a, Math.min(2 * b, h)] }]),
      lower: (e, names) => lower(e, names),
    };
    return this.op([n, c, Math.ceil(h / 2), Math.ceil(w / 2)], 'maxpool', [x], lower, { band });
  }

  reflectPad(x: In, [top, bottom, left, right]: Pads): LazyValue {
    const [n, c, h, w] = x.shape as [number, number, number, number];
    const padW = (e: Emitter, y: string) =>
      left === 0 && right === 0 ? y : single(e, 'Pad', [y, e.int64([0, 0, 0, left, 0, 0, 0, right])], reflectMode);
    const sources = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => reflect(a + i - top, h));
    const band: BandRule = {
      need: (axis, [a, b]) => (axis !== 2 ? undefined : [{ axis, range: bounds(sources(a, b)) }]),
      // The rows, reflected where the band meets the image's edge, then the columns padded as usual.
      lower: (e, [y], _axis, [a, b]) =>
        keepingInt8(e, y as string, (input) => {
          const rows = sources(a, b);
          const [lo, hi] = bounds(rows);
          const out = padW(e, gatherRows(e, input, rows, lo, hi - lo));
          return out === input ? single(e, 'Identity', [out]) : out;
        }),
    };
    return this.op(
      [n, c, h + top + bottom, w + left + right],
      `pad ${top} ${bottom} ${left} ${right}`,
      [x],
      (e, [a]) =>
        keepingInt8(e, a as string, (y) =>
          keepingBlocked(
            e,
            y,
            c,
            (yb) => {
              // The blocked tensor's memory is [N, C/b, H, W, b]: pad its 5-D view along H and W.
              const b = e.blockSize;
              const view = single(e, 'Reshape', [yb, e.int64([n, c / b, h, w, b])]);
              const padded = single(e, 'Pad', [view, e.int64([0, 0, top, left, 0, 0, 0, bottom, right, 0])], reflectMode);
              return single(e, 'Reshape', [padded, e.int64([n, c, h + top + bottom, w + left + right])]);
            },
            (plain) => single(e, 'Pad', [plain, e.int64([0, 0, top, left, 0, 0, bottom, right])], reflectMode),
          ),
        ),
      { band },
    );
  }

  resizeNearest(x: In, outH: number, outW: number): LazyValue {
    const [n, c, h, w] = x.shape as [number, number, number, number];
    const table = nearestSourceIndices(h, outH);
    const band: BandRule = {
      need: (axis, [a, b]) => (axis !== 2 ? undefined : [{ axis, range: bounds([...table.subarray(a, b)]) }]),
      lower: (e, [y], _axis, [a, b]) =>
        keepingInt8(e, y as string, (input) => {
          const rows = [...table.subarray(a, b)];
          const [lo, hi] = bounds(rows);
          return lowerNearest(e, gatherRows(e, input, rows, lo, hi - lo), [b - a, w], [b - a, outW]);
        }),
    };
    const doubling = outH === 2 * h && outW === 2 * w;
    const whole: Lower = (e, [a]) =>
      keepingInt8(e, a as string, (y) =>
        doubling
          ? keepingBlocked(
              e,
              y,
              c,
              (yb) => e.nchwcNode('Upsample', [yb], { scales: attr.ints([1, 1, 2, 2]), mode: attr.string('nearest') }),
              (plain) => lowerNearest(e, plain, [h, w], [outH, outW]),
            )
          : lowerNearest(e, y, [h, w], [outH, outW]),
      );
    return this.op([n, c, outH, outW], `nearest ${outH} ${outW}`, [x], whole, {
      band,
    });
  }

  concat(xs: readonly In[], axis: number): LazyValue {
    const first = xs[0] as In;
    const shape = first.shape.map((d, i) => (i === axis ? xs.reduce((s, x) => s + (x.shape[i] as number), 0) : d));
    const lower: Lower = (e, names) => single(e, 'Concat', names, { axis: attr.int(axis) });
    const band: BandRule = {
      need: (along, range) => {
        if (along !== axis) return xs.map((x): InputNeed => (x.shape.length !== shape.length ? 'whole' : { axis: along, range }));
        // Along the concatenated axis: the part of each input that falls in the band.
        let offset = 0;
        return xs.map((x): InputNeed => {
          const [start, end] = [offset, offset + (x.shape[axis] as number)];
          offset = end;
          const [a, b] = [Math.max(range[0], start), Math.min(range[1], end)];
          return a < b ? { axis, range: [a - start, b - start] } : 'none';
        });
      },
      lower: (e, names) => {
        const present = names.filter((n) => n !== '');
        return present.length === 1 ? single(e, 'Identity', present) : lower(e, present);
      },
    };
    return this.op(shape, `concat ${axis}`, xs, lower, { band });
  }

  spatialMean(x: In): LazyValue {
    const [n, c] = x.shape as [number, number];
    return this.op(
      [n, c, 1, 1],
      'mean',
      [x],
      (e, [a]) => single(e, 'ReduceMean', [a as string], { axes: attr.ints([2, 3]), keepdims: attr.int(1) }),
      { reduction: 'mean' },
    );
  }

  spatialVariance(x: In): LazyValue {
    const [n, c, h, w] = x.shape as [number, number, number, number];
    return this.op(
      [n, c, 1, 1],
      `var ${h * w}`,
      [x],
      (e, [a]) => {
        const mean = single(e, 'ReduceMean', [a as string], { axes: attr.ints([2, 3]), keepdims: attr.int(1) });
        const centred = single(e, 'Sub', [a as string, mean]);
        const squares = single(e, 'ReduceSumSquare', [centred], { axes: attr.ints([2, 3]), keepdims: attr.int(1) });
        // N − 1 = 0 gives 0/0 = NaN for a single position, as PyTorch.
        return single(e, 'Div', [squares, e.scalar(h * w - 1)]);
      },
      { reduction: 'variance' },
    );
  }

  matmul(a: In, b: In, transposeA: boolean, transposeB: boolean): LazyValue {
    const [ba, a1, a2] = a.shape as [number, number, number];
    const [bb, b1, b2] = b.shape as [number, number, number];
    const shape = [Math.max(ba, bb), transposeA ? a2 : a1, transposeB ? b1 : b2];
    const lower: Lower = (e, [x, y]) => {
      const t = (name: string, yes: boolean) => (yes ? single(e, 'Transpose', [name], { perm: attr.ints([0, 2, 1]) }) : name);
      return single(e, 'MatMul', [t(x as string, transposeA), t(y as string, transposeB)]);
    };
    // Rows of the product are rows of `a`: a band of them needs that band of `a` and all of `b`.
    const band: BandRule = {
      need: (axis, range) => (axis !== 1 || transposeA ? undefined : [{ axis, range }, 'whole']),
      lower: (e, names) => lower(e, names),
    };
    const cost = 2 * (shape[0] as number) * (shape[1] as number) * (shape[2] as number) * (transposeA ? a1 : a2);
    return this.op(shape, `matmul ${transposeA} ${transposeB}`, [a, b], lower, { band, cost });
  }

  softmax(x: In): LazyValue {
    const last = x.shape.length - 1;
    return this.rowOp(
      x.shape,
      'softmax',
      [x],
      (e, [a]) => single(e, 'Softmax', [a as string], { axis: attr.int(-1) }),
      (axis) => axis !== last,
    );
  }

  rowMax(x: In): LazyValue {
    const last = x.shape.length - 1;
    const shape = x.shape.map((d, i) => (i === last ? 1 : d));
    return this.rowOp(
      shape,
      'row-max',
      [x],
      (e, [a]) => rowMaxNode(e, a as string),
      (axis) => axis !== last,
    );
  }

  gather(x: In, indices: Int32Array, axis: number): LazyValue {
    const shape = x.shape.map((d, i) => (i === axis ? indices.length : d));
    const copy = indices.slice();
    const lower: Lower = (e, [a]) => single(e, 'Gather', [a as string, e.feedInt64(copy, [copy.length])], { axis: attr.int(axis) });
    const band: BandRule = {
      need: (along, range) =>
        along !== axis ? [{ axis: along, range }] : [{ axis, range: bounds([...copy.subarray(range[0], range[1])]) }],
      lower: (e, [a], along, [start, end]) => {
        if (along !== axis) return lower(e, [a as string]);
        const picked = copy.subarray(start, end);
        const lo = bounds([...picked])[0];
        return single(
          e,
          'Gather',
          [
            a as string,
            e.feedInt64(
              picked.map((i) => i - lo),
              [picked.length],
            ),
          ],
          { axis: attr.int(axis) },
        );
      },
    };
    return this.op(shape, `gather ${axis} ${indices.length}`, [x], lower, { band });
  }

  reshape(x: In, shape: Shape): LazyValue {
    const target = [...shape];
    return this.op(target, `reshape ${target.join(',')}`, [x], (e, [a]) => single(e, 'Reshape', [a as string, e.int64(target)]));
  }

  transpose(x: In, perm: readonly number[]): LazyValue {
    const p = [...perm];
    return this.op(
      p.map((i) => x.shape[i] as number),
      `transpose ${p.join(',')}`,
      [x],
      (e, [a]) => single(e, 'Transpose', [a as string], { perm: attr.ints(p) }),
    );
  }

  slice(x: In, begin: readonly number[], size: readonly number[]): LazyValue {
    const sliceExcept = (e: Emitter, input: string, skip: number): string => {
      const axes = begin.map((_, i) => i).filter((i) => i !== skip && (begin[i] !== 0 || size[i] !== x.shape[i]));
      if (axes.length === 0) return single(e, 'Identity', [input]);
      const starts = axes.map((i) => begin[i] as number);
      const ends = axes.map((i) => (begin[i] as number) + (size[i] as number));
      return single(e, 'Slice', [input, e.int64(starts), e.int64(ends), e.int64(axes)]);
    };
    const band: BandRule = {
      need: (axis, [a, b]) => [{ axis, range: [(begin[axis] as number) + a, (begin[axis] as number) + b] }],
      lower: (e, [input], axis) => sliceExcept(e, input as string, axis),
    };
    return this.op([...size], `slice ${begin.join(',')} ${size.join(',')}`, [x], (e, [a]) => sliceExcept(e, a as string, -1), { band });
  }

  toPositions(x: In): LazyValue {
    const [n, c, h, w] = x.shape as [number, number, number, number];
    const lower = (e: Emitter, input: string, rows: number): string =>
      single(e, 'Transpose', [single(e, 'Reshape', [input, e.int64([n, c, rows * w])])], { perm: attr.ints([0, 2, 1]) });
    const band: BandRule = {
      // Positions [a, b) lie on image rows ⌊a/W⌋ … ⌈b/W⌉ − 1.
      need: (axis, [a, b]) => (axis !== 1 ? undefined : [{ axis: 2, range: [Math.floor(a / w), Math.ceil(b / w)] }]),
      lower: (e, [input], _axis, [a, b]) => {
        const [lo, hi] = [Math.floor(a / w), Math.ceil(b / w)];
        const y = lower(e, input as string, hi - lo);
        const skip = a - lo * w;
        return skip === 0 && b - a === (hi - lo) * w ? y : single(e, 'Slice', [y, e.int64([skip]), e.int64([skip + b - a]), e.int64([1])]);
      },
    };
    return this.op([n, h * w, c], 'positions', [x], (e, [a]) => lower(e, a as string, h), { band });
  }

  fromPositions(x: In, height: number, width: number): LazyValue {
    const [n, , c] = x.shape as [number, number, number];
    const lower = (e: Emitter, input: string, rows: number): string =>
      single(e, 'Reshape', [single(e, 'Transpose', [input], { perm: attr.ints([0, 2, 1]) }), e.int64([n, c, rows, width])]);
    const band: BandRule = {
      need: (axis, [a, b]) => (axis !== 2 ? undefined : [{ axis: 1, range: [a * width, b * width] }]),
      lower: (e, [input], _axis, [a, b]) => lower(e, input as string, b - a),
    };
    return this.op([n, c, height, width], `image ${height} ${width}`, [x], (e, [a]) => lower(e, a as string, height), { band });
  }

  attentionStats(q: In, k: In, v: In, vSquared: In, mask: In | null, kind: AttentionKind): [LazyValue, LazyValue] {
    const [batch, n] = q.shape as [number, number];
    const c = v.shape[2] as number;
    const both = this.valuePair(v, vSquared);
    // Internal values: core never sees them, so they are not counted and never fetched on their own.
    // Two products (logits with the keys, weights with [V | V²]) and the softmax over the style positions.
    const [positions, keyChannels] = [k.shape[2] as number, k.shape[1] as number];
    const cost = batch * n * positions * (2 * keyChannels + 4 * c + 5);
    const products = hidden(
      (mask === null ? this.blockedAttention(q, k, both, kind, cost) : undefined) ?? this.composedAttention(q, k, both, mask, kind, cost),
    );
    const p = { handle: products, shape: products.shape };
    const m = this.rowOp([batch, n, c], `attention-mean ${c}`, [p], (e, [pn]) =>
      single(e, 'Slice', [pn as string, e.int64([0]), e.int64([c]), e.int64([2])]),
    );
    const s = this.rowOp([batch, n, c], `attention-std ${c}`, [p, { handle: m, shape: m.shape }], (e, [pn, mn]) => {
      const squares = single(e, 'Slice', [pn as string, e.int64([c]), e.int64([2 * c]), e.int64([2])]);
      const variance = single(e, 'Sub', [squares, single(e, 'Mul', [mn as string, mn as string])]);
      return single(e, 'Sqrt', [single(e, 'Relu', [variance])]);
    });
    return [m, s];
  }

  /** Logits, weights (guarded softmax, or cosine rows) and one product with [V | V²], as MatMuls. */
  private composedAttention(q: In, k: In, both: LazyValue, mask: In | null, kind: AttentionKind, cost: number): LazyValue {
    const inputs = [q, k, { handle: both, shape: both.shape }, ...(mask === null ? [] : [mask])];
    const lower: Lower = (e, [qn, kn, vn, mn]) => {
      const logits = single(e, 'MatMul', [qn as string, kn as string]);
      return single(e, 'MatMul', [kind === 'cosine' ? cosineWeights(e, logits, mn) : softmaxWeights(e, logits, mn), vn as string]);
    };
    const band: BandRule = {
      need: (axis, range) => (axis !== 1 ? undefined : [{ axis, range }, 'whole', 'whole', ...(mask === null ? [] : [{ axis, range }])]),
      lower: (e, names) => lower(e, names),
    };
    const shape = [q.shape[0] as number, q.shape[1] as number, both.shape[2] as number];
    return record(shape, `attention ${kind} ${mask !== null}`, inputs, lower, { band, cost }, this.cell);
  }

  /**
   * The unmasked attention on ONNX Runtime's blocked kernels (lowerBlockedAttention), where the runtime has
   * them and the channels fill whole blocks; undefined otherwise. The filters are values of their own, made
   * once per style and shared by every chunk and band.
   */
  private blockedAttention(q: In, k: In, both: LazyValue, kind: AttentionKind, cost: number): LazyValue | undefined {
    const b = this.executor.blockSize;
    const [batch, n, keyChannels] = q.shape as [number, number, number];
    const [positions, valueWidth] = [k.shape[2] as number, both.shape[2] as number];
    if (b <= 1 || batch !== 1 || keyChannels % b !== 0 || valueWidth % b !== 0) return undefined;
    const shape: BlockedAttentionShape = { kind, keyChannels, positions, paddedPositions: Math.ceil(positions / b) * b, valueWidth, b };
    const keys = this.filterOf(this.keyFilters, k.handle, () =>
      record(
        [shape.paddedPositions, keyChannels, 1, 1],
        `key-filter ${b}`,
        [k],
        (e, [kn]) => lowerKeyFilter(e, kn as string, shape),
        {},
        this.cell,
      ),
    );
    const values = this.filterOf(this.valueFilters, both, () =>
      record(
        [valueWidth + b, shape.paddedPositions, 1, 1],
        `value-filter ${b}`,
        [{ handle: both, shape: both.shape }],
        (e, [vn]) => lowerValueFilter(e, vn as string, shape),
        {},
        this.cell,
      ),
    );
    const inputs = [q, { handle: keys, shape: keys.shape }, { handle: values, shape: values.shape }];
    const band: BandRule = {
      need: (axis, range) => (axis !== 1 ? undefined : [{ axis, range }, 'whole', 'whole']),
      lower: (e, [qn, kn, vn], _axis, [lo, hi]) => lowerBlockedAttention(e, qn as string, kn as string, vn as string, hi - lo, shape),
    };
    // The whole operation is its one band of all n rows.
    const lower: Lower = (e, names) => band.lower(e, names, 1, [0, n]);
    return record([1, n, valueWidth], `attention ${kind} blocked ${b}`, inputs, lower, { band, cost }, this.cell);
  }

  private filterOf(cache: WeakMap<LazyValue, LazyValue>, source: LazyValue, make: () => LazyValue): LazyValue {
    let filter = cache.get(source);
    if (filter === undefined) cache.set(source, (filter = hidden(make())));
    return filter;
  }

  private valuePair(v: In, vSquared: In): LazyValue {
    const cached = this.valuePairs.get(v.handle);
    if (cached !== undefined && cached.vSquared === vSquared.handle) return cached.both;
    const [batch, ns, c] = v.shape as [number, number, number];
    const both = hidden(
      record(
        [batch, ns, 2 * c],
        'value-pair',
        [v, vSquared],
        (e, names) => single(e, 'Concat', names, { axis: attr.int(2) }),
        {},
        this.cell,
      ),
    );
    this.valuePairs.set(v.handle, { vSquared: vSquared.handle, both });
    return both;
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
