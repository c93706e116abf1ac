/**
 * `model.json`: the description of a model directory (docs/ARCHITECTURE.md, "Model directory").
 *
 * Parsing is strict about everything a loader acts on (variant, files, dtypes, checksums, architecture) and
 * lenient about unknown top-level keys, so a later version-1 writer may add informational fields. Every
 * error names the JSON path at fault, e.g. "model.json: `files.decoder.sha256` must be …".
 */
import { DEFAULT_SEED, MAX_SAMPLE, networkSpec, VIDEO_MAX_SAMPLE } from '../architecture.js';
import type { ConvInt8Ranges } from '../tensor/kernels.js';
import { fileLabel, preview, WeightsError } from './errors.js';
import { componentsOf } from './official-names.js';
import type { ComponentName, ModelVariant } from './types.js';

export const MODEL_FORMAT = 'adaattn-model';
export const MODEL_FORMAT_VERSION = 1;

/** The storage dtypes a model directory may use (plugins want float16 for size). */
export type ModelFileDtype = 'float16' | 'float32';

export interface ModelFileEntry {
  /** Relative to the model directory, `/`-separated, never leaving it. */
  readonly path: string;
  readonly dtype: ModelFileDtype;
  readonly bytes: number;
  /** Lowercase hex. */
  readonly sha256: string;
  /**
   * When present, the file is stored as these consecutive pieces instead of at `path` (public npm CDNs serve
   * at most 20 MB per file); `bytes` and `sha256` above stay those of the whole, joined file.
   */
  readonly shards?: readonly ModelFileShard[];
}

/** One consecutive piece of a sharded model file. */
export interface ModelFileShard {
  readonly path: string;
  readonly bytes: number;
  readonly sha256: string;
}

export type FeatureLevel = 'relu3_1' | 'relu4_1' | 'relu5_1';

export interface ModelArchitecture {
  readonly encoder: 'vgg19-relu5_1' | 'vgg19-relu3_1';
  /** Keys concatenate the shallower levels' normalised features (the released model's `shallow_layer`). */
  readonly shallowLayer: boolean;
  /** The relu3_1 AdaAttN skip into the decoder (`skip_connection_3`); image model only. */
  readonly skipConnection3?: boolean;
  /** Cap on sampled style positions per level (the official defaults); the levels the variant attends at. */
  readonly maxSample: Readonly<Partial<Record<FeatureLevel, number>>>;
  /** Seed of the style-position sampling. */
  readonly seed: number;
}

export interface ModelConfig {
  readonly format: typeof MODEL_FORMAT;
  readonly formatVersion: typeof MODEL_FORMAT_VERSION;
  readonly name: string;
  readonly variant: ModelVariant;
  readonly architecture: ModelArchitecture;
  /** Exactly the variant's components (image: encoder, transformer, adaattn3, decoder; video: no transformer). */
  readonly files: Readonly<Partial<Record<ComponentName, ModelFileEntry>>>;
  /** Free-form: source, training configuration, data hash, iterations, losses. */
  readonly provenance: Readonly<Record<string, unknown>>;
  /** Activation ranges for int8 convolutions (`precision: 'int8'`); absent: the model runs in float32 only. */
  readonly int8?: Int8Calibration;
  /**
   * The strength endpoint W₀ (model/strength.ts): below full strength, the layers after the attention run with
   * W + (1 − α)(W₀ − W). Absent: strength moves the attention statistics and the colour anchor only.
   */
  readonly strength?: StrengthEndpointFile;
}

/** model.json's `strength`: the endpoint's safetensors file and how it was trained. */
export interface StrengthEndpointFile {
  readonly file: ModelFileEntry;
  /** Free-form: the training stages, their data and their validation. */
  readonly provenance: Readonly<Record<string, unknown>>;
}

/**
 * Static int8 quantization of a model's 3×3 convolutions (tools/train/calibrate_int8.py writes it): the
 * input and output range of each listed layer, by checkpoint key prefix; layers not listed stay float32.
 */
export interface Int8Calibration {
  readonly layers: Readonly<Record<string, ConvInt8Ranges>>;
  /** Free-form: how and on what the ranges were measured. */
  readonly provenance: Readonly<Record<string, unknown>>;
}

const ENCODER_BY_VARIANT: Readonly<Record<ModelVariant, ModelArchitecture['encoder']>> = {
  image: 'vgg19-relu5_1',
  video: 'vgg19-relu3_1',
};

const LEVELS_BY_VARIANT: Readonly<Record<ModelVariant, readonly FeatureLevel[]>> = {
  image: ['relu3_1', 'relu4_1', 'relu5_1'],
  video: ['relu3_1'],
};

/**
 * The official settings (image from test_adaattn.sh, video from inference_frame.py), taken from the network
 * spec that the stylizer runs, so what model.json must say and what runs cannot drift apart.
 */
export function defaultArchitecture(variant: ModelVariant): ModelArchitecture {
  return variant === 'image'
    ? { encoder: 'vgg19-relu5_1', shallowLayer: true, skipConnection3: true, maxSample: { ...MAX_SAMPLE }, seed: DEFAULT_SEED }
    : { encoder: 'vgg19-relu3_1', shallowLayer: true, maxSample: { ...VIDEO_MAX_SAMPLE }, seed: DEFAULT_SEED };
}

export interface ParseModelJsonOptions {
  /** How to name the file in messages (default `model.json`). */
  readonly file?: string;
}

export function parseModelJson(input: string | Uint8Array, options: ParseModelJsonOptions = {}): ModelConfig {
  const file = options.file ?? 'model.json';
  let text: string;
  try {
    text = typeof input === 'string' ? input : new TextDecoder('utf-8', { fatal: true }).decode(input);
  } catch (cause) {
    throw new WeightsError('invalid-model-json', `${fileLabel(file)}not UTF-8 text`, { file, cause });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new WeightsError('invalid-model-json', `${fileLabel(file)}not valid JSON (${(cause as Error).message})`, { file, cause });
  }
  return validateModelConfig(value, { file });
}

export function validateModelConfig(value: unknown, options: ParseModelJsonOptions = {}): ModelConfig {
  const file = options.file ?? 'model.json';
  const fail = (path: string, message: string) =>
    new WeightsError('invalid-model-json', `${fileLabel(file)}${path === '' ? '' : `\`${path}\` `}${message}`, { file });
  const root = object(value, '', fail);

  if (root['format'] !== MODEL_FORMAT) {
    throw fail('format', `is ${preview(root['format'])}, expected "${MODEL_FORMAT}" (is this an AdaAttN model directory?)`);
  }
  const version = root['formatVersion'];
  if (typeof version === 'number' && Number.isInteger(version) && version > MODEL_FORMAT_VERSION) {
    throw new WeightsError(
      'unsupported-format',
      `${fileLabel(file)}formatVersion ${version} was written by a newer SDK; this one reads version ${MODEL_FORMAT_VERSION} — upgrade @adaattn/core`,
      { file },
    );
  }
  if (version !== MODEL_FORMAT_VERSION) throw fail('formatVersion', `is ${preview(version)}, expected ${MODEL_FORMAT_VERSION}`);

  const name = root['name'];
  if (typeof name !== 'string' || name.trim() === '') throw fail('name', 'must be a non-empty string');
  const variant = root['variant'];
  if (variant !== 'image' && variant !== 'video') throw fail('variant', `is ${preview(variant)}, expected "image" or "video"`);

  const architecture = parseArchitecture(object(root['architecture'], 'architecture', fail), variant, fail);
  const seen = new Map<string, string>();
  const files = parseFiles(object(root['files'], 'files', fail), variant, fail, seen);
  const provenance = root['provenance'] === undefined ? {} : object(root['provenance'], 'provenance', fail);
  const int8 = root['int8'] === undefined ? {} : { int8: parseInt8(object(root['int8'], 'int8', fail), variant, fail) };
  const strength =
    root['strength'] === undefined ? {} : { strength: parseStrength(object(root['strength'], 'strength', fail), fail, seen) };

  return {
    format: MODEL_FORMAT,
    formatVersion: MODEL_FORMAT_VERSION,
    name,
    variant,
    architecture,
    files,
    provenance,
    ...int8,
    ...strength,
  };
}

function parseStrength(raw: Record<string, unknown>, fail: Fail, seen: Map<string, string>): StrengthEndpointFile {
  const file = parseFileEntry(object(raw['file'], 'strength.file', fail), 'strength.file', fail, seen);
  const provenance = raw['provenance'] === undefined ? {} : object(raw['provenance'], 'strength.provenance', fail);
  return { file, provenance };
}

/** Largest |range end| accepted: far above any activation of these networks, so only nonsense is refused. */
const MAX_ACTIVATION = 1e6;

function parseInt8(raw: Record<string, unknown>, variant: ModelVariant, fail: Fail): Int8Calibration {
  const layers = object(raw['layers'], 'int8.layers', fail);
  const convs = new Map(
    Object.values(networkSpec(variant).components)
      .flat()
      .filter((l) => l.shape[2] === 3)
      .map((l) => [l.key, l]),
  );
  const parsed: Record<string, ConvInt8Ranges> = {};
  for (const [key, value] of Object.entries(layers)) {
    const where = `int8.layers.${key}`;
    if (!convs.has(key)) throw fail(where, `is not a 3×3 convolution of the ${variant} model`);
    const entry = object(value, where, fail);
    parsed[key] = { input: range(entry['input'], `${where}.input`, fail), output: range(entry['output'], `${where}.output`, fail) };
  }
  const provenance = raw['provenance'] === undefined ? {} : object(raw['provenance'], 'int8.provenance', fail);
  return { layers: parsed, provenance };
}

function range(raw: unknown, where: string, fail: Fail): readonly [number, number] {
  const ok =
    Array.isArray(raw) &&
    raw.length === 2 &&
    raw.every((v) => typeof v === 'number' && Number.isFinite(v) && Math.abs(v) <= MAX_ACTIVATION) &&
    (raw[0] as number) <= 0 &&
    (raw[1] as number) > 0;
  if (!ok) throw fail(where, `must be [min, max] with min ≤ 0 < max (finite, at most ${MAX_ACTIVATION} in size), got ${preview(raw)}`);
  return [raw[0] as number, raw[1] as number];
}

type Fail = (path: string, message: string) => WeightsError;

function parseArchitecture(raw: Record<string, unknown>, variant: ModelVariant, fail: Fail): ModelArchitecture {
  const encoder = raw['encoder'];
  if (encoder !== ENCODER_BY_VARIANT[variant]) {
    throw fail('architecture.encoder', `is ${preview(encoder)}, but the ${variant} model uses "${ENCODER_BY_VARIANT[variant]}"`);
  }
  // The network code implements the released configuration only (shallow keys, the relu3_1 skip, the
  // authors' caps), so other values are refused rather than silently run with the wrong ones.
  const released = defaultArchitecture(variant);
  const shallowLayer = raw['shallowLayer'];
  if (shallowLayer !== true)
    throw fail('architecture.shallowLayer', `is ${preview(shallowLayer)}, but this SDK runs the released configuration (true) only`);
  const skip = raw['skipConnection3'];
  if (variant === 'image' && skip !== true)
    throw fail('architecture.skipConnection3', `is ${preview(skip)}, but this SDK runs the released image configuration (true) only`);
  if (variant === 'video' && skip !== undefined && skip !== false)
    throw fail('architecture.skipConnection3', 'does not apply to the video model');

  const sample = object(raw['maxSample'], 'architecture.maxSample', fail);
  const maxSample: Partial<Record<FeatureLevel, number>> = {};
  for (const level of LEVELS_BY_VARIANT[variant]) {
    const n = sample[level];
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n <= 0)
      throw fail(`architecture.maxSample.${level}`, 'must be a positive integer');
    const cap = released.maxSample[level];
    if (n !== cap) throw fail(`architecture.maxSample.${level}`, `is ${n}, but this SDK samples with the released cap (${cap}) only`);
    maxSample[level] = n;
  }
  for (const key of Object.keys(sample)) {
    if (!(LEVELS_BY_VARIANT[variant] as readonly string[]).includes(key)) {
      throw fail(
        `architecture.maxSample.${key}`,
        `is not a level the ${variant} model attends at (${LEVELS_BY_VARIANT[variant].join(', ')})`,
      );
    }
  }
  const seed = raw['seed'];
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed)) throw fail('architecture.seed', 'must be an integer');
  return {
    encoder: encoder as ModelArchitecture['encoder'],
    shallowLayer,
    ...(variant === 'image' ? { skipConnection3: skip as boolean } : {}),
    maxSample,
    seed,
  };
}

function parseFiles(
  raw: Record<string, unknown>,
  variant: ModelVariant,
  fail: Fail,
  seen: Map<string, string>,
): Partial<Record<ComponentName, ModelFileEntry>> {
  const wanted = componentsOf(variant);
  for (const key of Object.keys(raw)) {
    if (!(wanted as readonly string[]).includes(key)) {
      const why = key === 'transformer' ? 'the video model has no transformer' : `expected only ${wanted.join(', ')}`;
      throw fail(`files.${key}`, `is not a component of the ${variant} model (${why})`);
    }
  }
  const files: Partial<Record<ComponentName, ModelFileEntry>> = {};
  for (const component of wanted) {
    const where = `files.${component}`;
    if (raw[component] === undefined) throw fail(where, `is missing: the ${variant} model needs ${wanted.join(', ')}`);
    files[component] = parseFileEntry(object(raw[component], where, fail), where, fail, seen);
  }
  return files;
}

/** One file entry at JSON path `where`; `seen` maps every path claimed so far to what claimed it. */
function parseFileEntry(entry: Record<string, unknown>, where: string, fail: Fail, seen: Map<string, string>): ModelFileEntry {
  const path = entry['path'];
  if (typeof path !== 'string' || !isSafeRelativePath(path)) {
    throw fail(`${where}.path`, `must be a relative path inside the model directory (no "..", no leading "/"), got ${preview(path)}`);
  }
  if (seen.has(path)) throw fail(`${where}.path`, `"${path}" is also the path of ${seen.get(path)}`);
  seen.set(path, where);
  const dtype = entry['dtype'];
  if (dtype !== 'float16' && dtype !== 'float32') throw fail(`${where}.dtype`, `is ${preview(dtype)}, expected "float16" or "float32"`);
  const { bytes, sha256 } = sizeAndHash(entry, where, fail);
  if (entry['shards'] === undefined) return { path, dtype, bytes, sha256 };
  const shards = parseShards(entry['shards'], `${where}.shards`, fail, (shardPath, at) => {
    if (seen.has(shardPath)) throw fail(`${at}.path`, `"${shardPath}" is also the path of ${seen.get(shardPath)}`);
    seen.set(shardPath, `${where} (a shard)`);
  });
  const total = shards.reduce((sum, s) => sum + s.bytes, 0);
  if (total !== bytes) throw fail(`${where}.shards`, `add up to ${total} bytes, but ${where}.bytes is ${bytes}`);
  return { path, dtype, bytes, sha256, shards };
}

function sizeAndHash(entry: Record<string, unknown>, where: string, fail: Fail): { bytes: number; sha256: string } {
  const bytes = entry['bytes'];
  if (typeof bytes !== 'number' || !Number.isSafeInteger(bytes) || bytes < 0)
    throw fail(`${where}.bytes`, 'must be a non-negative integer');
  const sha256 = entry['sha256'];
  if (typeof sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(sha256)) {
    throw fail(`${where}.sha256`, `must be 64 lowercase hex digits, got ${preview(sha256)}`);
  }
  return { bytes, sha256 };
}

function parseShards(raw: unknown, where: string, fail: Fail, claim: (path: string, at: string) => void): ModelFileShard[] {
  if (!Array.isArray(raw) || raw.length === 0) throw fail(where, 'must be a non-empty array of {path, bytes, sha256}');
  return raw.map((value, i) => {
    const at = `${where}[${i}]`;
    const shard = object(value, at, fail);
    const path = shard['path'];
    if (typeof path !== 'string' || !isSafeRelativePath(path)) {
      throw fail(`${at}.path`, `must be a relative path inside the model directory (no "..", no leading "/"), got ${preview(path)}`);
    }
    claim(path, at);
    return { path, ...sizeAndHash(shard, at, fail) };
  });
}

/**
 * model.json comes with downloaded models, so its paths are untrusted: only plain relative paths
 * (no `..`, no absolute or drive paths, no backslashes) may reach the caller's readFile.
 */
function isSafeRelativePath(path: string): boolean {
  if (path === '' || path.startsWith('/') || path.includes('\\') || /^[a-zA-Z]:/.test(path) || path.includes('\0')) return false;
  return path.split('/').every((part) => part !== '' && part !== '.' && part !== '..');
}

function object(value: unknown, path: string, fail: Fail): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw fail(path, path === '' ? 'is not a JSON object' : value === undefined ? 'is missing' : 'must be an object');
  }
  return value as Record<string, unknown>;
}

/** Pretty, stable JSON (two-space indent, trailing newline) so model.json diffs read well in review. */
export function serializeModelJson(config: ModelConfig): string {
  return `${JSON.stringify(config, null, 2)}\n`;
}
