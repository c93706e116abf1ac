/**
 * Lowering: the recorded operations some values depend on → one ONNX graph that computes them from what is
 * known (graph-builder.ts does the bookkeeping).
 */
import { GraphBuilder, type Plan } from './graph-builder.js';
import type { LazyValue } from './lazy-value.js';
import { estimatePeakBytes } from './memory.js';

export type { Feed, Plan, PlanWork } from './graph-builder.js';

/** The recorded values `targets` depend on, themselves included, inputs before consumers (iterative: graphs can be deep). */
export function recordedHistory(targets: readonly LazyValue[]): LazyValue[] {
  const order: LazyValue[] = [];
  const seen = new Set<LazyValue>();
  // One complete depth-first walk per target: a target that another one depends on must come first.
  for (const target of targets) {
    if (target.op === null || seen.has(target)) continue;
    seen.add(target);
    const stack: { value: LazyValue; next: number }[] = [{ value: target, next: 0 }];
    while (stack.length > 0) {
      const top = stack[stack.length - 1] as { value: LazyValue; next: number };
      const inputs = top.value.op?.inputs ?? [];
      if (top.next < inputs.length) {
        const input = inputs[top.next++] as LazyValue;
        if (input.op !== null && !seen.has(input)) {
          seen.add(input);
          stack.push({ value: input, next: 0 });
        }
      } else {
        stack.pop();
        order.push(top.value);
      }
    }
  }
  return order;
}

/**
 * The graph that computes `targets` (recorded values) from what is known; outputs in the order of `targets`.
 * `blockSize`: the runtime's NCHWc block size (Emitter.blockSize; 1: plain NCHW only).
 */
export function planFor(targets: readonly LazyValue[], history = recordedHistory(targets), blockSize = 1): Plan {
  const g = new GraphBuilder(blockSize);
  const names = new Map<LazyValue, string>();
  for (const v of history) {
    const op = v.op;
    if (op === null) continue;
    const inputNames = op.inputs.map((i) => (i.op === null ? g.leaf(i) : (names.get(i) as string)));
    names.set(v, op.lower(g, inputNames));
  }
  const outputs = targets.map((v) => ({ name: names.get(v) as string, dims: v.shape }));
  return g.finish(outputs, estimatePeakBytes(history, targets), { cost: costOf(history), label: history.at(-1)?.mark?.label });
}

/** The estimated work of computing the recorded values of `values` (RecordedOp.cost). */
export function costOf(values: readonly LazyValue[]): number {
  let sum = 0;
  for (const v of values) sum += v.op?.cost ?? 0;
  return sum;
}
