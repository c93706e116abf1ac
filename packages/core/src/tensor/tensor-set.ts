/**
 * Ownership for asynchronous pipelines, where `scope()` (synchronous by design) cannot span the awaits:
 * every tensor a step hands back is added here, freed early with `release` once no longer needed, and
 * whatever is left is freed by `dispose()` in a `finally`, whether the pipeline finished, threw or was
 * aborted.
 */
import type { Tensor } from './tensor.js';

export class TensorSet {
  private readonly tensors = new Set<Tensor>();

  add<T extends Tensor>(tensor: T): T {
    this.tensors.add(tensor);
    return tensor;
  }

  addAll<T extends readonly Tensor[]>(tensors: T): T {
    for (const t of tensors) this.tensors.add(t);
    return tensors;
  }

  /** Frees now. */
  release(...tensors: readonly Tensor[]): void {
    for (const t of tensors) {
      this.tensors.delete(t);
      t.dispose();
    }
  }

  /** Hands ownership back to the caller without freeing. */
  detach<T extends Tensor>(tensor: T): T {
    this.tensors.delete(tensor);
    return tensor;
  }

  dispose(): void {
    for (const t of this.tensors) t.dispose();
    this.tensors.clear();
  }
}
