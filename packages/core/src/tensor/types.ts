/**
 * Plain data types shared by the tensor interface, the model and the weight readers.
 */

/** Row-major dimensions. Rank-4 activations are NCHW. */
export type Shape = readonly number[];

/**
 * A float32 tensor in ordinary memory (row-major, NCHW for images). Structurally the same as a weight
 * reader's `WeightTensor`, so fixtures read from safetensors can be passed in as they are.
 */
export interface HostTensor {
  readonly shape: Shape;
  readonly data: Float32Array;
}

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function formatShape(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
