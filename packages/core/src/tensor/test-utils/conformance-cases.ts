/**
 * Op conformance cases as data: inputs, attributes and hand-computed expectations (the tricky ones checked
 * against PyTorch 1.13 `F.interpolate`, `F.max_pool2d(ceil_mode=True)` and `F.pad(mode='reflect')`).
 * Every backend runs all of them (conformance-runner.ts); any other producer (tools/reference) can emit
 * the same shape of data.
 */
import type { HostTensor } from '../types.js';

export type OpName =
  | 'conv2d'
  | 'relu'
  | 'sqrt'
  | 'add'
  | 'sub'
  | 'mul'
  | 'div'
  | 'affine'
  | 'maxPool2x2Ceil'
  | 'reflectPad'
  | 'resizeNearest'
  | 'concat'
  | 'spatialMean'
  | 'spatialVariance'
  | 'matmul'
  | 'softmax'
  | 'rowMax'
  | 'gather'
  | 'reshape'
  | 'transpose'
  | 'slice'
  | 'toPositions'
  | 'fromPositions'
  | 'attentionStats'
  | 'mvn';

export interface OpCase {
  readonly name: string;
  readonly op: OpName;
  readonly inputs: readonly HostTensor[];
  readonly attrs?: Readonly<Record<string, unknown>>;
  /** One tensor, or several for ops with several outputs. NaN expects NaN. */
  readonly expected: HostTensor | readonly HostTensor[];
  /** Absolute and relative tolerance (default 1e-5). */
  readonly tolerance?: number;
}

export function t(shape: readonly number[], data: readonly number[]): HostTensor {
  return { shape, data: Float32Array.from(data) };
}

/** 0, 1, 2, … in the given shape (plus `start`). */
export function range(shape: readonly number[], start = 0): HostTensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return { shape, data: Float32Array.from({ length: n }, (_, i) => i + start) };
}

const LN2 = Math.log(2);
const LN3 = Math.log(3);
const E2 = Math.exp(2);

export const OP_CASES: readonly OpCase[] = [
  // conv2d: out[y][x] = x[y][x] + x[y+1][x+1] + 0.5
  {
    name: 'conv2d 2×2 diagonal filter with bias',
    op: 'conv2d',
    inputs: [range([1, 1, 3, 3], 1), t([1, 1, 2, 2], [1, 0, 0, 1]), t([1], [0.5])],
    attrs: { relu: false },
    expected: t([1, 1, 2, 2], [6.5, 8.5, 12.5, 14.5]),
  },
  // 1×1 conv mixing channels: o0 = c0 + c1, o1 = c0 − c1 + 1
  {
    name: 'conv2d 1×1 channel mixing',
    op: 'conv2d',
    inputs: [t([1, 2, 2, 2], [1, 2, 3, 4, 5, 6, 7, 8]), t([2, 2, 1, 1], [1, 1, 1, -1]), t([2], [0, 1])],
    attrs: { relu: false },
    expected: t([1, 2, 2, 2], [6, 8, 10, 12, -3, -3, -3, -3]),
  },
  {
    name: 'conv2d with fused relu',
    op: 'conv2d',
    inputs: [t([1, 2, 2, 2], [1, 2, 3, 4, 5, 6, 7, 8]), t([2, 2, 1, 1], [1, 1, 1, -1]), t([2], [0, 1])],
    attrs: { relu: true },
    expected: t([1, 2, 2, 2], [6, 8, 10, 12, 0, 0, 0, 0]),
  },
  {
    name: 'conv2d without bias, batch 2',
    op: 'conv2d',
    inputs: [t([2, 1, 1, 3], [1, 2, 3, 10, 20, 30]), t([1, 1, 1, 2], [1, -1])],
    attrs: { relu: false, bias: false },
    expected: t([2, 1, 1, 2], [-1, -1, -10, -10]),
  },
  { name: 'relu', op: 'relu', inputs: [t([4], [-1, 0, 2, -3.5])], expected: t([4], [0, 0, 2, 0]) },
  { name: 'sqrt', op: 'sqrt', inputs: [t([1, 1, 2, 2], [0, 1, 4, 9])], expected: t([1, 1, 2, 2], [0, 1, 2, 3]) },
  {
    name: 'add broadcasting a per-channel [1,C,1,1] term',
    op: 'add',
    inputs: [range([1, 2, 2, 2]), t([1, 2, 1, 1], [10, 20])],
    expected: t([1, 2, 2, 2], [10, 11, 12, 13, 24, 25, 26, 27]),
  },
  {
    name: 'sub broadcasting along rows (rank 3)',
    op: 'sub',
    inputs: [range([1, 2, 3]), t([1, 1, 3], [1, 1, 1])],
    expected: t([1, 2, 3], [-1, 0, 1, 2, 3, 4]),
  },
  {
    name: 'mul broadcasting over H (rank 4)',
    op: 'mul',
    inputs: [range([1, 1, 2, 3]), t([1, 1, 2, 1], [2, -1])],
    expected: t([1, 1, 2, 3], [0, 2, 4, -3, -4, -5]),
  },
  {
    name: 'div broadcasting both operands',
    op: 'div',
    inputs: [t([1, 2, 1, 1], [2, 4]), t([1, 1, 1, 2], [1, 2])],
    expected: t([1, 2, 1, 2], [2, 1, 4, 2]),
  },
  { name: 'affine', op: 'affine', inputs: [t([2], [1, 2])], attrs: { scale: 2, offset: 1 }, expected: t([2], [3, 5]) },
  {
    name: 'maxPool ceil mode, 3×3',
    op: 'maxPool2x2Ceil',
    inputs: [range([1, 1, 3, 3], 1)],
    expected: t([1, 1, 2, 2], [5, 6, 8, 9]),
  },
  {
    name: 'maxPool ceil mode, 3×5 (PyTorch)',
    op: 'maxPool2x2Ceil',
    inputs: [range([1, 1, 3, 5])],
    expected: t([1, 1, 2, 3], [6, 8, 9, 11, 13, 14]),
  },
  {
    name: 'maxPool ceil mode pads with −∞, not 0 (all-negative input)',
    op: 'maxPool2x2Ceil',
    inputs: [t([1, 1, 1, 3], [-3, -1, -2])],
    expected: t([1, 1, 1, 2], [-1, -2]),
  },
  {
    name: 'maxPool over channels and batch',
    op: 'maxPool2x2Ceil',
    inputs: [t([2, 2, 2, 2], [1, 5, 2, 3, -1, -2, -3, -4, 0, 0, 0, 7, 9, 8, 8, 8])],
    expected: t([2, 2, 1, 1], [5, -1, 7, 9]),
  },
  {
    name: 'reflectPad 1 on all sides',
    op: 'reflectPad',
    inputs: [range([1, 1, 3, 3], 1)],
    attrs: { pads: [1, 1, 1, 1] },
    expected: t([1, 1, 5, 5], [5, 4, 5, 6, 5, 2, 1, 2, 3, 2, 5, 4, 5, 6, 5, 8, 7, 8, 9, 8, 5, 4, 5, 6, 5]),
  },
  {
    name: 'reflectPad asymmetric [top 2, right 1] (PyTorch)',
    op: 'reflectPad',
    inputs: [range([1, 1, 3, 2], 1)],
    attrs: { pads: [2, 0, 0, 1] },
    expected: t([1, 1, 5, 3], [5, 6, 5, 3, 4, 3, 1, 2, 1, 3, 4, 3, 5, 6, 5]),
  },
  {
    name: 'reflectPad keeps channels apart',
    op: 'reflectPad',
    inputs: [t([1, 2, 1, 2], [1, 2, 3, 4])],
    attrs: { pads: [0, 0, 1, 1] },
    expected: t([1, 2, 1, 4], [2, 1, 2, 1, 4, 3, 4, 3]),
  },
  {
    name: 'nearest 3 → 5 (src = floor(dst·0.6))',
    op: 'resizeNearest',
    inputs: [t([1, 1, 1, 3], [10, 20, 30])],
    attrs: { size: [1, 5] },
    expected: t([1, 1, 1, 5], [10, 10, 20, 20, 30]),
  },
  {
    name: 'nearest 5 → 3',
    op: 'resizeNearest',
    inputs: [range([1, 1, 1, 5])],
    attrs: { size: [1, 3] },
    expected: t([1, 1, 1, 3], [0, 1, 3]),
  },
  {
    name: 'nearest 2 → 82 rounds like PyTorch in float32 (dst 41 ↦ 0)',
    op: 'resizeNearest',
    inputs: [t([1, 1, 1, 2], [10, 20])],
    attrs: { size: [1, 82] },
    expected: t([1, 1, 1, 82], [...Array<number>(42).fill(10), ...Array<number>(40).fill(20)]),
  },
  {
    name: 'nearest 3×4 → 2×3',
    op: 'resizeNearest',
    inputs: [range([1, 1, 3, 4])],
    attrs: { size: [2, 3] },
    expected: t([1, 1, 2, 3], [0, 1, 2, 4, 5, 6]),
  },
  {
    name: 'nearest along H with two channels (PyTorch)',
    op: 'resizeNearest',
    inputs: [range([1, 2, 3, 1])],
    attrs: { size: [5, 1] },
    expected: t([1, 2, 5, 1], [0, 0, 1, 1, 2, 3, 3, 4, 4, 5]),
  },
  {
    name: 'nearest ×2',
    op: 'resizeNearest',
    inputs: [t([1, 1, 2, 2], [1, 2, 3, 4])],
    attrs: { size: [4, 4] },
    expected: t([1, 1, 4, 4], [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]),
  },
  {
    name: 'concat channels',
    op: 'concat',
    inputs: [t([1, 1, 1, 2], [1, 2]), t([1, 2, 1, 2], [3, 4, 5, 6])],
    attrs: { axis: 1 },
    expected: t([1, 3, 1, 2], [1, 2, 3, 4, 5, 6]),
  },
  {
    name: 'concat width',
    op: 'concat',
    inputs: [t([1, 1, 2, 1], [1, 2]), t([1, 1, 2, 2], [3, 4, 5, 6])],
    attrs: { axis: 3 },
    expected: t([1, 1, 2, 3], [1, 3, 4, 2, 5, 6]),
  },
  {
    name: 'concat height',
    op: 'concat',
    inputs: [t([1, 1, 1, 2], [1, 2]), t([1, 1, 1, 2], [3, 4])],
    attrs: { axis: 2 },
    expected: t([1, 1, 2, 2], [1, 2, 3, 4]),
  },
  {
    name: 'concat rank 3 rows',
    op: 'concat',
    inputs: [t([1, 1, 2], [1, 2]), t([1, 2, 2], [3, 4, 5, 6])],
    attrs: { axis: 1 },
    expected: t([1, 3, 2], [1, 2, 3, 4, 5, 6]),
  },
  {
    name: 'spatial mean',
    op: 'spatialMean',
    inputs: [t([2, 2, 2, 2], [1, 2, 3, 4, 2, 2, 2, 2, -1, 1, -1, 1, 0, 0, 0, 8])],
    expected: t([2, 2, 1, 1], [2.5, 2, 0, 2]),
  },
  {
    name: 'spatial variance is unbiased (N − 1)',
    op: 'spatialVariance',
    inputs: [t([2, 2, 2, 2], [1, 2, 3, 4, 2, 2, 2, 2, -1, 1, -1, 1, 0, 0, 0, 8])],
    expected: t([2, 2, 1, 1], [5 / 3, 0, 4 / 3, 16]),
  },
  {
    name: 'spatial variance of one position is NaN (as PyTorch)',
    op: 'spatialVariance',
    inputs: [t([1, 1, 1, 1], [3])],
    expected: t([1, 1, 1, 1], [NaN]),
  },
  {
    name: 'matmul',
    op: 'matmul',
    inputs: [t([1, 2, 3], [1, 2, 3, 4, 5, 6]), t([1, 3, 2], [1, 0, 0, 1, 1, 1])],
    expected: t([1, 2, 2], [4, 5, 10, 11]),
  },
  {
    name: 'matmul with both transposes',
    op: 'matmul',
    inputs: [t([1, 3, 2], [1, 4, 2, 5, 3, 6]), t([1, 2, 3], [1, 0, 1, 0, 1, 1])],
    attrs: { transposeA: true, transposeB: true },
    expected: t([1, 2, 2], [4, 5, 10, 11]),
  },
  {
    name: 'matmul broadcasts a batch of 1',
    op: 'matmul',
    inputs: [t([2, 1, 2], [1, 2, 3, 4]), t([1, 2, 1], [10, 1])],
    expected: t([2, 1, 1], [12, 34]),
  },
  {
    name: 'softmax over the last axis',
    op: 'softmax',
    inputs: [t([2, 3], [0, LN2, LN3, 5, 5, 5])],
    expected: t([2, 3], [1 / 6, 1 / 3, 1 / 2, 1 / 3, 1 / 3, 1 / 3]),
  },
  {
    name: 'softmax is stable for large logits',
    op: 'softmax',
    inputs: [t([1, 1, 2], [1000, 1000 + LN3])],
    expected: t([1, 1, 2], [0.25, 0.75]),
  },
  {
    name: 'softmax with a −1e15 masked logit',
    op: 'softmax',
    inputs: [t([1, 3], [1, -1e15 + 2, 3])],
    expected: t([1, 3], [1 / (1 + E2), 0, E2 / (1 + E2)]),
  },
  {
    name: 'softmax of rank 4 runs over W',
    op: 'softmax',
    inputs: [t([1, 2, 1, 2], [0, LN3, LN3, 0])],
    expected: t([1, 2, 1, 2], [0.25, 0.75, 0.75, 0.25]),
  },
  {
    name: 'rowMax over the last axis',
    op: 'rowMax',
    inputs: [t([1, 2, 3], [-5, 0, -7, 1, -1e15, 2])],
    expected: t([1, 2, 1], [0, 2]),
  },
  {
    name: 'rowMax of rank 4 runs over W',
    op: 'rowMax',
    inputs: [range([1, 2, 2, 3])],
    expected: t([1, 2, 2, 1], [2, 5, 8, 11]),
  },
  {
    name: 'gather rows',
    op: 'gather',
    inputs: [range([1, 4, 2])],
    attrs: { indices: [3, 0, 3], axis: 1 },
    expected: t([1, 3, 2], [6, 7, 0, 1, 6, 7]),
  },
  {
    name: 'gather width of rank 4',
    op: 'gather',
    inputs: [range([1, 2, 1, 3])],
    attrs: { indices: [2, 0], axis: 3 },
    expected: t([1, 2, 1, 2], [2, 0, 5, 3]),
  },
  {
    name: 'gather channels of rank 4',
    op: 'gather',
    inputs: [range([1, 3, 1, 2])],
    attrs: { indices: [1], axis: 1 },
    expected: t([1, 1, 1, 2], [2, 3]),
  },
  {
    name: 'reshape rank 4 → 3 keeps NCHW order',
    op: 'reshape',
    inputs: [range([1, 2, 2, 2])],
    attrs: { shape: [1, 2, 4] },
    expected: range([1, 2, 4]),
  },
  {
    name: 'reshape rank 2 → 4',
    op: 'reshape',
    inputs: [range([2, 4])],
    attrs: { shape: [1, 2, 2, 2] },
    expected: range([1, 2, 2, 2]),
  },
  {
    name: 'transpose rank 4 NCHW → NHWC',
    op: 'transpose',
    inputs: [range([1, 2, 2, 2])],
    attrs: { perm: [0, 2, 3, 1] },
    expected: t([1, 2, 2, 2], [0, 4, 1, 5, 2, 6, 3, 7]),
  },
  {
    name: 'transpose rank 4 swapping H and W',
    op: 'transpose',
    inputs: [range([1, 1, 2, 3])],
    attrs: { perm: [0, 1, 3, 2] },
    expected: t([1, 1, 3, 2], [0, 3, 1, 4, 2, 5]),
  },
  {
    name: 'transpose rank 3',
    op: 'transpose',
    inputs: [range([1, 2, 3])],
    attrs: { perm: [0, 2, 1] },
    expected: t([1, 3, 2], [0, 3, 1, 4, 2, 5]),
  },
  {
    name: 'slice rank 4',
    op: 'slice',
    inputs: [range([1, 2, 3, 2])],
    attrs: { begin: [0, 1, 1, 1], size: [1, 1, 2, 1] },
    expected: t([1, 1, 2, 1], [9, 11]),
  },
  {
    name: 'slice rank 3 rows',
    op: 'slice',
    inputs: [range([1, 4, 2])],
    attrs: { begin: [0, 1, 0], size: [1, 2, 2] },
    expected: t([1, 2, 2], [2, 3, 4, 5]),
  },
  {
    name: 'toPositions: [N,C,H,W] → [N,H·W,C]',
    op: 'toPositions',
    inputs: [range([1, 2, 2, 2])],
    expected: t([1, 4, 2], [0, 4, 1, 5, 2, 6, 3, 7]),
  },
  {
    name: 'fromPositions: [N,H·W,C] → [N,C,H,W]',
    op: 'fromPositions',
    inputs: [t([1, 4, 2], [0, 4, 1, 5, 2, 6, 3, 7])],
    attrs: { height: 2, width: 2 },
    expected: range([1, 2, 2, 2]),
  },
  // Attention statistics (k is [B,Ck,Ns]): equal logits → A = [½, ½]; V = [1, 3] → M = 2, E[V²] = 5, S = sqrt(5 − 4) = 1.
  {
    name: 'attentionStats, uniform attention',
    op: 'attentionStats',
    inputs: [t([1, 1, 2], [1, 0]), t([1, 2, 2], [0, 0, 1, 1]), t([1, 2, 1], [1, 3])],
    expected: [t([1, 1, 1], [2]), t([1, 1, 1], [1])],
  },
  // logits [ln 3, 0] → A = [¾, ¼]: M = 1.5, E[V²] = 3, S = sqrt(0.75).
  {
    name: 'attentionStats, weighted attention over two value channels',
    op: 'attentionStats',
    inputs: [t([1, 1, 2], [LN3, 0]), t([1, 2, 2], [1, 0, 0, 1]), t([1, 2, 2], [1, 0, 3, 0])],
    expected: [t([1, 1, 2], [1.5, 0]), t([1, 1, 2], [Math.sqrt(0.75), 0])],
  },
  // A −1e15 mask on style position 1 leaves A = [1, 0]: M = 1, S = 0.
  {
    name: 'attentionStats with an additive mask',
    op: 'attentionStats',
    inputs: [t([1, 1, 2], [1, 0]), t([1, 2, 2], [0, 0, 1, 1]), t([1, 2, 1], [1, 3]), t([1, 1, 2], [0, -1e15])],
    expected: [t([1, 1, 1], [1]), t([1, 1, 1], [0])],
  },
  // mvn: mean 2.5, unbiased var 5/3, + 1e-5.
  {
    name: 'mvn uses unbiased variance + 1e-5',
    op: 'mvn',
    inputs: [t([1, 1, 2, 2], [1, 2, 3, 4])],
    expected: t(
      [1, 1, 2, 2],
      [-1.5, -0.5, 0.5, 1.5].map((v) => v / Math.sqrt(5 / 3 + 1e-5)),
    ),
  },
];
