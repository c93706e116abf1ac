/**
 * Cancellation and progress on ONNX Runtime: a watched read runs in pieces (pieces.ts), so progress comes
 * from the work completed and an abort stops the work at the next piece, with nothing leaked and nothing
 * corrupted. Small pieces make a small image take many of them. By default ORT runs on a worker thread
 * (node-thread.ts): the caller's event loop turns while a run computes and an abort rejects at once; on the
 * calling thread ('main') it rejects when the piece in flight ends.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AbortError } from '../../errors.js';
import type { StylizeProgress } from '../../model/run-context.js';
import { Stylizer } from '../../model/stylizer.js';
import { randomImageWeights, testPixels } from '../../testing/index.js';
import type { Backend } from '../../tensor/backend.js';
import { onnxStats } from './create.js';
import { createOnnxNodeBackend } from './node.js';

const content = testPixels(112, 96, 3, 1);
const style = testPixels(80, 80, 3, 2);
/** 0.6 GFLOP a piece: the 112×96 call (~7 GFLOP) runs in a dozen pieces or more. */
const PIECE_FLOPS = 6e8;

describe('cancel and progress on onnx-node', { timeout: 120_000 }, () => {
  let backend: Backend;
  let stylizer: Stylizer;
  let whole: Stylizer;

  beforeAll(async () => {
    backend = await createOnnxNodeBackend({ threads: 2, pieceFlops: PIECE_FLOPS });
    const weights = randomImageWeights(5);
    stylizer = Stylizer.create(backend, weights);
    whole = Stylizer.create(await createOnnxNodeBackend({ threads: 2, pieceFlops: Infinity }), weights);
  });
  afterAll(() => {
    stylizer?.dispose();
    whole?.dispose();
  });

  it('runs in many pieces when watched (signal or progress), in one graph otherwise, with the same image', async () => {
    const runsBefore = onnxStats(backend)!.runs;
    const a = await stylizer.stylize(content, style, { signal: new AbortController().signal });
    const runsWatched = onnxStats(backend)!.runs;
    expect(runsWatched - runsBefore).toBeGreaterThan(10);
    await stylizer.stylize(content, style);
    expect(onnxStats(backend)!.runs - runsWatched).toBeLessThanOrEqual(2); // the style's values, then the output
    const b = await whole.stylize(content, style);
    let worst = 0;
    for (let i = 0; i < a.data.length; i++) worst = Math.max(worst, Math.abs((a.data[i] as number) - (b.data[i] as number)));
    expect(worst).toBeLessThanOrEqual(1); // float32 sums in another order: at most one 8-bit step
  });

  it('reports progress from completed work: monotone, many steps, 1 only at the end', async () => {
    const seen: { at: number; p: StylizeProgress }[] = [];
    const t0 = performance.now();
    await stylizer.stylize(content, style, { onProgress: (p) => seen.push({ at: performance.now() - t0, p }) });
    const total = performance.now() - t0;
    const fractions = seen.map((s) => s.p.fraction);
    expect(fractions.every((f, i) => i === 0 || f >= (fractions[i - 1] as number))).toBe(true);
    expect(new Set(fractions).size).toBeGreaterThan(10);
    expect(fractions.filter((f) => f === 1)).toHaveLength(1);
    expect(fractions.at(-1)).toBe(1);
    // Halfway through the work is not in the first or last tenth of the time (recording alone took ms).
    const half = seen.find((s) => s.p.fraction >= 0.5)!.at;
    expect(half / total).toBeGreaterThan(0.1);
    expect(half / total).toBeLessThan(0.9);
    expect(new Set(seen.map((s) => s.p.stage))).toEqual(new Set(['encode-style', 'encode-content', 'attention', 'decode']));
  });

  it('an abort fired while a piece runs rejects within a second, typed, with nothing leaked or corrupted', async () => {
    const expected = await stylizer.stylize(content, style);
    const tensors = backend.memory().tensors;
    const controller = new AbortController();
    let abortedAt = 0;
    let armed = false;
    const call = stylizer.stylize(content, style, {
      signal: controller.signal,
      onProgress: ({ fraction }) => {
        if (armed || fraction < 0.3) return;
        armed = true;
        // A timer: the abort lands while the next piece runs, not between pieces.
        setTimeout(() => {
          abortedAt = performance.now();
          controller.abort();
        }, 5);
      },
    });
    const error = await call.then(
      () => undefined,
      (e: unknown) => e,
    );
    const latency = performance.now() - abortedAt;
    expect(abortedAt).toBeGreaterThan(0);
    expect(error).toBeInstanceOf(AbortError);
    expect((error as AbortError).code).toBe('aborted');
    expect(latency).toBeLessThan(1000);
    expect(backend.memory().tensors).toBe(tensors);
    // Values computed before the abort stay valid: the next call gives the same image.
    const again = await stylizer.stylize(content, style);
    expect(Buffer.from(again.data).equals(Buffer.from(expected.data))).toBe(true);
  });

  it('off the calling thread, the event loop turns during one long graph and an abort rejects at once', async () => {
    const big = testPixels(320, 320, 3, 3);
    const offThread = Stylizer.create(await createOnnxNodeBackend({ threads: 2, pieceFlops: Infinity }), randomImageWeights(5));
    try {
      await offThread.stylize(big, style); // sessions made
      let ticks = 0;
      let worstGap = 0;
      let last = performance.now();
      const timer = setInterval(() => {
        const now = performance.now();
        worstGap = Math.max(worstGap, now - last);
        last = now;
        ticks++;
      }, 5);
      const t0 = performance.now();
      await offThread.stylize(big, style);
      const whole = performance.now() - t0;
      clearInterval(timer);
      expect(whole).toBeGreaterThan(100); // long enough that a blocked loop would show
      expect(ticks).toBeGreaterThan(whole / 5 / 4);
      expect(worstGap).toBeLessThan(Math.max(100, whole / 2));

      const controller = new AbortController();
      const call = offThread.stylize(big, style, { signal: controller.signal });
      await new Promise((r) => setTimeout(r, whole / 3)); // inside the one graph's run
      const abortedAt = performance.now();
      controller.abort();
      await expect(call).rejects.toBeInstanceOf(AbortError);
      expect(performance.now() - abortedAt).toBeLessThan(50);
    } finally {
      offThread.dispose();
    }
  });

  it('an abort while the call waits for another one rejects at once', async () => {
    const first = stylizer.stylize(content, style);
    const controller = new AbortController();
    const second = stylizer.stylize(content, style, { signal: controller.signal });
    const t0 = performance.now();
    setTimeout(() => controller.abort(), 1);
    await expect(second).rejects.toBeInstanceOf(AbortError);
    expect(performance.now() - t0).toBeLessThan(1000);
    await first;
  });
});
