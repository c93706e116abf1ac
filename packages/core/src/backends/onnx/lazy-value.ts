/**
 * The handle of the ONNX backend: a value that is either known (host data) or recorded (an operation on
 * other values, not run yet).
 *
 * Kernels only record. Reading a value turns the recorded operations it depends on into one ONNX graph and
 * runs it (plan.ts, executor.ts); the results replace the recordings, so nothing is computed twice and the
 * recorded history can be garbage-collected.
 */
import type { Shape } from '../../tensor/types.js';
import type { AttributeValue, OnnxInitializer } from './onnx-model.js';

/** A u8 tensor and the affine map back to float32: value = (q − zeroPoint) · scale. */
export interface QuantizedValue {
  readonly q: string;
  readonly scale: number;
  readonly zeroPoint: number;
}

/** What a recorded operation may ask for while it is lowered to ONNX nodes. */
export interface Emitter {
  /** Adds a node; returns the names of its outputs. */
  node(opType: string, inputs: readonly string[], attributes?: Readonly<Record<string, AttributeValue>>, outputs?: number): string[];
  /** An int64 constant that is part of the graph's structure (pads, shapes, index tables of a resize). */
  int64(values: readonly number[]): string;
  /** A float32 scalar constant. */
  scalar(value: number): string;
  /** A float32 vector constant. */
  floats(values: readonly number[]): string;
  /** A uint8 scalar constant (a zero point). */
  uint8(value: number): string;
  /** A constant of any type, made once per graph for each distinct `text` (which must identify its data). */
  tensor(text: string, make: () => Omit<OnnxInitializer, 'name'>): string;
  /** DequantizeLinear of u8 `q`, remembered so that a later op can take `q` itself (`quantizedSource`). */
  dequantize(q: string, scale: number, zeroPoint: number): string;
  /** The u8 value and parameters `name` was dequantized from in this graph, if it was. */
  quantizedSource(name: string): QuantizedValue | undefined;
  /**
   * ONNX Runtime's NCHWc block size on this machine (16 with AVX-512, 8 on other x86-64), or 1 where the graph
   * uses no blocked layout (another runtime, or no blocked kernels).
   */
  readonly blockSize: number;
  /** A node of ONNX Runtime's blocked-layout operators (NCHWC_DOMAIN: ReorderInput, Conv, MaxPool, Upsample). */
  nchwcNode(opType: string, inputs: readonly string[], attributes?: Readonly<Record<string, AttributeValue>>): string;
  /** ReorderOutput of the blocked `blocked` (`channels` channels), remembered so that a later op can take `blocked` itself (`blockedSource`). */
  unblock(blocked: string, channels: number): string;
  /** The blocked-layout tensor `name` was reordered from in this graph, if it was. */
  blockedSource(name: string): string | undefined;
  /**
   * An int64 graph input whose values are not part of the structure (e.g. sampled style positions): a
   * session made for one set of indices serves any other of the same length.
   */
  feedInt64(values: Int32Array, dims: readonly number[]): string;
}

/** Rows [start, end) along a value's banded axis. */
export type Range = readonly [number, number];

/** What an operation needs of one input to produce a band of its output. */
export type InputNeed = { readonly axis: number; readonly range: Range } | 'whole' | 'none';

/**
 * How an operation computes a band of its output (rows [a, b) along one axis) from bands of its inputs:
 * what makes a graph computable in pieces when it is too large for memory (banded.ts).
 */
export interface BandRule {
  /** Per input, what the band needs; undefined when the operation cannot be banded along `axis`. */
  need(axis: number, range: Range): readonly InputNeed[] | undefined;
  /** Emits the band; `inputs` hold exactly what `need` asked for ('' for 'none'). */
  lower(e: Emitter, inputs: readonly string[], axis: number, range: Range): string;
}

export interface RecordedOp {
  /**
   * Everything about the operation that is not an input value (op name, attributes, shapes that
   * influence the nodes): two recordings with equal signatures and equal inputs lower to equal nodes.
   */
  readonly signature: string;
  readonly inputs: readonly LazyValue[];
  /** Emits the nodes; `inputs` are the ONNX names of `this.inputs`. Returns the output's name. */
  lower(e: Emitter, inputs: readonly string[]): string;
  readonly band?: BandRule;
  /** A per-channel statistic over axes 2 and 3 of its one input: computable band by band, then combined. */
  readonly reduction?: 'mean' | 'variance';
  /**
   * Estimated work in floating-point operations (a multiply-add counts 2; memory-bound operations count
   * their output's size). Reads run in pieces of bounded work (pieces.ts) and report progress from it.
   */
  readonly cost: number;
}

/** The label of a run of recorded operations, set when the model marks the end of a step (Kernels.mark). */
export interface MarkCell {
  label: string | undefined;
}

let nextId = 0;

export class LazyValue {
  /** Process-unique; names constants in session cache keys. */
  readonly id = nextId++;
  readonly shape: Shape;
  /** Set while not computed; cleared when `data` arrives. */
  op: RecordedOp | null;
  /** NCHW row-major values once known. */
  data: Float32Array | null;
  /**
   * A kept upload (weights): embedded in graphs as an initializer, so ONNX Runtime can pre-pack it and
   * use its blocked convolution layouts, which it does only for constant weights.
   */
  constant = false;
  /** Core has disposed the handle. Recorded consumers may still need the value; the GC frees it. */
  disposed = false;
  /** Which step of the model recorded it (for progress); shared by the operations of one step. */
  readonly mark: MarkCell | undefined;

  constructor(shape: Shape, op: RecordedOp | null, data: Float32Array | null, mark?: MarkCell) {
    this.shape = shape;
    this.op = op;
    this.data = data;
    this.mark = mark;
  }

  get isKnown(): boolean {
    return this.data !== null;
  }

  /** Stores the computed values and forgets how they were made. */
  resolve(data: Float32Array): void {
    this.data = data;
    this.op = null;
  }
}
