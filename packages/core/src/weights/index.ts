/**
 * Weight formats, independent of any tensor runtime: safetensors, PyTorch .pth (zip and legacy, read without
 * executing pickles), float16, model directories (model.json) and the official checkpoint layout.
 */
export type {
  ComponentName,
  ImageModelWeights,
  ModelVariant,
  ModelWeights,
  StorageDtype,
  StrengthEndpoint,
  VideoModelWeights,
  WeightMap,
  WeightTensor,
} from './types.js';
export { WeightsError, type WeightsErrorCode, type WeightsErrorOptions } from './errors.js';
export {
  bfloat16BitsToFloat32,
  bfloat16ToFloat32Array,
  FLOAT16_MAX,
  float16BitsToFloat32,
  float16ToFloat32Array,
  float32ToFloat16Array,
  float32ToFloat16Bits,
} from './float16.js';
export { sha256, sha256Hex } from './sha256.js';
export {
  readSafetensors,
  writeSafetensors,
  type ReadSafetensorsOptions,
  type SafetensorsContents,
  type WriteSafetensorsOptions,
} from './safetensors.js';
export { isPth, readPth, type PthContents, type ReadPthOptions } from './pth.js';
export {
  detectWeightFormat,
  readWeights,
  type ReadWeightsOptions,
  type WeightFileContents,
  type WeightFileFormat,
} from './read-weights.js';
export {
  checkComponent,
  componentsOf,
  expectedShapes,
  identifyComponent,
  IMAGE_COMPONENTS,
  LAST_ENCODER_LAYER,
  officialFileNames,
  validateComponent,
  validateStrengthEndpoint,
  VIDEO_COMPONENTS,
  type ComponentCheck,
  type Identification,
  type ShapeMismatch,
  type ValidateOptions,
} from './official-names.js';
export {
  defaultArchitecture,
  MODEL_FORMAT,
  MODEL_FORMAT_VERSION,
  parseModelJson,
  serializeModelJson,
  validateModelConfig,
  type FeatureLevel,
  type Int8Calibration,
  type StrengthEndpointFile,
  type ModelArchitecture,
  type ModelConfig,
  type ModelFileDtype,
  type ModelFileEntry,
  type ModelFileShard,
  type ParseModelJsonOptions,
} from './model-json.js';
export type { ReadFile } from './read-file.js';
export {
  buildModelConfig,
  CDN_MAX_FILE_BYTES,
  loadModelFromFiles,
  MODEL_JSON_PATH,
  STRENGTH_FILE_PATH,
  readModelFile,
  servedModelFiles,
  shardModelFile,
  writeModel,
  type LoadedModel,
  type LoadModelOptions,
  type ModelFile,
  type ModelMeta,
  type WriteModelOptions,
} from './model-files.js';
export { loadOfficialFiles, type LoadOfficialOptions } from './official-files.js';
