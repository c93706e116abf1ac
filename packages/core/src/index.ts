/**
 * `@adaattn/core`: the AdaAttN model on an abstract tensor interface. No runtime is imported here; pick
 * one from a subpath (`@adaattn/core/backends/tfjs`) or implement `Kernels` for your own.
 */

// Errors
export * from './errors.js';

// Tensor interface
export { Backend, createBackend, type MemoryInfo } from './tensor/backend.js';
export type { BinaryOp, ConvInt8Ranges, KernelInput, Kernels, Pads, ReadControl } from './tensor/kernels.js';
export { nearestSourceIndices } from './tensor/nearest.js';
export {
  BackendRegistry,
  backends,
  registerBackend,
  resolveBackend,
  type BackendFactory,
  type ResolvedBackend,
  type ReusePolicy,
} from './tensor/registry.js';
export { Tensor, disposeAll } from './tensor/tensor.js';
export { TensorSet } from './tensor/tensor-set.js';
export { formatShape, sizeOf, type HostTensor, type Shape } from './tensor/types.js';

// Ops
export { attentionStats, COSINE_ROW_EPS, LOGIT_FLOOR_BELOW_ROW_MAX, type AttentionKind } from './ops/attention-stats.js';
export { COSINE_NORM_EPS, unitColumns, unitRows } from './ops/cosine.js';
export {
  chunkedAttentionStats,
  DEFAULT_MEMORY_BUDGET_BYTES,
  MASKED_LOGIT,
  rowsPerChunk,
  type AttentionMask,
  type ChunkedAttentionOptions,
} from './ops/chunked-attention.js';
export { buildKey } from './ops/keys.js';
export { meanStd, mvn, MVN_EPS } from './ops/mvn.js';
export { reflectPadTo } from './ops/pad.js';
export { createRng, samplePositions } from './ops/sampling.js';

// Model
export { floatToPixels, pixelsToFloat, type PixelImage } from './pixels/image.js';
export type { RunOptions, StylizeProgress, StylizeStage } from './model/run-context.js';
export {
  ATTENTION_LEVELS,
  DEFAULT_SEED,
  FEATURE_CHANNELS,
  KEY_CHANNELS,
  LEVELS,
  MAX_SAMPLE,
  VIDEO_MAX_SAMPLE,
  type AttentionLevel,
  type Level,
} from './architecture.js';
export { StyleFeatures, type AttentionMode, type ImageSize } from './model/style-features.js';
export {
  paddedSize,
  StylizerBase,
  type AttentionOptions,
  type EncodeStyleOptions,
  type RawCapture,
  type StyleImage,
  type StyleInput,
  type StylizeFloatOptions,
  type StylizeOptions,
} from './model/stylizer-base.js';
export {
  MIN_PADDED_CONTENT_SIDE,
  MIN_STYLE_SIDE,
  paddedContentSize,
  Stylizer,
  type CapturedFeatures,
  type StylizeFloatResult,
} from './model/stylizer.js';
export {
  VIDEO_MIN_PADDED_CONTENT_SIDE,
  VIDEO_MIN_STYLE_SIDE,
  VideoStylizer,
  type VideoCapturedFeatures,
  type VideoStylizeFloatResult,
} from './model/video-stylizer.js';
export { stylizerFromWeights, type AnyStylizer } from './model/create.js';
export type { NetworkOptions } from './model/network.js';
export { validateImageWeights, validateVideoWeights } from './model/validate.js';

// Creative controls
export { checkStrength, normaliseWeights, STYLE_MIXES, type ControlOptions, type StyleMix } from './model/controls.js';
export type { RegionPair } from './model/regions.js';
export { MASK_THRESHOLD, resizeMask, toBinaryMask, type BinaryMask, type RegionMask } from './pixels/mask.js';
export { DEFAULT_FLOOD_TOLERANCE, floodFill, type FloodFillOptions, type Point } from './pixels/flood-fill.js';
export {
  anchorColorMeans,
  chroma,
  colorMoments,
  luminance,
  LUMA,
  matchColors,
  PRESERVE_COLOR_MODES,
  transferLuminance,
  type PreserveColor,
} from './pixels/color.js';

// Backends without dependencies
export { createReferenceBackend, registerReferenceBackend } from './backends/ref-cpu/index.js';

// Weights: formats, model directories, official names
export * from './weights/index.js';
