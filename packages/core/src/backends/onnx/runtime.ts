/**
 * What the recorder needs from an ONNX Runtime package: make a session from model bytes, wrap arrays as
 * tensors, run. onnxruntime-node and onnxruntime-web each adapt to this in a few lines (node.ts, web.ts),
 * so everything else here is runtime-agnostic and imports no runtime.
 */

export interface RuntimeTensor {
  readonly dims: readonly number[];
  readonly data: unknown;
  dispose?(): void;
}

export interface RuntimeSession {
  run(feeds: Record<string, RuntimeTensor>): Promise<Record<string, RuntimeTensor>>;
  release(): Promise<void>;
}

export interface OnnxRuntime {
  /** Shown as the backend's name, e.g. 'onnx-node' or 'onnx-web-webgpu'. */
  readonly name: string;
  createSession(model: Uint8Array): Promise<RuntimeSession>;
  tensor(type: 'float32' | 'int64', data: Float32Array | BigInt64Array, dims: readonly number[]): RuntimeTensor;
}
