/**
 * What the recorder needs from an ONNX Runtime package: make a session from model bytes, wrap arrays as
 * tensors, run. onnxruntime-node and onnxruntime-web each adapt to this in a few lines (node.ts, web.ts),
 * so everything else here is runtime-agnostic and imports no runtime.
 */

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
  /** `hints.peakBytes`: the graph's estimated peak of intermediate values (to size memory arenas). */
  createSession(model: Uint8Array, hints: { readonly peakBytes: number }): Promise<RuntimeSession>;
  tensor(type: 'float32' | 'int64', data: Float32Array | BigInt64Array, dims: readonly number[]): RuntimeTensor;
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
