/**
 * A watched read's recorded work (one with an AbortSignal or a progress callback) in pieces, so that the
 * caller's event loop turns between them.
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
import { wholeBytes } from './memory.js';
import { costOf, recordedHistory } from './plan.js';

interface Piece {
  /** What the piece computes and hands on: values a later piece reads, and the targets. */
  readonly outputs: readonly LazyValue[];
  /** Its last operation, when that alone is over the budget (computed in bands). */
  readonly heavy: LazyValue | undefined;
}

export class PieceRunner {
  private readonly banded: BandedRunner;

  constructor(banded: BandedRunner) {
    this.banded = banded;
  }

  /**
   * Computes the recorded values `targets`, in pieces of about `budget` work when they exceed one (the
   * rest is cut again after each piece: the cuts, and so the sessions, are the same from call to call).
   */
  async compute(targets: readonly LazyValue[], budget: number): Promise<void> {
    for (;;) {
      const pending = targets.filter((t) => !t.isKnown);
      if (pending.length === 0) return;
      const history = recordedHistory(pending);
      const size = budget;
      if (costOf(history) <= size) {
        await this.banded.compute(pending);
        return;
      }
      const piece = cutPieces(history, pending, size)[0] as Piece;
      const heavy = piece.heavy;
      // In bands, with the recorded operations before it in the piece; then whatever else it hands on.
      if (heavy !== undefined) await this.banded.inBands(heavy, Math.ceil((heavy.op?.cost ?? 0) / size));
      await this.banded.compute(piece.outputs);
    }
  }
}

/**
 * `history` (dependency order) cut into runs of at most `budget` work. Values live across a cut go through
 * host memory (slow: a 256 MiB feature map is a copy and fresh pages), so each cut is placed, among the
 * positions past half the budget, where the fewest bytes are live. An operation over the budget ends a
 * piece of its own, with the cheap operations just before it that would otherwise hand on a large value
 * (a padding before a full-resolution convolution): they are computed band by band with it.
 */
export function cutPieces(history: readonly LazyValue[], targets: readonly LazyValue[], budget: number): Piece[] {
  const n = history.length;
  const index = new Map(history.map((v, i) => [v, i]));
  const costs = history.map((v) => v.op?.cost ?? 0);
  // live[k]: bytes of values made at or before k and read after it (targets: to the end).
  const delta = new Float64Array(n + 1);
  const lastUse = history.map((v, i) => (targets.includes(v) ? n : i));
  history.forEach((v, i) => {
    for (const input of v.op?.inputs ?? []) {
      const from = index.get(input);
      if (from !== undefined) lastUse[from] = Math.max(lastUse[from] as number, i);
    }
  });
  history.forEach((v, i) => {
    if ((lastUse[i] as number) > i) {
      delta[i] = (delta[i] as number) + wholeBytes(v);
      delta[lastUse[i] as number] = (delta[lastUse[i] as number] as number) - wholeBytes(v);
    }
  });
  const live = new Float64Array(n);
  for (let k = 0, sum = 0; k < n; k++) live[k] = sum += delta[k] as number;
  const liveAt = (k: number) => (k < 0 ? 0 : (live[k] as number));

  const ranges: [number, number, boolean][] = []; // [first, last, heavy]
  let start = 0;
  let work = 0;
  for (let j = 0; j < n; j++) {
    const cost = costs[j] as number;
    if (cost > budget) {
      // Move the cheapest-to-cross boundary before j, within a cheap tail, in front of the heavy operation.
      let best = j - 1;
      let tail = 0;
      for (let k = j - 1; k >= start; k--) {
        tail += costs[k] as number;
        if (tail > budget / 4) break;
        if (liveAt(k - 1) < liveAt(best)) best = k - 1;
      }
      if (best >= start) ranges.push([start, best, false]);
      ranges.push([best + 1, j, true]);
      start = j + 1;
      work = 0;
      continue;
    }
    if (work + cost > budget && j > start) {
      let cut = j - 1;
      let acc = 0;
      for (let k = start; k < j; k++) {
        acc += costs[k] as number;
        if (acc >= budget / 2 && liveAt(k) <= liveAt(cut)) cut = k;
      }
      ranges.push([start, cut, false]);
      work = 0;
      for (let k = cut + 1; k < j; k++) work += costs[k] as number;
      start = cut + 1;
    }
    work += cost;
  }
  if (start < n) ranges.push([start, n - 1, false]);

  const pieceOf = new Int32Array(n);
  ranges.forEach(([a, b], p) => pieceOf.fill(p, a, b + 1));
  const handedOn = history.map(
    (v, i) => targets.includes(v) || (lastUse[i] as number) > (ranges[pieceOf[i] as number] as [number, number, boolean])[1],
  );
  return ranges.map(([a, b, heavy]) => ({
    outputs: history.slice(a, b + 1).filter((_, i) => handedOn[a + i]),
    heavy: heavy ? (history[b] as LazyValue) : undefined,
  }));
}
