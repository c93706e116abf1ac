/**
 * `@adaattn/core`: the AdaAttN model on an abstract tensor interface. No runtime is imported here; pick
 * one from a subpath (`@adaattn/core/backends/tfjs`) or implement `Kernels` for your own.
 */

// Errors
export * from './errors.js';

// Tensor interface
export { Backend, createBackend, type MemoryInfo } from './tensor/backend.js';
export type { BinaryOp, KernelInput, Kernels, Pads } from './tensor/kernels.js';
export { nearestSourceIndices } from './tensor/nearest.js';
export { BackendRegistry, backends, registerBackend, resolveBackend, type BackendFactory } from './tensor/registry.js';
export { Tensor, disposeAll } from './tensor/tensor.js';
export { TensorSet } from './tensor/tensor-set.js';
export { formatShape, sizeOf, type HostTensor, type Shape } from './tensor/types.js';

// Ops
export { attentionStats } from './ops/attention-stats.js';
export {
  chunkedAttentionStats,
  DEFAULT_MEMORY_BUDGET_BYTES,
  MASKED_LOGIT,
  rowsPerChunk,
  type AttentionMask,
  type ChunkedAttentionOptions,
} from './ops/attention.js';
export { buildKey } from './ops/keys.js';
export { meanStd, mvn, MVN_EPS } from './ops/mvn.js';
export { reflectPadTo } from './ops/pad.js';
export { createRng, samplePositions } from './ops/sampling.js';

// Model
export { floatToPixels, pixelsToFloat, type PixelImage } from './model/image.js';
export type { RunOptions, StylizeProgress, StylizeStage } from './model/run-context.js';
export {
  ATTENTION_LEVELS,
  DEFAULT_SEED,
  FEATURE_CHANNELS,
  KEY_CHANNELS,
  LEVELS,
  MAX_SAMPLE,
  type AttentionLevel,
  type Level,
} from './model/spec.js';
export { StyleFeatures, type AttentionMode } from './model/style-features.js';
export {
  MIN_PADDED_CONTENT_SIDE,
  MIN_STYLE_SIDE,
  paddedContentSize,
  Stylizer,
  type AttentionOptions,
  type CapturedFeatures,
  type EncodeStyleOptions,
  type StylizeFloatOptions,
  type StylizeFloatResult,
  type StylizeOptions,
} from './model/stylizer.js';
export { validateImageWeights } from './model/validate.js';

// Backends without dependencies
export { createReferenceBackend, registerReferenceBackend } from './backends/ref-cpu/index.js';

// Weights: formats, model directories, official names
export * from './weights/index.js';
