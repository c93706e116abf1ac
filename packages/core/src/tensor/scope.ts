/**
 * `scope(fn)` / `keep(t)` bookkeeping with the semantics of tfjs `tidy` (engine.ts startScope/endScope):
 * every tensor made while `fn` runs is freed when it returns, except the tensors it returns (handed to the
 * enclosing scope, or to the caller at top level) and kept ones; the scope closes even when `fn` throws.
 *
 * Scopes are synchronous on purpose: an `await` inside one would let another call's tensors land in its
 * frame. Long jobs run one scope per step and await between steps (see model/run-context.ts).
 */
import { InvalidArgumentError } from '../errors.js';
import { isPlainObject, Tensor } from './tensor.js';

export class ScopeStack {
  private readonly frames: Tensor[][] = [];

  get depth(): number {
    return this.frames.length;
  }

  /** Records a new tensor in the innermost open scope (tensors made outside any scope are the caller's). */
  track(tensor: Tensor): void {
    this.frames[this.frames.length - 1]?.push(tensor);
  }

  run<T>(fn: () => T): T {
    const frame: Tensor[] = [];
    this.frames.push(frame);
    let result: T;
    try {
      result = fn();
    } catch (error) {
      this.close(frame, new Set());
      throw error;
    }
    if (isThenable(result)) {
      this.close(frame, new Set());
      throw new InvalidArgumentError(
        'scope() was given an async function: scopes are synchronous (an await inside one would capture other ' +
          "calls' tensors). Run each synchronous step in its own scope and await between steps.",
      );
    }
    const returned = new Set<Tensor>();
    collect(result, returned, 0);
    this.close(frame, returned);
    return result;
  }

  private close(frame: Tensor[], returned: ReadonlySet<Tensor>): void {
    const index = this.frames.lastIndexOf(frame);
    this.frames.splice(index, 1);
    const parent = this.frames[this.frames.length - 1];
    for (const t of frame) {
      if (returned.has(t)) parent?.push(t);
      else if (!t.kept) t.dispose();
    }
  }
}

function isThenable(value: unknown): boolean {
  return (
    value !== null && (typeof value === 'object' || typeof value === 'function') && typeof (value as { then?: unknown }).then === 'function'
  );
}

/** Tensors in the result: the value itself, arrays and plain objects, a few levels deep. */
function collect(value: unknown, into: Set<Tensor>, depth: number): void {
  if (value instanceof Tensor) into.add(value);
  else if (depth > 4) return;
  else if (Array.isArray(value)) for (const v of value) collect(v, into, depth + 1);
  else if (value instanceof Map) for (const v of value.values()) collect(v, into, depth + 1);
  else if (isPlainObject(value)) for (const v of Object.values(value)) collect(v, into, depth + 1);
}
