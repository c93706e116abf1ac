/**
 * The primitives a runtime implements to run the model: the whole contract between core and a backend.
 *
 * Semantics are NCHW and row-major whatever the runtime keeps internally (tfjs keeps rank-4 data NHWC; an
 * ONNX recorder keeps graph value names). Core validates operands and computes output shapes before it
 * calls a kernel, so a kernel may assume well-formed inputs. A kernel returns a new handle and never
 * consumes its inputs; core owns every handle's lifetime and calls `dispose` exactly once.
 *
 * Optional members have a default that core composes from the required ones; a backend supplies them
 * only where it has something faster (the kernel-registry idea of tfjs, reduced to optional methods).
 */
import type { Shape } from './types.js';

/** How attention logits become weights (ops/attention-stats.ts): a softmax, or the video model's cosine rows. */
export type AttentionKind = 'softmax' | 'cosine';

/**
 * What a read may be told by the call it serves: a graph runtime does the call's work in `read`, so it
 * checks the signal and reports progress there (between pieces of work it can run separately).
 */
export interface ReadControl {
  /** Checked between pieces of work; the read rejects with an AbortError when it has fired. */
  readonly signal?: AbortSignal;
  /**
   * After each piece: `done` is the completed share of the read's work in (0, 1] (1 only when all is
   * done), `label` the `mark` label of the last operation completed, if any.
   */
  readonly onProgress?: (done: number, label: string | undefined) => void;
}

/** An operand: the backend's handle plus the shape core tracks for it. */
export interface KernelInput<H> {
  readonly handle: H;
  readonly shape: Shape;
}

/** [top, bottom, left, right] */
export type Pads = readonly [number, number, number, number];

export type BinaryOp = 'add' | 'sub' | 'mul' | 'div';

/**
 * What an int8 convolution needs to know ahead of time (static quantization): the range of its input and of
 * its output (after the ReLU when it has one), calibrated on sample images. Each range holds 0.
 */
export interface ConvInt8Ranges {
  readonly input: readonly [min: number, max: number];
  readonly output: readonly [min: number, max: number];
}

export interface Kernels<H = unknown> {
  /** Shown in errors and by `Backend.name`, e.g. 'tfjs-wasm'. */
  readonly name: string;

  upload(data: Float32Array, shape: Shape): H;
  /** The values, NCHW row-major; the returned array belongs to the caller. */
  read(x: KernelInput<H>, control?: ReadControl): Promise<Float32Array>;
  /**
   * True when kernels only record and the work happens in `read` (ONNX Runtime): progress then comes from
   * reads (`ReadControl.onProgress`), not from the model's steps. Default: false (kernels compute).
   */
  readonly deferred?: boolean;
  /** Labels the operations recorded since the previous mark (a deferred runtime reports them as progress). */
  mark?(label: string): void;
  dispose(handle: H): void;

  /**
   * x [N,I,H,W] ⊛ w [O,I,kh,kw] + bias [O]; stride 1, no padding (padding is `reflectPad`); ReLU fused when asked.
   * With `int8` (given only where `int8Convolutions` is true) the kernel may compute in 8-bit integers,
   * clamping its input and output to those ranges.
   */
  conv2d(x: KernelInput<H>, w: KernelInput<H>, bias: KernelInput<H> | null, relu: boolean, int8?: ConvInt8Ranges): H;
  /** True when `conv2d` computes in int8 given ranges (ONNX Runtime's QLinearConv). Default: false. */
  readonly int8Convolutions?: boolean;
  relu(x: KernelInput<H>): H;
  sqrt(x: KernelInput<H>): H;
  /** Elementwise with broadcasting between operands of equal rank (a dimension of 1 stretches). */
  binary(op: BinaryOp, a: KernelInput<H>, b: KernelInput<H>): H;
  /** x · scale + offset, elementwise. */
  affine(x: KernelInput<H>, scale: number, offset: number): H;
  /** 2×2 max-pool, stride 2, ceil_mode=True (odd edges pool over the one remaining row/column). */
  maxPool2x2Ceil(x: KernelInput<H>): H;
  /** Reflection padding of the two spatial axes of a rank-4 tensor; each pad is smaller than its axis. */
  reflectPad(x: KernelInput<H>, pads: Pads): H;
  /**
   * PyTorch `interpolate(mode='nearest')`: source index = min(floor(f32(dst · f32(in / out))), in − 1), computed
   * in float32 exactly as PyTorch does. `nearestSourceIndices` gives the table.
   */
  resizeNearest(x: KernelInput<H>, outH: number, outW: number): H;
  concat(xs: readonly KernelInput<H>[], axis: number): H;
  /** Spatial mean per sample and channel: [N,C,H,W] → [N,C,1,1]. */
  spatialMean(x: KernelInput<H>): H;
  /** Unbiased (N − 1) spatial variance per sample and channel: [N,C,H,W] → [N,C,1,1]. */
  spatialVariance(x: KernelInput<H>): H;
  /** Batched [B,M,K]·[B,K,N] (after the optional transposes of the last two axes); a batch of 1 broadcasts. */
  matmul(a: KernelInput<H>, b: KernelInput<H>, transposeA: boolean, transposeB: boolean): H;
  /** Softmax over the last axis. */
  softmax(x: KernelInput<H>): H;
  /** Maximum over the last axis, kept as an axis of 1: [..., N] → [..., 1]. */
  rowMax(x: KernelInput<H>): H;
  /** Selects `indices` along `axis`. */
  gather(x: KernelInput<H>, indices: Int32Array, axis: number): H;
  reshape(x: KernelInput<H>, shape: Shape): H;
  transpose(x: KernelInput<H>, perm: readonly number[]): H;
  slice(x: KernelInput<H>, begin: readonly number[], size: readonly number[]): H;

  /** [N,C,H,W] → [N,H·W,C] (positions as rows). Default: reshape + transpose. */
  toPositions?(x: KernelInput<H>): H;
  /** [N,H·W,C] → [N,C,H,W]. Default: transpose + reshape. */
  fromPositions?(x: KernelInput<H>, height: number, width: number): H;
  /**
   * Fused attention statistics for a chunk of queries, of either kind (see ops/attention-stats.ts for the
   * contract and the default composition): returns [mean, std], each [B,n,C].
   */
  attentionStats?(
    q: KernelInput<H>,
    k: KernelInput<H>,
    v: KernelInput<H>,
    vSquared: KernelInput<H>,
    mask: KernelInput<H> | null,
    kind: AttentionKind,
  ): [H, H];

  /**
   * Told when core exempts a tensor from scopes (`Backend.keep`: the model's weights). A hint that it will
   * be reused across calls; a graph-building runtime may embed it as a constant. Default: nothing.
   */
  keep?(x: KernelInput<H>): void;

  /** The runtime's own count of live buffers, when it keeps one (leak tests compare it too). */
  liveHandles?(): number;
}
