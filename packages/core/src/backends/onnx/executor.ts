/**
 * Runs plans: one at a time per backend (ONNX Runtime already uses every core for one run, and a run
 * resolves values that the next plan may then take as inputs), through the session cache.
 *
 * Reading a value first computes, in a graph of their own, the recorded values in its history that core
 * still holds (in practice a style's K, V and V²): they are likely to be used again, and splitting there
 * makes "stylize with a style image", "encodeStyle, then stylize" and "stylize with an encoded style" run
 * the same two graphs, so they share two sessions instead of needing three. A graph too large for the
 * memory budget is computed in bands (banded.ts).
 */
import { BandedRunner } from './banded.js';
import type { Plan } from './graph-builder.js';
import type { LazyValue } from './lazy-value.js';
import { encodeModel } from './onnx-model.js';
import { recordedHistory } from './plan.js';
import type { OnnxRuntime, RuntimeTensor } from './runtime.js';
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

export class Executor {
  readonly stats: ExecutorStats = { runs: 0, sessionsCreated: 0, sessionMs: 0, runMs: 0, largestGraphBytes: 0 };
  private readonly runtime: OnnxRuntime;
  private readonly cache: SessionCache;
  private readonly bandCache = new SessionCache(BAND_SESSIONS);
  private readonly banded: BandedRunner;
  private queue: Promise<void> = Promise.resolve();

  private readonly onRun: ((info: GraphRunInfo) => void) | undefined;

  constructor(runtime: OnnxRuntime, cache: SessionCache, memoryBudgetBytes: number, onRun?: (info: GraphRunInfo) => void) {
    this.runtime = runtime;
    this.cache = cache;
    this.onRun = onRun;
    this.banded = new BandedRunner((plan, banded) => this.runPlan(plan, banded), memoryBudgetBytes);
  }

  /** Releases every session that embeds the constant `id` (its weights were disposed). */
  dropConstant(id: number): void {
    this.cache.dropConstant(id);
    this.bandCache.dropConstant(id);
  }

  get cachedSessions(): number {
    return this.cache.size + this.bandCache.size;
  }

  /** Computes `target` and the other live recorded values of its history. */
  compute(target: LazyValue): Promise<void> {
    const run = this.queue.then(() => this.computeNow(target));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async computeNow(target: LazyValue): Promise<void> {
    if (target.isKnown) return; // an earlier run fetched it
    const held = recordedHistory([target]).filter((v) => v !== target && !v.disposed);
    if (held.length > 0) await this.banded.compute(held);
    await this.banded.compute([target]);
  }

  /** Runs `plan`; its outputs in order. */
  private async runPlan(plan: Plan, banded: boolean): Promise<Float32Array[]> {
    this.stats.largestGraphBytes = Math.max(this.stats.largestGraphBytes, plan.peakBytes);
    let sessionMs = 0;
    const lease = (banded ? this.bandCache : this.cache).acquire(plan.key, plan.constants, async () => {
      const start = performance.now();
      try {
        return await this.runtime.createSession(encodeModel(plan.graph), { peakBytes: plan.peakBytes });
      } finally {
        sessionMs = performance.now() - start;
        this.stats.sessionsCreated++;
        this.stats.sessionMs += sessionMs;
      }
    });
    const feeds: Record<string, RuntimeTensor> = {};
    try {
      const session = await lease.session;
      for (const f of plan.feeds) feeds[f.name] = this.runtime.tensor(f.dataType, f.data, f.dims);
      const start = performance.now();
      const results = await session.run(feeds);
      const runMs = performance.now() - start;
      this.stats.runs++;
      this.stats.runMs += runMs;
      this.onRun?.({ kind: banded ? 'band' : 'whole', nodes: plan.graph.nodes.length, peakBytes: plan.peakBytes, sessionMs, runMs });
      return plan.graph.outputs.map(({ name }) => {
        const out = results[name];
        if (!(out?.data instanceof Float32Array)) throw new Error(`internal: ONNX Runtime returned no float32 data for output ${name}`);
        return out.data;
      });
    } finally {
      lease.done();
      Object.values(feeds).forEach((t) => t.dispose?.());
    }
  }
}
