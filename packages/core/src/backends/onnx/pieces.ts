/**
 * A read's recorded work in pieces, so that the caller's event loop turns between them.
 *
 * ONNX Runtime's run blocks its thread (onnxruntime-node runs on the main thread, onnxruntime-web's wasm
 * likewise): one graph for a whole stylize left an AbortSignal, a second Ctrl-C or a repaint waiting until
 * it was over (24 s at 1024² on 2 cores). So the values to compute are cut, in dependency order, into
 * consecutive pieces of at most `pieceFlops` estimated work, each a graph of its own whose outputs are what
 * later pieces (or the caller) read; one operation that alone exceeds the budget (a full-resolution
 * convolution, an attention chunk at large sizes) is computed in bands of rows. The executor checks the
 * signal and reports progress after every run.
 *
 * Cut positions depend only on the graph's structure, so the pieces of one image size reuse their sessions
 * from call to call. The price: values crossing a cut go through host memory, and ONNX Runtime cannot fuse
 * across a cut (tools/bench/abort-latency.mjs measures both sides).
 */
import type { BandedRunner } from './banded.js';
import type { LazyValue } from './lazy-value.js';
import { costOf, recordedHistory } from './plan.js';

interface Piece {
  /** What the piece computes and hands on: values a later piece reads, and the targets. */
  readonly outputs: readonly LazyValue[];
  /** Its one operation, when that alone is over the budget (computed in bands). */
  readonly heavy: LazyValue | undefined;
}

/** Seconds of work a piece aims at: an abort waits at most about this long (plus a turn of the loop). */
const PIECE_MS = 200;
/** Bounds of the adapted piece size: below, per-run overhead dominates; above, a GPU's pieces are long anyway. */
const MIN_PIECE_FLOPS = 2 ** 28;
const MAX_PIECE_FLOPS = 2 ** 42;

/**
 * The work per piece: fixed when the caller chose it, otherwise adapted between reads to about PIECE_MS
 * at the throughput measured so far (a loaded machine gets smaller pieces). Sizes are powers of two and
 * change only when the ideal is well away from the current one, so the same cuts, and sessions, recur.
 */
export class PieceSize {
  private flops: number;
  private readonly fixed: boolean;
  /** Measured FLOPs per millisecond (moving average), over runs large enough to tell. */
  private rate: number | undefined;

  constructor(initial: number, fixed: boolean) {
    this.flops = initial;
    this.fixed = fixed;
  }

  get current(): number {
    return this.flops;
  }

  observe(cost: number, ms: number): void {
    if (this.fixed || ms <= 0 || cost < this.flops / 4) return;
    const rate = cost / ms;
    this.rate = this.rate === undefined ? rate : 0.7 * this.rate + 0.3 * rate;
  }

  /** Between reads: moves to the power of two nearest the ideal when the current size is off by over 2^0.75. */
  settle(): void {
    if (this.fixed || this.rate === undefined) return;
    const ideal = Math.log2(Math.min(MAX_PIECE_FLOPS, Math.max(MIN_PIECE_FLOPS, this.rate * PIECE_MS)));
    if (Math.abs(ideal - Math.log2(this.flops)) > 0.75) this.flops = 2 ** Math.round(ideal);
  }
}

export class PieceRunner {
  private readonly banded: BandedRunner;

  constructor(banded: BandedRunner) {
    this.banded = banded;
  }

  /** Computes the recorded values `targets`, in pieces of about `budget` work when they exceed one. */
  async compute(targets: readonly LazyValue[], budget: number): Promise<void> {
    const pending = targets.filter((t) => !t.isKnown);
    if (pending.length === 0) return;
    const history = recordedHistory(pending);
    if (costOf(history) <= budget) {
      await this.banded.compute(pending);
      return;
    }
    for (const piece of cutPieces(history, pending, budget)) {
      const heavy = piece.heavy;
      if (heavy !== undefined && (await this.banded.inBands(heavy, Math.ceil((heavy.op?.cost ?? 0) / budget)))) continue;
      await this.banded.compute(piece.outputs);
    }
  }
}

/** `history` (dependency order) cut greedily into runs of at most `budget` work (a heavier operation alone). */
export function cutPieces(history: readonly LazyValue[], targets: readonly LazyValue[], budget: number): Piece[] {
  const pieceOf = new Map<LazyValue, number>();
  const pieces: LazyValue[][] = [];
  let current: LazyValue[] = [];
  let work = 0;
  for (const v of history) {
    const cost = v.op?.cost ?? 0;
    if (current.length > 0 && work + cost > budget) {
      pieces.push(current);
      current = [];
      work = 0;
    }
    current.push(v);
    work += cost;
    pieceOf.set(v, pieces.length);
  }
  pieces.push(current);
  const handedOn = new Set<LazyValue>(targets);
  for (const v of history) {
    const own = pieceOf.get(v) as number;
    for (const input of v.op?.inputs ?? []) {
      const from = pieceOf.get(input);
      if (from !== undefined && from < own) handedOn.add(input);
    }
  }
  return pieces.map((values) => {
    const only = values.length === 1 ? (values[0] as LazyValue) : undefined;
    return { outputs: values.filter((v) => handedOn.has(v)), heavy: only !== undefined && (only.op?.cost ?? 0) > budget ? only : undefined };
  });
}
