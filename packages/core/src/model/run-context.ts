/**
 * Progress and cancellation for one long call (encodeStyle, stylize).
 *
 * Model code runs as synchronous steps (one scope each) and awaits `step()` between them: that is where an
 * AbortSignal is honoured and progress reported. When the caller passed a signal or a progress callback,
 * `step()` also yields to the event loop, so that the abort or a UI repaint can actually happen.
 *
 * On a deferred backend (ONNX Runtime: kernels only record, the work happens when a value is read) the
 * steps take milliseconds, so they only label what they recorded (`Backend.mark`) and check the signal;
 * progress then comes from the reads (`readControl()`), which run the recorded work in pieces and report
 * the share completed and the stage of the last operation run.
 */
import { AbortError } from '../errors.js';
import type { Backend } from '../tensor/backend.js';
import type { ReadControl } from '../tensor/kernels.js';

export type StylizeStage = 'encode-style' | 'encode-content' | 'attention' | 'decode';

export interface StylizeProgress {
  /** What is running now. */
  readonly stage: StylizeStage;
  /** Of the whole call, in [0, 1]; never decreases. */
  readonly fraction: number;
}

export interface RunOptions {
  /** Rejects the call with an AbortError (and frees everything it allocated) when fired. */
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: StylizeProgress) => void;
}

/** Rough share of the work per stage (attention dominates at large sizes, the encoders at small ones). */
const STAGE_WEIGHT: Readonly<Record<StylizeStage, number>> = { 'encode-style': 1, 'encode-content': 1, attention: 1.5, decode: 1 };

function yieldToEventLoop(): Promise<void> {
  const setImmediateFn = (globalThis as { setImmediate?: (fn: () => void) => unknown }).setImmediate;
  return new Promise((resolve) => (setImmediateFn ? setImmediateFn(resolve) : setTimeout(resolve, 0)));
}

/** Where model steps report: a RunContext, or a slice of one. */
export interface StepReporter {
  /** Marks `done` of `total` units of `stage` complete; throws AbortError if the signal has fired. */
  step(stage: StylizeStage, done: number, total: number): Promise<void>;
  /** Whether the caller watches the call (a signal or a progress callback): only then are steps awaited. */
  readonly watched: boolean;
}

function isStage(label: string | undefined): label is StylizeStage {
  return label !== undefined && label in STAGE_WEIGHT;
}

export class RunContext implements StepReporter {
  private readonly signal: AbortSignal | undefined;
  private readonly onProgress: ((progress: StylizeProgress) => void) | undefined;
  private readonly start = new Map<StylizeStage, number>();
  private readonly total: number;
  private readonly backend: Backend | undefined;
  private last = 0;
  private lastStage: StylizeStage;
  /** Deferred backends: the fraction the steps recorded so far stand for (reported as reads complete it). */
  private recorded = 0;

  /** `backend`: the one the call runs on, when it may be deferred (progress then comes from its reads). */
  constructor(options: RunOptions, stages: readonly StylizeStage[], backend?: Backend) {
    this.signal = options.signal;
    this.onProgress = options.onProgress;
    this.backend = backend?.deferred === true ? backend : undefined;
    this.lastStage = stages[0] ?? 'encode-content';
    let sum = 0;
    for (const s of stages) {
      this.start.set(s, sum);
      sum += STAGE_WEIGHT[s];
    }
    this.total = sum;
    this.throwIfAborted();
  }

  throwIfAborted(): void {
    if (this.signal?.aborted) throw new AbortError(undefined, { cause: this.signal.reason });
  }

  /**
   * A reporter for part `index` of `parts` equal parts of `stage` (several style images encoded in one
   * call share the 'encode-style' stage).
   */
  slice(stage: StylizeStage, index: number, parts: number): StepReporter {
    return { step: (_stage, done, total) => this.step(stage, index + done / total, parts), watched: this.watched };
  }

  /** Whether the caller watches the call (a signal or a progress callback): only then are steps awaited. */
  get watched(): boolean {
    return this.signal !== undefined || this.onProgress !== undefined;
  }

  /** Marks `done` of `total` units of `stage` complete; throws AbortError if the signal has fired. */
  async step(stage: StylizeStage, done: number, total: number): Promise<void> {
    this.backend?.mark(stage);
    this.throwIfAborted();
    if (this.onProgress !== undefined) {
      const begin = this.start.get(stage) ?? 0;
      const fraction = Math.min(1, (begin + STAGE_WEIGHT[stage] * (done / total)) / this.total);
      if (this.backend === undefined) this.report(stage, fraction);
      else this.recorded = Math.max(this.recorded, fraction);
    }
    if (this.watched) {
      await yieldToEventLoop();
      this.throwIfAborted();
    }
  }

  /**
   * What to pass to `Backend.read`: the signal, and on a deferred backend progress that carries the
   * fraction recorded since the last report from "recorded" to "computed" as the read completes it.
   */
  readControl(): ReadControl {
    const signal = this.signal === undefined ? {} : { signal: this.signal };
    if (this.backend === undefined || this.onProgress === undefined) return signal;
    const from = this.last;
    const to = Math.max(from, this.recorded);
    return {
      ...signal,
      onProgress: (done, label) => this.report(isStage(label) ? label : this.lastStage, from + (to - from) * done),
    };
  }

  /** The call is over: progress reaches 1 (a deferred encodeStyle records its work for a later read). */
  finish(): void {
    if (this.onProgress !== undefined && this.last < 1) this.report(this.lastStage, 1);
  }

  private report(stage: StylizeStage, fraction: number): void {
    const clamped = Math.min(1, Math.max(this.last, fraction));
    this.last = clamped;
    this.lastStage = stage;
    this.onProgress?.({ stage, fraction: clamped });
  }
}
