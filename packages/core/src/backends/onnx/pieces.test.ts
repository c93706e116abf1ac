import { describe, expect, it } from 'vitest';
import { LazyValue } from './lazy-value.js';
import { cutPieces } from './pieces.js';
import { recordedHistory } from './plan.js';

/** A recorded value of `elements` floats and `cost` work reading `inputs`. */
function op(elements: number, cost: number, ...inputs: LazyValue[]): LazyValue {
  return new LazyValue([elements], { signature: 'x', inputs, lower: () => '', cost }, null);
}

describe('cutPieces', () => {
  const known = new LazyValue([1], null, Float32Array.of(1));

  it('keeps pieces within the budget and hands on exactly what later pieces read', () => {
    let x = op(10, 4, known);
    const chain = [x];
    for (let i = 0; i < 9; i++) chain.push((x = op(10, 4, x)));
    const pieces = cutPieces(recordedHistory([x]), [x], 10);
    expect(pieces.length).toBeGreaterThanOrEqual(4);
    for (const p of pieces) expect(p.heavy).toBeUndefined();
    // Each piece hands on its last value only (a chain), and the last piece the target.
    expect(pieces.flatMap((p) => p.outputs)).toEqual(pieces.map((p) => p.outputs.at(-1)));
    expect(pieces.at(-1)!.outputs).toEqual([x]);
  });

  it('cuts where the fewest bytes are live', () => {
    // big → small → big → small …: a cut after a small value hands on little.
    const a = op(1000, 3, known);
    const b = op(10, 3, a);
    const c = op(1000, 3, b);
    const d = op(10, 3, c);
    const pieces = cutPieces(recordedHistory([d]), [d], 8);
    expect(pieces[0]!.outputs).toEqual([b]);
  });

  it('puts an operation over the budget in a piece of its own, with the cheap operation that feeds it', () => {
    const small = op(10, 1, known);
    const pad = op(1000, 1, small); // large output, cheap: better banded with the heavy op than handed on
    const heavy = op(1000, 50, pad);
    const after = op(10, 1, heavy);
    const pieces = cutPieces(recordedHistory([after]), [after], 10);
    const withHeavy = pieces.find((p) => p.heavy === heavy)!;
    expect(withHeavy.outputs).toEqual([heavy]);
    expect(pieces.flatMap((p) => p.outputs)).not.toContain(pad);
    expect(pieces.flatMap((p) => p.outputs)).toContain(after);
  });
});
