/**
 * Runs plans: one at a time per backend (ONNX Runtime already uses every core for one run, and a run
 * resolves values that the next plan may then take as inputs), through the session cache.
 *
 * A read's work runs in pieces (pieces.ts); after each run the event loop turns, the read's AbortSignal is
 * checked and its progress reported from the work completed (RecordedOp.cost), so a stylize can be
 * cancelled within one piece's time and its progress means something.
 *
 * Reading a value first computes, in a graph of their own, the recorded values in its history that core
 * still holds (in practice a style's K, V and V²): they are likely to be used again, and splitting there
 * makes "stylize with a style image", "encodeStyle, then stylize" and "stylize with an encoded style" run
 * the same two graphs, so they share two sessions instead of needing three. A graph too large for the
 * memory budget is computed in bands (banded.ts).
 */
import { AbortError } from '../../errors.js';
import type { ReadControl } from '../../tensor/kernels.js';
import { BandedRunner } from './banded.js';
import type { Plan } from './graph-builder.js';
import type { LazyValue } from './lazy-value.js';
import { encodeModel } from './onnx-model.js';
import { PieceRunner } from './pieces.js';
import { costOf, recordedHistory } from './plan.js';
import { SessionLostError, type OnnxRuntime, type RuntimeTensor } from './runtime.js';
import { SessionCache } from './session-cache.js';

/** Hooks for tests and profiling: how often sessions are made and graphs run. */
export interface ExecutorStats {
  runs: number;
  sessionsCreated: number;
  /** Milliseconds spent creating sessions (encoding + ORT's own load and optimisation). */
  sessionMs: number;
  /** Milliseconds spent in `session.run`. */
  runMs: number;
  /** Largest estimated peak of a graph run (bytes of intermediate values, see memory.ts). */
  largestGraphBytes: number;
}

/** One graph run, for `OnnxGraphOptions.onGraphRun` (progress of long banded runs, profiling). */
export interface GraphRunInfo {
  /** 'whole': a graph of recorded values; 'band': one band of a graph too large for the budget. */
  readonly kind: 'whole' | 'band';
  readonly nodes: number;
  /** Estimated peak bytes of its intermediate values. */
  readonly peakBytes: number;
  /** Milliseconds to create its session (0 when cached) and to run it. */
  readonly sessionMs: number;
  readonly runMs: number;
}

/** Band graphs differ from band to band near edges and attention chunks: a small cache of their own. */
const BAND_SESSIONS = 2;

/** Progress stays under 1 until the read's last run is over (band halos make the runs' sum exceed the total). */
const BEFORE_END = 0.99;

function yieldToEventLoop(): Promise<void> {
  const setImmediateFn = (globalThis as { setImmediate?: (fn: () => void) => unknown }).setImmediate;
  return new Promise((resolve) => (setImmediateFn ? setImmediateFn(resolve) : setTimeout(resolve, 0)));
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AbortError(undefined, { cause: signal.reason });
}

/** The read being computed: its control and the work done so far. */
interface ReadState {
  readonly control: ReadControl;
  readonly total: number;
  done: number;
}

/** `work`, rejected with an AbortError as soon as `signal` fires (the work itself stops at its next check). */
function abortable<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return work;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new AbortError(undefined, { cause: signal.reason }));
    if (signal.aborted) onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

export class Executor {
  readonly stats: ExecutorStats = { runs: 0, sessionsCreated: 0, sessionMs: 0, runMs: 0, largestGraphBytes: 0 };
  private readonly runtime: OnnxRuntime;
  private readonly cache: SessionCache;
  private readonly bandCache = new SessionCache(BAND_SESSIONS);
  private readonly banded: BandedRunner;
  private readonly pieces: PieceRunner;
  private pieceFlops: number;
  private readonly maxPieceFlops: number;
  private queue: Promise<void> = Promise.resolve();
  private reading: ReadState | undefined;
  private readonly constantBytes = new Map<number, number>();
  private totalConstantBytes = 0;

  private readonly onRun: ((info: GraphRunInfo) => void) | undefined;
  /** The runtime's NCHWc block size (Emitter.blockSize): what the kernels may record for blocked kernels. */
  readonly blockSize: number;

  /**
   * `pieces.flops`: work per piece of a watched read; with `ramp`, the first read uses a quarter of it and
   * each later one twice the last: a first call (a CLI run) stops quickly, later calls run faster.
   */
  constructor(
    runtime: OnnxRuntime,
    cache: SessionCache,
    memoryBudgetBytes: number,
    pieces: { flops: number; ramp: boolean },
    onRun?: (info: GraphRunInfo) => void,
  ) {
    this.runtime = runtime;
    this.cache = cache;
    this.onRun = onRun;
    this.blockSize = runtime.blockSize ?? 1;
    this.banded = new BandedRunner((plan, kind) => this.runPlan(plan, kind), memoryBudgetBytes, this.blockSize);
    this.pieces = new PieceRunner(this.banded);
    this.pieceFlops = pieces.ramp ? pieces.flops / 4 : pieces.flops;
    this.maxPieceFlops = pieces.flops;
  }

  /** A constant (kept weights) of `bytes`: sessions embedding it count their share of all constants. */
  addConstant(id: number, bytes: number): void {
    this.constantBytes.set(id, bytes);
    this.totalConstantBytes += bytes;
  }

  /** Releases every session that embeds the constant `id` (its weights were disposed). */
  dropConstant(id: number): void {
    this.totalConstantBytes -= this.constantBytes.get(id) ?? 0;
    this.constantBytes.delete(id);
    this.cache.dropConstant(id);
    this.bandCache.dropConstant(id);
  }

  /** The share of all constants a plan embeds: its size in the session cache. */
  private unitsOf(plan: Plan): number {
    let bytes = 0;
    for (const id of plan.constants) bytes += this.constantBytes.get(id) ?? 0;
    return this.totalConstantBytes > 0 ? bytes / this.totalConstantBytes : 1;
  }

  get cachedSessions(): number {
    return this.cache.size + this.bandCache.size;
  }

  /**
   * Computes `target` and the other live recorded values of its history. An abort rejects at once while
   * the read waits for another one, and after the run in progress otherwise; what was computed stays.
   */
  compute(target: LazyValue, control: ReadControl = {}): Promise<void> {
    const run = this.queue.then(() => this.computeNow(target, control));
    this.queue = run.catch(() => undefined);
    return abortable(run, control.signal);
  }

  private async computeNow(target: LazyValue, control: ReadControl): Promise<void> {
    throwIfAborted(control.signal);
    if (target.isKnown) return; // an earlier run fetched it
    const history = recordedHistory([target]);
    const held = history.filter((v) => v !== target && !v.disposed);
    this.reading = { control, total: costOf(history), done: 0 };
    // Pieces cost throughput (values cross through host memory, ONNX Runtime cannot fuse across a cut):
    // only a read that can be cancelled or reports progress pays it; any other runs as one graph.
    const watched = control.signal !== undefined || control.onProgress !== undefined;
    const budget = watched ? this.pieceFlops : Infinity;
    if (watched) this.pieceFlops = Math.min(this.maxPieceFlops, 2 * this.pieceFlops);
    try {
      if (held.length > 0) await this.pieces.compute(held, budget);
      await this.pieces.compute([target], budget);
    } finally {
      this.reading = undefined;
    }
    control.onProgress?.(1, target.mark?.label);
  }

  /** After each run: progress, a turn of the event loop, the abort check. */
  private async afterRun(plan: Plan): Promise<void> {
    const read = this.reading;
    if (read === undefined) return;
    read.done += plan.work.cost;
    read.control.onProgress?.(Math.min(BEFORE_END, read.done / Math.max(1, read.total)), plan.work.label);
    await yieldToEventLoop();
    throwIfAborted(read.control.signal);
  }

  /** Runs `plan`; its outputs in order. */
  private async runPlan(plan: Plan, kind: 'whole' | 'band' | 'piece'): Promise<Float32Array[]> {
    const banded = kind !== 'whole';
    this.stats.largestGraphBytes = Math.max(this.stats.largestGraphBytes, plan.peakBytes);
    let sessionMs = 0;
    const cache = kind === 'band' ? this.bandCache : this.cache;
    const lease = cache.acquire(
      plan.key,
      plan.constants,
      async () => {
        const start = performance.now();
        try {
          return await this.runtime.createSession(encodeModel(plan.graph), { peakBytes: plan.peakBytes });
        } finally {
          sessionMs = performance.now() - start;
          this.stats.sessionsCreated++;
          this.stats.sessionMs += sessionMs;
        }
      },
      this.unitsOf(plan),
    );
    const feeds: Record<string, RuntimeTensor> = {};
    try {
      const session = await lease.session;
      throwIfAborted(this.reading?.control.signal); // making a session takes a while too
      for (const f of plan.feeds) feeds[f.name] = this.runtime.tensor(f.dataType, f.data, f.dims);
      const start = performance.now();
      const results = await session.run(feeds);
      const runMs = performance.now() - start;
      this.stats.runs++;
      this.stats.runMs += runMs;
      this.onRun?.({ kind: banded ? 'band' : 'whole', nodes: plan.graph.nodes.length, peakBytes: plan.peakBytes, sessionMs, runMs });
      const outputs = plan.graph.outputs.map(({ name }) => {
        const out = results[name];
        if (!(out?.data instanceof Float32Array)) throw new Error(`internal: ONNX Runtime returned no float32 data for output ${name}`);
        return out.data;
      });
      await this.afterRun(plan);
      return outputs;
    } catch (error) {
      if (error instanceof SessionLostError) cache.discard(plan.key);
      throw error;
    } finally {
      lease.done();
      Object.values(feeds).forEach((t) => t.dispose?.());
    }
  }
}
