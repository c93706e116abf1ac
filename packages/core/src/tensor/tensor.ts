/**
 * The opaque tensor handle that model code passes around.
 *
 * A `Tensor` is created only by a `Backend`, which tracks it for `scope()` and counts it while it lives.
 * It exposes its shape, never its data: reading is the asynchronous `Backend.read`.
 */
import type { Shape } from './types.js';
import { sizeOf } from './types.js';

/** What a tensor needs from the backend that made it. */
export interface TensorOwner {
  readonly name: string;
  /** Frees the handle; called once per tensor. */
  release(tensor: Tensor): void;
}

export class Tensor {
  readonly shape: Shape;
  readonly size: number;
  /** @internal The backend's handle. */
  readonly handle: unknown;
  /** @internal */
  readonly owner: TensorOwner;
  /** @internal Set by `Backend.keep`: no scope frees it. */
  kept = false;
  private disposedFlag = false;

  /** @internal Use the backend's ops to make tensors. */
  constructor(owner: TensorOwner, handle: unknown, shape: Shape) {
    this.owner = owner;
    this.handle = handle;
    this.shape = Object.freeze([...shape]);
    this.size = sizeOf(shape);
  }

  get rank(): number {
    return this.shape.length;
  }

  get isDisposed(): boolean {
    return this.disposedFlag;
  }

  /** Frees the tensor now. Idempotent. */
  dispose(): void {
    if (this.disposedFlag) return;
    this.disposedFlag = true;
    this.owner.release(this);
  }
}

/** Disposes every tensor found in an array or a plain object's values (one level deep), ignoring others. */
export function disposeAll(...items: readonly unknown[]): void {
  for (const item of items) {
    if (item instanceof Tensor) item.dispose();
    else if (Array.isArray(item)) item.forEach((x) => disposeAll(x));
    else if (isPlainObject(item)) Object.values(item).forEach((x) => disposeAll(x));
  }
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}
