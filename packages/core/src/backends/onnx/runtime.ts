/**
 * What the recorder needs from an ONNX Runtime package: make a session from model bytes, wrap arrays as
 * tensors, run. onnxruntime-node and onnxruntime-web each adapt to this in a few lines (node.ts, web.ts),
 * so everything else here is runtime-agnostic and imports no runtime.
 */
import { NCHWC_DOMAIN, encodeModel } from './onnx-model.js';

export interface RuntimeTensor {
  readonly dims: readonly number[];
  readonly data: unknown;
  dispose?(): void;
}

export interface RuntimeSession {
  run(feeds: Record<string, RuntimeTensor>): Promise<Record<string, RuntimeTensor>>;
  release(): Promise<void>;
}

/** A session's runtime went away (a worker thread that crashed or stopped): make the session again. */
export class SessionLostError extends Error {
  override readonly name = 'SessionLostError';
}

export interface OnnxRuntime {
  /** Shown as the backend's name, e.g. 'onnx-node' or 'onnx-web-webgpu'. */
  readonly name: string;
  /**
   * Whether a run blocks the caller's thread (onnxruntime-node on the main thread, onnxruntime-web's wasm
   * without a proxy worker). A read is cut into pieces either way, for cancel and progress; a runtime that
   * blocks needs them small (the event loop turns only between them), one that does not can take them
   * larger, which costs less (create.ts).
   */
  readonly blocksCaller?: boolean;
  /**
   * ONNX Runtime's NCHWc block size where its CPU provider runs the graphs and has blocked kernels
   * (`probeBlockSize`); graphs then name the blocked layout themselves (kernels.ts). Absent or 1: plain NCHW.
   */
  readonly blockSize?: number;
  /** `hints.peakBytes`: the graph's estimated peak of intermediate values (to size memory arenas). */
  createSession(model: Uint8Array, hints: { readonly peakBytes: number }): Promise<RuntimeSession>;
  tensor(type: 'float32' | 'int64', data: Float32Array | BigInt64Array, dims: readonly number[]): RuntimeTensor;
}

/** Channels and columns of the block-size probe: any block size up to 32 shows in its output. */
const PROBE_CHANNELS = 32;
const PROBE_COLUMNS = 2;

/**
 * ONNX Runtime's NCHWc block size on this machine, read from what its ReorderInput does to a tensor whose
 * values name their channel and column; 1 when the runtime has no blocked kernels (they are registered
 * only where MLAS has them: every x86-64 build, some ARM64 and RISC-V builds; never WebAssembly) or does
 * something else than expected.
 */
export async function probeBlockSize(runtime: OnnxRuntime): Promise<number> {
  const dims = [1, PROBE_CHANNELS, 1, PROBE_COLUMNS];
  const model = encodeModel({
    name: 'block-size',
    nodes: [{ opType: 'ReorderInput', inputs: ['x'], outputs: ['y'], domain: NCHWC_DOMAIN }],
    inputs: [{ name: 'x', dataType: 'float32', dims }],
    outputs: [{ name: 'y', dataType: 'float32', dims }],
    initializers: [],
  });
  try {
    const session = await runtime.createSession(model, { peakBytes: 0 });
    try {
      const x = Float32Array.from({ length: PROBE_CHANNELS * PROBE_COLUMNS }, (_, i) => i); // channel c, column w: c·2 + w
      const { y } = await session.run({ x: runtime.tensor('float32', x, dims) });
      return blockSizeOf(y?.data instanceof Float32Array ? y.data : new Float32Array());
    } finally {
      await session.release();
    }
  } catch {
    return 1;
  }
}

/** The block b for which `out` is the probe's input in [C/b][W][b] order; 1 if none. */
function blockSizeOf(out: Float32Array): number {
  const b = out.indexOf(1); // channel 0, column 1 comes right after the first block of column 0
  if (b < 1 || PROBE_CHANNELS % b !== 0 || out.length !== PROBE_CHANNELS * PROBE_COLUMNS) return 1;
  for (let k = 0; k < out.length; k++) {
    const [block, column, lane] = [Math.floor(k / (b * PROBE_COLUMNS)), Math.floor(k / b) % PROBE_COLUMNS, k % b];
    if (out[k] !== (block * b + lane) * PROBE_COLUMNS + column) return 1;
  }
  return b;
}

/**
 * Graphs whose intermediate values may exceed this run without ONNX Runtime's CPU memory arena: an arena
 * keeps its high-water mark for the session's lifetime (one per cached session), whereas plain allocations
 * go back to the system after each run. Smaller graphs keep the arena, which saves page faults per run.
 */
export const ARENA_LIMIT_BYTES = 1024 ** 3;

export function arenaFor<T extends { enableCpuMemArena?: boolean }>(settings: T, peakBytes: number): T {
  return peakBytes > ARENA_LIMIT_BYTES ? { ...settings, enableCpuMemArena: false } : settings;
}

/**
 * ONNX Runtime session config entries every session gets (SessionOptions.extra, flattened by ORT to
 * 'session.set_denormal_as_zero'): subnormal floats are flushed to zero (FTZ/DAZ) in ORT's threads.
 * Near-one-hot softmax rows are full of subnormal weights, and Intel cores compute with them through
 * microcode assists: the attention MatMuls ran ~10× slower at 512² before (issue 15). ORT applies the flag
 * to the thread that creates a process's first session only, so that thread is flushed only when our
 * session is the process's first; core's logit floor (ops/attention-stats.ts) keeps the attention free of
 * subnormals either way. WebAssembly has no flush mode: there the entry is accepted and does nothing.
 */
export const SESSION_CONFIG = { session: { set_denormal_as_zero: '1' } } as const;

/** `extra` for a session: ours, with the caller's entries merged over them section by section. */
export function sessionExtra(callers?: Record<string, unknown>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...callers };
  for (const [section, entries] of Object.entries(SESSION_CONFIG)) {
    const theirs = callers?.[section];
    merged[section] = { ...entries, ...(typeof theirs === 'object' && theirs !== null ? theirs : {}) };
  }
  return merged;
}
