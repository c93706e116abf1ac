/**
 * The ONNX backend for any runtime adapter: recording kernels + executor + session cache.
 */
import { InvalidArgumentError } from '../../errors.js';
import { createBackend, type Backend } from '../../tensor/backend.js';
import { Executor, type ExecutorStats, type GraphRunInfo } from './executor.js';

export type { GraphRunInfo } from './executor.js';
import { OnnxKernels } from './kernels.js';
import type { OnnxRuntime } from './runtime.js';
import { SessionCache } from './session-cache.js';

export interface OnnxGraphOptions {
  /**
   * Sessions kept for reuse (default 8). Each holds its graph's weights (up to ~110 MB in float32 for the
   * whole image model) plus ONNX Runtime's pre-packed copies; a stylizer needs about two per image size.
   */
  readonly sessionCacheSize?: number;
  /**
   * Bytes the intermediate values of one graph may take (estimated; default 3 GiB). A larger graph — a very
   * large image — is computed in bands of rows, each its own graph, at the cost of recomputing band edges
   * and the layers before each normalisation. This bounds the runtime's memory; the image itself, the
   * weights and the sessions come on top.
   */
  readonly memoryBudgetBytes?: number;
  /** Called after each graph run (progress of long banded runs, profiling). */
  readonly onGraphRun?: (info: GraphRunInfo) => void;
  /**
   * Estimated floating-point operations per piece of a read. A read made with an AbortSignal or a progress
   * callback runs in pieces; between them the signal is checked and progress is reported (a read with
   * neither runs as one graph).
   * Default: PIECE_FLOPS for the runtime. On a runtime that blocks its caller's thread (the event loop
   * turns only between pieces) it is reached in steps: the first watched read uses a quarter of it, the
   * next half (a first call, e.g. a CLI run, also makes every session, and stops sooner in smaller pieces).
   * Off the caller's thread it is OFF_THREAD_PIECE_FACTOR times larger, from the first read.
   * `Infinity` runs each read as one graph: it cannot be cancelled (before it ends) and reports no progress.
   */
  readonly pieceFlops?: number;
}

export const DEFAULT_GRAPH_MEMORY_BYTES = 3 * 1024 ** 3;

/**
 * Work per piece by runtime, about 0.7 s each on an idle machine: onnxruntime-node reaches ~180 GFLOP/s on
 * 2 AVX-512 cores (docs/BENCHMARKS.md), wasm about a tenth of that, a GPU far more. Fixed, not adapted to
 * the measured speed: smaller pieces on a loaded machine cost far more throughput (tools/bench/
 * abort-latency.mjs at 512² under load 3–4: 2.18× one graph's time with sizes adapted to ~0.7 s, 1.14×
 * with 2^37), and fixed cuts keep the same sessions.
 */
export const PIECE_FLOPS: Readonly<Record<string, number>> = {
  'onnx-node': 2 ** 37,
  'onnx-node-cuda': 2 ** 39,
  'onnx-web-webgpu': 2 ** 35,
  'onnx-web-wasm': 2 ** 32,
};

/**
 * How much larger the pieces are on a runtime that runs off the caller's thread (onnxruntime-node's worker,
 * node-thread.ts). There an abort rejects at once whatever the piece size; the size bounds only the work that
 * goes on after it and how often progress moves. Pieces cost throughput where they are small: at 512² on an
 * idle Intel Xeon, 2^38-FLOP pieces on the worker ran 1.10× one graph's warm time, where 2^37 pieces on the
 * calling thread ran 2.21× (tools/bench/abort-latency.mjs).
 */
export const OFF_THREAD_PIECE_FACTOR = 2;

/** What `onnxStats` reports: counts and times of session creations and runs. */
export type OnnxStats = Readonly<ExecutorStats> & { readonly cachedSessions: number };

const stats = new WeakMap<Backend, () => OnnxStats>();

export function createOnnxBackendFrom(runtime: OnnxRuntime, options: OnnxGraphOptions = {}): Backend {
  const capacity = options.sessionCacheSize ?? 8;
  if (!Number.isInteger(capacity) || capacity < 1)
    throw new InvalidArgumentError(`sessionCacheSize must be a positive integer, got ${capacity}`);
  const cache = new SessionCache(capacity);
  const offThread = runtime.blocksCaller === false;
  const pieceFlops = options.pieceFlops ?? (PIECE_FLOPS[runtime.name] ?? 2 ** 37) * (offThread ? OFF_THREAD_PIECE_FACTOR : 1);
  if (!(pieceFlops > 0)) throw new InvalidArgumentError(`pieceFlops must be a positive number (or Infinity), got ${pieceFlops}`);
  const pieces = { flops: pieceFlops, ramp: options.pieceFlops === undefined && !offThread };
  const executor = new Executor(runtime, cache, options.memoryBudgetBytes ?? DEFAULT_GRAPH_MEMORY_BYTES, pieces, options.onGraphRun);
  const backend = createBackend(new OnnxKernels(runtime.name, executor));
  stats.set(backend, () => ({ ...executor.stats, cachedSessions: executor.cachedSessions }));
  return backend;
}

/** Session and run statistics of an ONNX backend (undefined for other backends). For benchmarks and tests. */
export function onnxStats(backend: Backend): OnnxStats | undefined {
  return stats.get(backend)?.();
}
