/**
 * A rough peak-memory estimate for running recorded values as one graph: walk them in recording order,
 * allocate each value at its producer and free it after its last consumer, and take the largest sum.
 * ONNX Runtime plans its own order and adds temporaries (blocked-layout copies around convolutions), so
 * the sum is scaled by OVERHEAD. Known inputs are not counted: they are in memory anyway.
 */
import type { LazyValue } from './lazy-value.js';
import { sizeOf } from '../../tensor/types.js';

export function wholeBytes(v: LazyValue): number {
  return 4 * sizeOf(v.shape);
}

/** ORT's own temporaries (NCHWc reorders, im2col, padded copies) on top of the values themselves. */
const OVERHEAD = 1.5;

/**
 * `history` in dependency order (plan.ts `recordedHistory`); `outputs` stay alive to the end; `bytesOf`
 * sizes a value (default: all of it; banded graphs hold only a band).
 */
export function estimatePeakBytes(
  history: readonly LazyValue[],
  outputs: readonly LazyValue[],
  bytesOf: (v: LazyValue) => number = wholeBytes,
): number {
  const lastUse = new Map<LazyValue, number>();
  history.forEach((v, i) => v.op?.inputs.forEach((input) => lastUse.set(input, i)));
  for (const o of outputs) lastUse.set(o, history.length);
  const frees: number[][] = history.map(() => []);
  let live = 0;
  let peak = 0;
  history.forEach((v, i) => {
    const bytes = bytesOf(v);
    live += bytes;
    peak = Math.max(peak, live);
    const end = lastUse.get(v) ?? i;
    if (end < history.length) (frees[end] as number[]).push(bytes);
    for (const b of frees[i] as number[]) live -= b;
  });
  return peak * OVERHEAD;
}
