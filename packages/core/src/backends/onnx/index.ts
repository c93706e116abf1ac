/**
 * `@adaattn/core/backends/onnx`: the tensor interface on ONNX Runtime, for any runtime package.
 *
 * Kernels record operations; reading a value runs them as one ONNX graph (sessions cached by structure).
 * This entry imports no runtime: `@adaattn/core/backends/onnx/node` adapts onnxruntime-node and
 * `@adaattn/core/backends/onnx/web` onnxruntime-web; anything else that looks like their API can be
 * adapted with `createOnnxBackendFrom`.
 */
export {
  createOnnxBackendFrom,
  DEFAULT_GRAPH_MEMORY_BYTES,
  onnxStats,
  type GraphRunInfo,
  type OnnxGraphOptions,
  type OnnxStats,
} from './create.js';
export type { OnnxRuntime, RuntimeSession, RuntimeTensor } from './runtime.js';
export { encodeModel, OPSET, type OnnxGraph } from './onnx-model.js';
