/**
 * Progress and cancellation for one long call (encodeStyle, stylize).
 *
 * Model code runs as synchronous steps (one scope each) and awaits `step()` between them: that is where an
 * AbortSignal is honoured and progress reported. When the caller passed a signal or a progress callback,
 * `step()` also yields to the event loop, so that the abort or a UI repaint can actually happen.
 */
import { AbortError } from '../errors.js';

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
}

export class RunContext implements StepReporter {
  private readonly signal: AbortSignal | undefined;
  private readonly onProgress: ((progress: StylizeProgress) => void) | undefined;
  private readonly start = new Map<StylizeStage, number>();
  private readonly total: number;
  private last = 0;

  constructor(options: RunOptions, stages: readonly StylizeStage[]) {
    this.signal = options.signal;
    this.onProgress = options.onProgress;
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
    return { step: (_stage, done, total) => this.step(stage, index + done / total, parts) };
  }

  /** Marks `done` of `total` units of `stage` complete; throws AbortError if the signal has fired. */
  async step(stage: StylizeStage, done: number, total: number): Promise<void> {
    this.throwIfAborted();
    if (this.onProgress !== undefined) {
      const begin = this.start.get(stage) ?? 0;
      const fraction = Math.min(1, Math.max(this.last, (begin + STAGE_WEIGHT[stage] * (done / total)) / this.total));
      this.last = fraction;
      this.onProgress({ stage, fraction });
    }
    if (this.signal !== undefined || this.onProgress !== undefined) {
      await yieldToEventLoop();
      this.throwIfAborted();
    }
  }
}
