/**
 * Model directories on disk.
 *
 * Two layouts load: ours (`model.json` + safetensors files, docs/ARCHITECTURE.md) and a directory holding
 * the authors' four released `.pth` files. Anything else gets a message listing what was found, because
 * the usual mistake is pointing at the wrong folder of the authors' release (the VGG file and the three
 * checkpoints live in different folders there).
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import {
  DEFAULT_SEED,
  loadModelFromFiles,
  loadOfficialFiles,
  WeightsError,
  type Int8Calibration,
  type ModelVariant,
  type ModelWeights,
} from '@adaattn/core';
import { InputError } from '../errors.js';

/** The authors' file for each component of the image model. */
export const OFFICIAL_FILES = Object.freeze({
  encoder: 'vgg_normalised.pth',
  transformer: 'latest_net_transformer.pth',
  decoder: 'latest_net_decoder.pth',
  adaattn3: 'latest_net_adaattn_3.pth',
} as const);

/** The authors' video release (attn_adain_video/) keeps its relu3_1 module in latest_net_transformer.pth. */
export const OFFICIAL_VIDEO_FILES = Object.freeze([OFFICIAL_FILES.encoder, OFFICIAL_FILES.transformer, OFFICIAL_FILES.decoder] as const);

export const MODEL_JSON = 'model.json';

export type ModelDirKind = 'adaattn-model' | 'official';

export interface ModelDirInfo {
  /** Absolute path of the directory. */
  readonly dir: string;
  /** `'adaattn-model'`: model.json + safetensors; `'official'`: the authors' `.pth` files. */
  readonly kind: ModelDirKind;
  /** For the authors' files, which release they are (the image model's four, or the video model's three). */
  readonly variant?: ModelVariant;
}

/** The npm packages holding the trained models; the default model is whichever of them is installed. */
export const MODEL_PACKAGES = Object.freeze({ image: '@adaattn/model-image', video: '@adaattn/model-video' } as const);

/** Environment variables naming a model directory to use instead of the installed package. */
export const MODEL_ENV = Object.freeze({ image: 'ADAATTN_MODEL', video: 'ADAATTN_VIDEO_MODEL' } as const);

/** No model was given and none is installed: `message` says what to install or set (`code` 'missing-file'). */
export class ModelNotFoundError extends WeightsError {
  constructor(
    readonly variant: ModelVariant,
    cause: unknown,
  ) {
    const pkg = MODEL_PACKAGES[variant];
    super(
      'missing-file',
      `no ${variant} model: ${pkg} is not installed (run \`npm install ${pkg}\`), ` +
        `or set ${MODEL_ENV[variant]}=<dir>, or pass --model <dir> (API: the 'model' option)`,
      { file: `${pkg}/model.json`, cause },
    );
  }
}

/**
 * The directory of the default model: `$ADAATTN_MODEL` (video: `$ADAATTN_VIDEO_MODEL`) when set, else the
 * installed @adaattn/model-image (video: @adaattn/model-video) package, found by Node's module resolution
 * from this package, so it works in any install layout (hoisted, nested, pnpm, workspaces).
 * Throws ModelNotFoundError when neither is there.
 */
export function defaultModelDir(
  variant: ModelVariant = 'image',
  env: Readonly<Record<string, string | undefined>> = process.env,
  /** Where module resolution starts (a file URL or path); default: this package. */
  from: string | URL = import.meta.url,
): string {
  const fromEnv = env[MODEL_ENV[variant]];
  if (fromEnv !== undefined && fromEnv !== '') return resolve(fromEnv);
  try {
    return dirname(createRequire(from).resolve(`${MODEL_PACKAGES[variant]}/model.json`));
  } catch (cause) {
    throw new ModelNotFoundError(variant, cause);
  }
}

/** The default model of `adaattn video` (see {@link defaultModelDir}). */
export function defaultVideoModelDir(env: Readonly<Record<string, string | undefined>> = process.env): string {
  return defaultModelDir('video', env);
}

const LAYOUTS =
  `a directory with model.json and its safetensors files, or with the authors' four files ${Object.values(OFFICIAL_FILES).join(', ')} ` +
  `(video release: the three files ${OFFICIAL_VIDEO_FILES.join(', ')})`;
const HOW_TO_PASS = `pass --model <dir> (API: the 'model' option) naming ${LAYOUTS}`;

/**
 * Decides which layout `dir` holds (`undefined` means the default directory of `variant`, see
 * defaultModelDir), without reading weights. Throws a message that says what is missing and how to point at a model.
 */
export async function inspectModelDir(
  dir?: string,
  { variant = 'image', env = process.env }: { variant?: ModelVariant; env?: Readonly<Record<string, string | undefined>> } = {},
): Promise<ModelDirInfo> {
  const isDefault = dir === undefined;
  const abs = resolve(dir ?? defaultModelDir(variant, env));
  let info;
  try {
    info = await stat(abs);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    if (isDefault) {
      throw new InputError(
        `no model given and the default model directory '${abs}' (from ${MODEL_ENV[variant]}) does not exist; ${HOW_TO_PASS}`,
      );
    }
    throw new InputError(`model directory '${abs}' does not exist; ${HOW_TO_PASS}`);
  }
  if (!info.isDirectory()) {
    throw new InputError(`model '${abs}' is a file, but a model is ${LAYOUTS}`);
  }

  const entries = (await readdir(abs)).sort();
  if (entries.includes(MODEL_JSON)) return { dir: abs, kind: 'adaattn-model' };

  const official = Object.values(OFFICIAL_FILES) as string[];
  const present = official.filter((f) => entries.includes(f));
  if (present.length === official.length) return { dir: abs, kind: 'official', variant: 'image' };
  if (OFFICIAL_VIDEO_FILES.every((f) => entries.includes(f))) return { dir: abs, kind: 'official', variant: 'video' };

  const shown = entries.length === 0 ? 'it is empty' : `it holds ${listSome(entries)}`;
  if (present.length > 0) {
    const missing = official.filter((f) => !entries.includes(f));
    throw new InputError(
      `model directory '${abs}' has only some of the authors' files: missing ${missing.join(', ')} ` +
        `(in the authors' release vgg_normalised.pth sits in models/ and the others in checkpoints/AdaAttN/; put all four in one directory)`,
    );
  }
  throw new InputError(`'${abs}' is not a model directory (${shown}); ${HOW_TO_PASS}`);
}

function listSome(names: readonly string[], max = 8): string {
  const shown = names.slice(0, max).join(', ');
  return names.length > max ? `${shown} and ${names.length - max} more` : shown;
}

/**
 * A reader rooted at `dir`, in the shape core's loaders take (a name relative to the model directory).
 * Names come from model.json, so a name that would leave the directory is refused.
 */
export function directoryReader(dir: string): (name: string) => Promise<Uint8Array> {
  const root = resolve(dir);
  return async (name: string) => {
    const path = resolve(root, name);
    const rel = relative(root, path);
    if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) {
      throw new InputError(`model file name '${name}' points outside the model directory '${root}'`);
    }
    try {
      return await readFile(path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new InputError(`model file '${path}' does not exist`);
      throw new InputError(`model file '${path}' cannot be read (${code ?? String(err)})`);
    }
  };
}

/** A model directory read into memory, ready for core's stylizers. */
export interface LoadedModelDir extends ModelDirInfo {
  readonly variant: ModelVariant;
  /** The weights, tagged with their variant (`stylizerFromWeights` takes this). */
  readonly model: ModelWeights;
  /** Name from model.json, or a description for the authors' files. */
  readonly name: string;
  /** Default seed of the sampled attention (model.json `architecture.seed`; the authors' 6666 otherwise). */
  readonly seed: number;
  /** model.json's int8 calibration, when it has one (`precision: 'int8'` needs it). */
  readonly int8?: Int8Calibration;
}

/**
 * Loads the model in `dir` (default: {@link defaultModelDir}), image or video, verifying sizes, checksums,
 * keys and shapes through core's loaders. With `variant`, a model of the other variant is refused with a
 * message saying so.
 */
export async function loadModelDir(dir?: string, variant?: ModelVariant): Promise<LoadedModelDir> {
  const info = await inspectModelDir(dir);
  const read = directoryReader(info.dir);
  const where = `model directory '${info.dir}'`;
  let loaded: Pick<LoadedModelDir, 'variant' | 'model' | 'name' | 'seed' | 'int8'>;
  if (info.kind === 'official') {
    const found = info.variant ?? 'image';
    const weights = await withContext(where, () => loadOfficialFiles(read, { variant: found }));
    const model = { variant: found, weights } as ModelWeights;
    loaded = { variant: found, model, name: `the authors' released AdaAttN ${found} model`, seed: DEFAULT_SEED };
  } else {
    const files = await withContext(where, () => loadModelFromFiles(read));
    const model = { variant: files.config.variant, weights: files.weights } as ModelWeights;
    const { name, architecture, int8 } = files.config;
    loaded = { variant: model.variant, model, name, seed: architecture.seed, ...(int8 === undefined ? {} : { int8 }) };
  }
  if (variant !== undefined && loaded.variant !== variant) {
    throw new InputError(`${where} holds the ${loaded.variant} model ('${loaded.name}'), but ${variant} is needed here`);
  }
  return { ...info, ...loaded };
}

/** Core's messages name the file relative to the directory; prefix the directory so the line is complete. */
async function withContext<T>(where: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof Error && !err.message.includes(where)) err.message = `${where}: ${err.message}`;
    throw err;
  }
}
