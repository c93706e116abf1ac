/**
 * Model directories (model.json + one safetensors file per component): load with verification, and produce
 * the bytes of a new one. The caller does the I/O (Node writes files atomically, a browser stores blobs).
 */
import { fileLabel, WeightsError } from './errors.js';
import { InvalidArgumentError } from '../errors.js';
import {
  defaultArchitecture,
  MODEL_FORMAT,
  MODEL_FORMAT_VERSION,
  parseModelJson,
  serializeModelJson,
  type ModelArchitecture,
  type ModelConfig,
  type ModelFileDtype,
  type ModelFileEntry,
  type ModelFileShard,
  type StrengthEndpointFile,
  validateModelConfig,
} from './model-json.js';
import { componentsOf, flattenStrengthEndpoint, validateComponent, validateStrengthEndpoint } from './official-names.js';
import { readRequired, type ReadFile } from './read-file.js';
import { readSafetensors, writeSafetensors } from './safetensors.js';
import { sha256Hex } from './sha256.js';
import type { ComponentName, ImageModelWeights, ModelVariant, VideoModelWeights, WeightMap } from './types.js';

export const MODEL_JSON_PATH = 'model.json';

export type LoadedModel =
  | { readonly config: ModelConfig & { readonly variant: 'image' }; readonly weights: ImageModelWeights }
  | { readonly config: ModelConfig & { readonly variant: 'video' }; readonly weights: VideoModelWeights };

export interface LoadModelOptions {
  /** Called after each component is read and verified (for progress bars on large downloads). */
  readonly onComponent?: (component: ComponentName, index: number, count: number) => void;
  /**
   * Read the strength endpoint when model.json has one (default true). With false its file is not read, and
   * strength below 1 moves the attention statistics and the colour anchor only, as in models without one.
   */
  readonly strength?: boolean;
}

/**
 * Reads `model.json` through `readFile`, then each component file, checking size, sha256, dtype and the
 * official keys and shapes. Files are read one at a time so peak memory is one file plus the decoded weights.
 */
export async function loadModelFromFiles(readFile: ReadFile, options: LoadModelOptions = {}): Promise<LoadedModel> {
  const config = parseModelJson(await readRequired(readFile, MODEL_JSON_PATH, 'the model description'), { file: MODEL_JSON_PATH });
  const components = componentsOf(config.variant);
  const maps: Partial<Record<ComponentName, WeightMap>> = {};
  for (const [index, component] of components.entries()) {
    const entry = config.files[component]!;
    const tensors = await readDeclaredTensors(readFile, entry, `files.${component}`);
    maps[component] = validateComponent(tensors, config.variant, component, { file: entry.path });
    options.onComponent?.(component, index, components.length);
  }
  const file = config.strength?.file;
  const strength =
    file === undefined || options.strength === false
      ? {}
      : {
          strength: validateStrengthEndpoint(await readDeclaredTensors(readFile, file, 'strength.file'), config.variant, {
            file: file.path,
          }),
        };
  if (config.variant === 'image') {
    const weights: ImageModelWeights = {
      encoder: maps.encoder!,
      transformer: maps.transformer!,
      adaattn3: maps.adaattn3!,
      decoder: maps.decoder!,
      ...strength,
    };
    return { config: config as ModelConfig & { variant: 'image' }, weights };
  }
  const weights: VideoModelWeights = { encoder: maps.encoder!, adaattn3: maps.adaattn3!, decoder: maps.decoder!, ...strength };
  return { config: config as ModelConfig & { variant: 'video' }, weights };
}

/** The tensors of the verified file at `where`, every one stored in the dtype model.json declares. */
async function readDeclaredTensors(readFile: ReadFile, entry: ModelFileEntry, where: string): Promise<WeightMap> {
  const { tensors, dtypes } = readSafetensors(await readModelFile(readFile, entry, where), { file: entry.path });
  for (const [key, dtype] of dtypes) {
    if (dtype !== entry.dtype) {
      throw new WeightsError(
        'invalid-model-json',
        `${fileLabel(entry.path)}tensor \`${key}\` is stored as ${dtype} but ${MODEL_JSON_PATH} declares ${where}.dtype "${entry.dtype}"`,
        { file: entry.path },
      );
    }
  }
  return tensors;
}

/**
 * Every file a host serves for `config`, in load order: each component's file (or its shards instead), then the
 * strength endpoint's. What a downloader fetches and checks; model.json itself is not listed.
 */
export function servedModelFiles(config: ModelConfig): ModelFileShard[] {
  const entries = [...componentsOf(config.variant).map((c) => config.files[c]!), ...(config.strength ? [config.strength.file] : [])];
  return entries.flatMap((e) => (e.shards ?? [e]).map(({ path, bytes, sha256 }) => ({ path, bytes, sha256 })));
}

/**
 * The verified bytes of the file model.json describes at `where` (e.g. `files.decoder`): the file at
 * `entry.path`, or its shards read in order, each checked against its own size and sha256 (so a bad download
 * names the piece to fetch again), then joined and checked as a whole.
 */
export async function readModelFile(readFile: ReadFile, entry: ModelFileEntry, where: string): Promise<Uint8Array> {
  const purpose = `${where} in ${MODEL_JSON_PATH}`;
  if (entry.shards === undefined) {
    const bytes = await readRequired(readFile, entry.path, purpose);
    await verifyFile(bytes, entry, where);
    return bytes;
  }
  const whole = new Uint8Array(entry.bytes);
  let offset = 0;
  for (const [i, shard] of entry.shards.entries()) {
    const piece = await readRequired(readFile, shard.path, `shard ${i + 1} of ${entry.shards.length} of ${purpose}`);
    await verifyFile(piece, shard, `${where}.shards[${i}]`);
    whole.set(piece, offset);
    offset += piece.length;
  }
  // Each shard matched, so only a model.json whose whole-file hash disagrees with its shards fails here.
  await verifyFile(whole, { ...entry, path: `${entry.path} (joined from ${entry.shards.length} shards)` }, where);
  return whole;
}

async function verifyFile(bytes: Uint8Array, entry: Pick<ModelFileEntry, 'path' | 'bytes' | 'sha256'>, what: string): Promise<void> {
  if (bytes.length !== entry.bytes) {
    const why = bytes.length < entry.bytes ? 'truncated download?' : 'replaced or appended to?';
    throw new WeightsError(
      'checksum-mismatch',
      `${fileLabel(entry.path)}is ${bytes.length} bytes but ${MODEL_JSON_PATH} says ${what} has ${entry.bytes} (${why})`,
      { file: entry.path },
    );
  }
  const actual = await sha256Hex(bytes);
  if (actual !== entry.sha256) {
    throw new WeightsError(
      'checksum-mismatch',
      `${fileLabel(entry.path)}sha256 is ${actual} but ${MODEL_JSON_PATH} says ${what} is ${entry.sha256} (corrupted or modified file; re-download or re-convert the model)`,
      { file: entry.path },
    );
  }
}

/** Largest file the public npm CDNs serve from a package: jsDelivr stops at 20 MB per file; 16 MiB leaves room. */
export const CDN_MAX_FILE_BYTES = 16 * 1024 * 1024;

/**
 * Splits one model file into shards of at most `maxBytes` (near-equal sizes), named `<path>.part-<n>`, and
 * returns the entry that describes them. A file within the limit comes back unchanged.
 */
export async function shardModelFile(
  entry: ModelFileEntry,
  bytes: Uint8Array,
  maxBytes: number = CDN_MAX_FILE_BYTES,
): Promise<{ readonly entry: ModelFileEntry; readonly files: ModelFile[] }> {
  if (!Number.isSafeInteger(maxBytes) || maxBytes <= 0)
    throw new InvalidArgumentError(`maxBytes must be a positive integer, got ${maxBytes}`);
  if (bytes.length <= maxBytes) return { entry, files: [{ path: entry.path, bytes }] };
  const count = Math.ceil(bytes.length / maxBytes);
  const size = Math.ceil(bytes.length / count);
  const files: ModelFile[] = [];
  const shards: ModelFileShard[] = [];
  for (let i = 0; i < count; i++) {
    const piece = bytes.subarray(i * size, Math.min(bytes.length, (i + 1) * size));
    const path = `${entry.path}.part-${i + 1}`;
    files.push({ path, bytes: piece });
    shards.push({ path, bytes: piece.length, sha256: await sha256Hex(piece) });
  }
  const { path, dtype, bytes: total, sha256 } = entry;
  return { entry: { path, dtype, bytes: total, sha256, shards }, files };
}

export interface ModelMeta {
  readonly name: string;
  /** Inferred from the weights (a `transformer` means image) when absent. */
  readonly variant?: ModelVariant;
  /** Overrides of the official defaults (see defaultArchitecture). */
  readonly architecture?: Partial<ModelArchitecture>;
  readonly provenance?: Readonly<Record<string, unknown>>;
  /** Written as model.json's `strength.provenance` when the weights have a strength endpoint. */
  readonly strengthProvenance?: Readonly<Record<string, unknown>>;
}

/** The strength endpoint's file name in a model directory. */
export const STRENGTH_FILE_PATH = 'strength.safetensors';

export interface WriteModelOptions {
  /** Storage of every tensor: float16 halves the download; float32 is exact. */
  readonly dtype: ModelFileDtype;
  /** File names per component (default `<component>.safetensors`). */
  readonly fileNames?: Readonly<Partial<Record<ComponentName, string>>>;
  /** Shard files larger than this (see shardModelFile); default: no sharding. */
  readonly maxFileBytes?: number;
}

export interface ModelFile {
  /** Relative to the model directory. */
  readonly path: string;
  readonly bytes: Uint8Array;
}

/**
 * The files of a model directory for `weights`: one safetensors file per component (official keys only;
 * extra encoder layers are dropped), then `model.json` last, so a caller writing in order never leaves a
 * model.json that points at files not yet written.
 */
export async function writeModel(
  weights: ImageModelWeights | VideoModelWeights,
  meta: ModelMeta,
  options: WriteModelOptions,
): Promise<ModelFile[]> {
  const variant: ModelVariant = meta.variant ?? ('transformer' in weights ? 'image' : 'video');
  const outputs: ModelFile[] = [];
  const files: Partial<Record<ComponentName, ModelFileEntry>> = {};
  for (const component of componentsOf(variant)) {
    const map = (weights as Partial<Record<ComponentName, WeightMap>>)[component];
    if (map === undefined) {
      throw new WeightsError(
        'weights-mismatch',
        `cannot write the ${variant} model: weights have no ${component} (expected ${componentsOf(variant).join(', ')})`,
      );
    }
    const official = validateComponent(map, variant, component);
    const path = options.fileNames?.[component] ?? `${component}.safetensors`;
    files[component] = await storeFile(
      path,
      writeSafetensors(official, { dtype: options.dtype, metadata: { component, variant } }),
      options,
      outputs,
    );
  }
  let strength: StrengthEndpointFile | undefined;
  if (weights.strength !== undefined) {
    const flat = flattenStrengthEndpoint(weights.strength);
    validateStrengthEndpoint(flat, variant);
    const bytes = writeSafetensors(flat, { dtype: options.dtype, metadata: { component: 'strength', variant } });
    strength = { file: await storeFile(STRENGTH_FILE_PATH, bytes, options, outputs), provenance: meta.strengthProvenance ?? {} };
  }
  const config = buildModelConfig({ ...meta, variant }, files, strength);
  outputs.push({ path: MODEL_JSON_PATH, bytes: new TextEncoder().encode(serializeModelJson(config)) });
  return outputs;
}

/** One file of a new model directory: appended to `outputs` whole, or as shards past `maxFileBytes`; its entry. */
async function storeFile(path: string, bytes: Uint8Array, options: WriteModelOptions, outputs: ModelFile[]): Promise<ModelFileEntry> {
  const whole: ModelFileEntry = { path, dtype: options.dtype, bytes: bytes.length, sha256: await sha256Hex(bytes) };
  const stored =
    options.maxFileBytes === undefined
      ? { entry: whole, files: [{ path, bytes }] }
      : await shardModelFile(whole, bytes, options.maxFileBytes);
  outputs.push(...stored.files);
  return stored.entry;
}

/** A validated ModelConfig from metadata and file entries (defaults fill the architecture). */
export function buildModelConfig(
  meta: ModelMeta & { readonly variant: ModelVariant },
  files: Partial<Record<ComponentName, ModelFileEntry>>,
  strength?: StrengthEndpointFile,
): ModelConfig {
  const defaults = defaultArchitecture(meta.variant);
  const raw = {
    format: MODEL_FORMAT,
    formatVersion: MODEL_FORMAT_VERSION,
    name: meta.name,
    variant: meta.variant,
    architecture: { ...defaults, ...meta.architecture, maxSample: { ...defaults.maxSample, ...meta.architecture?.maxSample } },
    files,
    provenance: meta.provenance ?? {},
    ...(strength === undefined ? {} : { strength }),
  };
  // Validate what we are about to write with the reader's own rules: a writer bug surfaces here, not at load time.
  return validateModelConfig(JSON.parse(JSON.stringify(raw)) as unknown, { file: MODEL_JSON_PATH });
}
