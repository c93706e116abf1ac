/**
 * Runs plans: one at a time per backend (ONNX Runtime already uses every core for one run, and a run
 * resolves values that the next plan may then take as inputs), through the session cache.
 *
 * Reading a value first computes, in a graph of their own, the recorded values in its history that core
 * still holds (in practice a style's K, V and V²): they are likely to be used again, and splitting there
 * makes "stylize with a style image", "encodeStyle, then stylize" and "stylize with an encoded style" run
 * the same two graphs, so they share two sessions instead of needing three.
 */
import { encodeModel } from './onnx-model.js';
import type { LazyValue } from './lazy-value.js';
import { planFor, recordedHistory, type Plan } from './plan.js';
import type { OnnxRuntime, RuntimeTensor } from './runtime.js';
import type { SessionCache } from './session-cache.js';

/** Hooks for tests and profiling: how often sessions are made and graphs run. */
export interface ExecutorStats {
  runs: number;
  sessionsCreated: number;
  /** Milliseconds spent creating sessions (encoding + ORT's own load and optimisation). */
  sessionMs: number;
  /** Milliseconds spent in `session.run`. */
  runMs: number;
}

export class Executor {
  readonly stats: ExecutorStats = { runs: 0, sessionsCreated: 0, sessionMs: 0, runMs: 0 };
  private readonly runtime: OnnxRuntime;
  private readonly cache: SessionCache;
  private queue: Promise<void> = Promise.resolve();

  constructor(runtime: OnnxRuntime, cache: SessionCache) {
    this.runtime = runtime;
    this.cache = cache;
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
    if (held.length > 0) await this.run(planFor(held));
    await this.run(planFor([target]));
  }

  private async run(plan: Plan): Promise<void> {
    const lease = this.cache.acquire(plan.key, plan.constants, async () => {
      const start = performance.now();
      try {
        return await this.runtime.createSession(encodeModel(plan.graph));
      } finally {
        this.stats.sessionsCreated++;
        this.stats.sessionMs += performance.now() - start;
      }
    });
    const feeds: Record<string, RuntimeTensor> = {};
    let results: Record<string, RuntimeTensor> | undefined;
    try {
      const session = await lease.session;
      for (const f of plan.feeds) feeds[f.name] = this.runtime.tensor(f.dataType, f.data, f.dims);
      const start = performance.now();
      results = await session.run(feeds);
      this.stats.runs++;
      this.stats.runMs += performance.now() - start;
      plan.fetch.forEach((v, i) => {
        const name = plan.graph.outputs[i]?.name as string;
        const out = (results as Record<string, RuntimeTensor>)[name];
        if (!(out?.data instanceof Float32Array)) throw new Error(`internal: ONNX Runtime returned no float32 data for output ${name}`);
        v.resolve(out.data);
      });
    } finally {
      lease.done();
      Object.values(feeds).forEach((t) => t.dispose?.());
    }
  }
}
