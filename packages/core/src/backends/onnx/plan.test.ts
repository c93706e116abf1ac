import { describe, expect, it } from 'vitest';
import { LazyValue, type RecordedOp } from './lazy-value.js';
import { recordedHistory } from './plan.js';

function op(...inputs: LazyValue[]): LazyValue {
  const recorded: RecordedOp = { signature: 'x', inputs, lower: () => '', cost: 1 };
  return new LazyValue([1], recorded, null);
}

describe('recordedHistory', () => {
  it('puts inputs before consumers even when a later target is an input of an earlier one', () => {
    const known = new LazyValue([1], null, Float32Array.of(1));
    const a = op(known);
    const b = op(a);
    const c = op(b, a);
    const order = recordedHistory([c, a, b]);
    expect(order).toEqual([a, b, c]);
    expect(order).not.toContain(known);
  });
});
