/**
 * `Backend`: the tensor interface model code is written against.
 *
 * It wraps a runtime's `Kernels`, checks operands (so every runtime reports the same, readable errors),
 * computes output shapes, tracks tensors for `scope()`/`keep()` and counts live tensors for leak tests.
 * Make one with `createBackend(kernels)`; runtimes do that for you (`createTfjsBackend`, `createReferenceBackend`).
 */
import { DisposedError, InvalidArgumentError } from '../errors.js';
import type { AttentionKind, BinaryOp, ConvInt8Ranges, KernelInput, Kernels, Pads, ReadControl } from './kernels.js';
import { ScopeStack } from './scope.js';
import { Tensor, type TensorOwner } from './tensor.js';
import type { HostTensor, Shape } from './types.js';
import { formatShape, sizeOf } from './types.js';

export interface MemoryInfo {
  /** Tensors made by this backend and not yet disposed. */
  readonly tensors: number;
  /** The runtime's own count of live buffers when it has one (for tfjs: engine-wide, all callers). */
  readonly handles: number | undefined;
}

/** Throws an InvalidArgumentError whose message is built only on failure. */
function check(condition: boolean, message: () => string): asserts condition {
  if (!condition) throw new InvalidArgumentError(message());
}

function isCount(n: number): boolean {
  return Number.isInteger(n) && n >= 0;
}

export class Backend implements TensorOwner {
  private readonly kernels: Kernels<unknown>;
  private readonly scopes = new ScopeStack();
  private live = 0;

  /** @internal Use `createBackend`. */
  constructor(kernels: Kernels<unknown>) {
    this.kernels = kernels;
  }

  get name(): string {
    return this.kernels.name;
  }

  // --- lifetimes --------------------------------------------------------------------------------------

  /**
   * Runs `fn` and frees every tensor made inside it except those it returns and those `keep()`-ed, even if
   * it throws. `fn` must be synchronous.
   */
  scope<T>(fn: () => T): T {
    return this.scopes.run(fn);
  }

  /** Exempts `tensor` from every enclosing scope; the caller disposes it. */
  keep<T extends Tensor>(tensor: T): T {
    const input = this.own(tensor, 'keep');
    if (!tensor.kept) this.kernels.keep?.(input);
    tensor.kept = true;
    return tensor;
  }

  memory(): MemoryInfo {
    return { tensors: this.live, handles: this.kernels.liveHandles?.() };
  }

  /** @internal Called by `Tensor.dispose`. */
  release(tensor: Tensor): void {
    this.live--;
    this.kernels.dispose(tensor.handle);
  }

  private wrap(handle: unknown, shape: Shape): Tensor {
    const t = new Tensor(this, handle, shape);
    this.live++;
    this.scopes.track(t);
    return t;
  }

  private own(t: Tensor, op: string): KernelInput<unknown> {
    if (!(t instanceof Tensor)) throw new InvalidArgumentError(`${op}: expected a Tensor, got ${typeof t}`);
    if (t.owner !== this) throw new InvalidArgumentError(`${op}: the tensor belongs to backend '${t.owner.name}', not '${this.name}'`);
    if (t.isDisposed) throw new DisposedError(`${op}: tensor of shape ${formatShape(t.shape)} was already disposed`);
    return t;
  }

  private rank(t: Tensor, rank: number, op: string, arg: string): KernelInput<unknown> {
    const input = this.own(t, op);
    check(t.rank === rank, () => `${op}: '${arg}' must have rank ${rank}, got shape ${formatShape(t.shape)}`);
    return input;
  }

  // --- data in and out --------------------------------------------------------------------------------

  upload(data: Float32Array, shape: Shape): Tensor {
    check(shape.every(isCount), () => `upload: shape ${formatShape(shape)} must hold non-negative integers`);
    check(
      data.length === sizeOf(shape),
      () => `upload: ${data.length} values do not fill shape ${formatShape(shape)} (${sizeOf(shape)} values)`,
    );
    return this.wrap(this.kernels.upload(data, shape), shape);
  }

  fromHost(host: HostTensor): Tensor {
    return this.upload(host.data, host.shape);
  }

  /** The values, NCHW row-major, in a new array. `control`: see ReadControl (used by deferred runtimes). */
  read(t: Tensor, control?: ReadControl): Promise<Float32Array> {
    try {
      return this.kernels.read(this.own(t, 'read'), control);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  async readHost(t: Tensor, control?: ReadControl): Promise<HostTensor> {
    const shape = t.shape;
    return { shape, data: await this.read(t, control) };
  }

  /** True when operations only record and run when a value is read (see `Kernels.deferred`). */
  get deferred(): boolean {
    return this.kernels.deferred === true;
  }

  /** Labels the operations recorded since the previous mark (progress of deferred runtimes). */
  mark(label: string): void {
    this.kernels.mark?.(label);
  }

  // --- primitives ---------------------------------------------------------------------------------------

  /** x [N,I,H,W], w [O,I,kh,kw], bias [O] or null; stride 1, no padding; ReLU fused when `relu`. */
  /** True when `conv2d` can compute in int8 (see `Kernels.int8Convolutions`). */
  get int8Convolutions(): boolean {
    return this.kernels.int8Convolutions === true;
  }

  /** `int8`: compute in 8-bit integers within these ranges, where the backend can (else ignored; see `int8Convolutions`). */
  conv2d(x: Tensor, w: Tensor, bias: Tensor | null, relu = false, int8?: ConvInt8Ranges): Tensor {
    const xi = this.rank(x, 4, 'conv2d', 'x');
    const wi = this.rank(w, 4, 'conv2d', 'w');
    const [n, c, h, wd] = x.shape as [number, number, number, number];
    const [o, i, kh, kw] = w.shape as [number, number, number, number];
    check(c === i, () => `conv2d: input has ${c} channels but the filter ${formatShape(w.shape)} expects ${i}`);
    check(h >= kh && wd >= kw, () => `conv2d: input ${formatShape(x.shape)} is smaller than the ${kh}×${kw} filter`);
    let bi: KernelInput<unknown> | null = null;
    if (bias !== null) {
      bi = this.rank(bias, 1, 'conv2d', 'bias');
      check(bias.shape[0] === o, () => `conv2d: bias ${formatShape(bias.shape)} does not match ${o} output channels`);
    }
    const quantized = int8 !== undefined && this.int8Convolutions ? int8 : undefined;
    return this.wrap(this.kernels.conv2d(xi, wi, bi, relu, quantized), [n, o, h - kh + 1, wd - kw + 1]);
  }

  relu(x: Tensor): Tensor {
    return this.wrap(this.kernels.relu(this.own(x, 'relu')), x.shape);
  }

  sqrt(x: Tensor): Tensor {
    return this.wrap(this.kernels.sqrt(this.own(x, 'sqrt')), x.shape);
  }

  add(a: Tensor, b: Tensor): Tensor {
    return this.binary('add', a, b);
  }

  sub(a: Tensor, b: Tensor): Tensor {
    return this.binary('sub', a, b);
  }

  mul(a: Tensor, b: Tensor): Tensor {
    return this.binary('mul', a, b);
  }

  div(a: Tensor, b: Tensor): Tensor {
    return this.binary('div', a, b);
  }

  /** x · scale + offset. */
  affine(x: Tensor, scale: number, offset = 0): Tensor {
    check(Number.isFinite(scale) && Number.isFinite(offset), () => `affine: scale ${scale} and offset ${offset} must be finite`);
    return this.wrap(this.kernels.affine(this.own(x, 'affine'), scale, offset), x.shape);
  }

  private binary(op: BinaryOp, a: Tensor, b: Tensor): Tensor {
    const ai = this.own(a, op);
    const bi = this.own(b, op);
    check(a.rank === b.rank, () => `${op}: operands must have equal rank, got ${formatShape(a.shape)} and ${formatShape(b.shape)}`);
    const shape = a.shape.map((d, i) => {
      const e = b.shape[i] as number;
      check(
        d === e || d === 1 || e === 1,
        () => `${op}: shapes ${formatShape(a.shape)} and ${formatShape(b.shape)} do not broadcast (axis ${i})`,
      );
      return d === 1 ? e : d;
    });
    return this.wrap(this.kernels.binary(op, ai, bi), shape);
  }

  /** 2×2 max-pool, stride 2, ceil_mode=True. */
  maxPool2x2Ceil(x: Tensor): Tensor {
    const xi = this.rank(x, 4, 'maxPool2x2Ceil', 'x');
    const [n, c, h, w] = x.shape as [number, number, number, number];
    return this.wrap(this.kernels.maxPool2x2Ceil(xi), [n, c, Math.ceil(h / 2), Math.ceil(w / 2)]);
  }

  /** Reflection padding [top, bottom, left, right]; each pad must be smaller than its axis (as in PyTorch). */
  reflectPad(x: Tensor, pads: Pads): Tensor {
    const xi = this.rank(x, 4, 'reflectPad', 'x');
    const [n, c, h, w] = x.shape as [number, number, number, number];
    const [t, b, l, r] = pads;
    check(pads.length === 4 && pads.every(isCount), () => `reflectPad: pads [${pads.join(', ')}] must be 4 non-negative integers`);
    check(t < h && b < h && l < w && r < w, () => `reflectPad: pads [${pads.join(', ')}] must be smaller than the padded axes (${h}×${w})`);
    return this.wrap(this.kernels.reflectPad(xi, [t, b, l, r]), [n, c, h + t + b, w + l + r]);
  }

  /** PyTorch `interpolate(mode='nearest')` to outH × outW. */
  resizeNearest(x: Tensor, outH: number, outW: number): Tensor {
    const xi = this.rank(x, 4, 'resizeNearest', 'x');
    check(isCount(outH) && isCount(outW) && outH > 0 && outW > 0, () => `resizeNearest: size ${outH}×${outW} must be positive integers`);
    const [n, c] = x.shape as [number, number];
    return this.wrap(this.kernels.resizeNearest(xi, outH, outW), [n, c, outH, outW]);
  }

  concat(xs: readonly Tensor[], axis: number): Tensor {
    check(xs.length > 0, () => 'concat: needs at least one tensor');
    const inputs = xs.map((x) => this.own(x, 'concat'));
    const first = xs[0] as Tensor;
    check(isCount(axis) && axis < first.rank, () => `concat: axis ${axis} is out of range for rank ${first.rank}`);
    let total = 0;
    for (const x of xs) {
      check(
        x.rank === first.rank && x.shape.every((d, i) => i === axis || d === first.shape[i]),
        () => `concat: shapes ${xs.map((t) => formatShape(t.shape)).join(', ')} differ outside axis ${axis}`,
      );
      total += x.shape[axis] as number;
    }
    const shape = first.shape.map((d, i) => (i === axis ? total : d));
    return this.wrap(this.kernels.concat(inputs, axis), shape);
  }

  /** [N,C,H,W] → [N,C,1,1] */
  spatialMean(x: Tensor): Tensor {
    const xi = this.rank(x, 4, 'spatialMean', 'x');
    return this.wrap(this.kernels.spatialMean(xi), [x.shape[0] as number, x.shape[1] as number, 1, 1]);
  }

  /** Unbiased (N − 1) variance over H·W: [N,C,H,W] → [N,C,1,1]. NaN for a single position, as in PyTorch. */
  spatialVariance(x: Tensor): Tensor {
    const xi = this.rank(x, 4, 'spatialVariance', 'x');
    return this.wrap(this.kernels.spatialVariance(xi), [x.shape[0] as number, x.shape[1] as number, 1, 1]);
  }

  /** Batched matmul of rank-3 operands; the last two axes are transposed first when asked; batch 1 broadcasts. */
  matmul(a: Tensor, b: Tensor, transposeA = false, transposeB = false): Tensor {
    const ai = this.rank(a, 3, 'matmul', 'a');
    const bi = this.rank(b, 3, 'matmul', 'b');
    const [ba, a1, a2] = a.shape as [number, number, number];
    const [bb, b1, b2] = b.shape as [number, number, number];
    const [m, ka] = transposeA ? [a2, a1] : [a1, a2];
    const [kb, nn] = transposeB ? [b2, b1] : [b1, b2];
    check(
      ka === kb,
      () =>
        `matmul: inner dimensions differ: ${formatShape(a.shape)}${transposeA ? 'ᵀ' : ''} · ${formatShape(b.shape)}${transposeB ? 'ᵀ' : ''}`,
    );
    check(ba === bb || ba === 1 || bb === 1, () => `matmul: batch sizes ${ba} and ${bb} differ`);
    return this.wrap(this.kernels.matmul(ai, bi, transposeA, transposeB), [Math.max(ba, bb), m, nn]);
  }

  /** Maximum over the last axis, kept as an axis of 1. */
  rowMax(x: Tensor): Tensor {
    const xi = this.own(x, 'rowMax');
    check(x.rank >= 1, () => 'rowMax: needs rank ≥ 1');
    return this.wrap(this.kernels.rowMax(xi), [...x.shape.slice(0, -1), 1]);
  }

  /** Softmax over the last axis. */
  softmax(x: Tensor): Tensor {
    const xi = this.own(x, 'softmax');
    check(x.rank >= 1, () => 'softmax: needs rank ≥ 1');
    return this.wrap(this.kernels.softmax(xi), x.shape);
  }

  /** The entries at `indices` along `axis`. */
  gather(x: Tensor, indices: Int32Array, axis: number): Tensor {
    const xi = this.own(x, 'gather');
    check(isCount(axis) && axis < x.rank, () => `gather: axis ${axis} is out of range for rank ${x.rank}`);
    const dim = x.shape[axis] as number;
    for (let i = 0; i < indices.length; i++) {
      const v = indices[i] as number;
      check(v >= 0 && v < dim, () => `gather: index ${v} (at ${i}) is outside axis ${axis} of size ${dim}`);
    }
    const shape = x.shape.map((d, i) => (i === axis ? indices.length : d));
    return this.wrap(this.kernels.gather(xi, indices, axis), shape);
  }

  reshape(x: Tensor, shape: Shape): Tensor {
    const xi = this.own(x, 'reshape');
    check(
      shape.every(isCount) && sizeOf(shape) === x.size,
      () => `reshape: cannot reshape ${formatShape(x.shape)} to ${formatShape(shape)}`,
    );
    return this.wrap(this.kernels.reshape(xi, shape), shape);
  }

  transpose(x: Tensor, perm: readonly number[]): Tensor {
    const xi = this.own(x, 'transpose');
    const sorted = [...perm].sort((p, q) => p - q);
    check(
      perm.length === x.rank && sorted.every((p, i) => p === i),
      () => `transpose: [${perm.join(', ')}] is not a permutation of ${x.rank} axes`,
    );
    return this.wrap(
      this.kernels.transpose(xi, perm),
      perm.map((p) => x.shape[p] as number),
    );
  }

  slice(x: Tensor, begin: readonly number[], size: readonly number[]): Tensor {
    const xi = this.own(x, 'slice');
    check(
      begin.length === x.rank &&
        size.length === x.rank &&
        begin.every((b, i) => isCount(b) && isCount(size[i] as number) && b + (size[i] as number) <= (x.shape[i] as number)),
      () => `slice: begin [${begin.join(', ')}] size [${size.join(', ')}] does not fit ${formatShape(x.shape)}`,
    );
    return this.wrap(this.kernels.slice(xi, begin, size), size);
  }

  /** [N,C,H,W] → [N,H·W,C]: one row per spatial position. */
  toPositions(x: Tensor): Tensor {
    const xi = this.rank(x, 4, 'toPositions', 'x');
    const [n, c, h, w] = x.shape as [number, number, number, number];
    const shape = [n, h * w, c];
    if (this.kernels.toPositions) return this.wrap(this.kernels.toPositions(xi), shape);
    return this.scope(() => this.transpose(this.reshape(x, [n, c, h * w]), [0, 2, 1]));
  }

  /** [N,H·W,C] → [N,C,H,W]. */
  fromPositions(x: Tensor, height: number, width: number): Tensor {
    const xi = this.rank(x, 3, 'fromPositions', 'x');
    const [n, p, c] = x.shape as [number, number, number];
    check(
      isCount(height) && isCount(width) && height * width === p,
      () => `fromPositions: ${p} positions cannot be laid out as ${height}×${width}`,
    );
    const shape = [n, c, height, width];
    if (this.kernels.fromPositions) return this.wrap(this.kernels.fromPositions(xi, height, width), shape);
    return this.scope(() => this.reshape(this.transpose(x, [0, 2, 1]), shape));
  }

  /**
   * @internal The backend's fused attention-statistics kernel, if it has one; ops/attention-stats.ts owns
   * the contract, the checks and the default composition.
   */
  fusedAttentionStats():
    ((q: Tensor, k: Tensor, v: Tensor, vSquared: Tensor, mask: Tensor | null, kind: AttentionKind) => [Tensor, Tensor]) | undefined {
    const kernel = this.kernels.attentionStats;
    if (kernel === undefined) return undefined;
    return (q, k, v, vSquared, mask, kind) => {
      const [b, n] = q.shape as [number, number];
      const c = v.shape[2] as number;
      const [m, s] = kernel.call(this.kernels, q, k, v, vSquared, mask, kind);
      return [this.wrap(m, [b, n, c]), this.wrap(s, [b, n, c])];
    };
  }
}

export function createBackend<H>(kernels: Kernels<H>): Backend {
  return new Backend(kernels as Kernels<unknown>);
}
