/**
 * The plugin's settings: their shape, defaults, and the merge that turns whatever `loadData()` returns
 * (nothing on first run, an older version's object, a hand-edited data.json) into a complete, valid object.
 */
import { BACKEND_CHOICES, type BackendChoice } from './backends';
import { isColorMode, type ColorMode } from './controls';

/**
 * Where the model directory (model.json + safetensors) is read from: downloaded on first use into the
 * plugin's folder (model-download.ts), a vault folder, or a folder elsewhere on disk.
 */
export type ModelLocation = 'download' | 'vault' | 'absolute';

declare const __ADAATTN_MODEL_URL__: string;

/**
 * The published model package on jsDelivr, at the version this build was made with (esbuild.config.mjs and
 * vitest.config.ts define it from packages/model-image/package.json).
 */
export const DEFAULT_MODEL_URL: string = __ADAATTN_MODEL_URL__;

/** What happens to the embed the command was run on. */
export type EmbedMode = 'replace' | 'insert';

export interface AdaAttnSettings {
  modelLocation: ModelLocation;
  /** Base URL of the model to download ('' = DEFAULT_MODEL_URL, so a plugin update can move to a new model). */
  modelUrl: string;
  /** Vault-relative folder holding model.json (used when modelLocation is 'vault'). */
  modelVaultFolder: string;
  /** Absolute folder on disk holding model.json (used when modelLocation is 'absolute'; desktop only). */
  modelAbsolutePath: string;
  backend: BackendChoice;
  /** Vault path of the style image the options modal starts with ('' = none chosen yet). */
  defaultStyle: string;
  /** Longest side, in pixels, that content and style are scaled down to before stylizing. */
  maxSide: number;
  /** 0..1; 1 is the model's full stylization. */
  strength: number;
  preserveColor: ColorMode;
  /** Output file name without extension; {name} is the original's base name, {style} the style's. */
  outputTemplate: string;
  embedMode: EmbedMode;
}

export const DEFAULT_OUTPUT_TEMPLATE = '{name}.stylized-{style}';

/** Sizes offered in the pickers; any integer in [MIN_SIDE, MAX_SIDE] is accepted from data.json. */
export const SIZE_CHOICES: readonly number[] = [256, 384, 512, 768, 1024, 1536];
export const MIN_SIDE = 32;
export const MAX_SIDE = 4096;

export const DEFAULT_SETTINGS: Readonly<AdaAttnSettings> = Object.freeze({
  modelLocation: 'download',
  modelUrl: '',
  modelVaultFolder: 'AdaAttN/adaattn-image',
  modelAbsolutePath: '',
  backend: 'auto',
  defaultStyle: '',
  maxSide: 512,
  strength: 1,
  preserveColor: 'off',
  outputTemplate: DEFAULT_OUTPUT_TEMPLATE,
  embedMode: 'replace',
});

/**
 * DEFAULT_SETTINGS overlaid with every field of `stored` that has the right type and range; anything else
 * (unknown keys, wrong types, out-of-range numbers) falls back to the default rather than breaking a run later.
 */
export function mergeSettings(stored: unknown): AdaAttnSettings {
  const s = (typeof stored === 'object' && stored !== null ? stored : {}) as Record<string, unknown>;
  const d = DEFAULT_SETTINGS;
  const str = (v: unknown, fallback: string) => (typeof v === 'string' ? v : fallback);
  return {
    modelLocation: oneOf(s.modelLocation, ['download', 'vault', 'absolute'] as const, d.modelLocation),
    modelUrl: str(s.modelUrl, d.modelUrl).trim(),
    modelVaultFolder: str(s.modelVaultFolder, d.modelVaultFolder),
    modelAbsolutePath: str(s.modelAbsolutePath, d.modelAbsolutePath),
    backend: oneOf(s.backend, Object.keys(BACKEND_CHOICES) as BackendChoice[], d.backend),
    defaultStyle: str(s.defaultStyle, d.defaultStyle),
    maxSide: isSide(s.maxSide) ? s.maxSide : d.maxSide,
    strength: typeof s.strength === 'number' && s.strength >= 0 && s.strength <= 1 ? s.strength : d.strength,
    preserveColor: isColorMode(s.preserveColor) ? s.preserveColor : d.preserveColor,
    outputTemplate: typeof s.outputTemplate === 'string' && s.outputTemplate.trim() !== '' ? s.outputTemplate : d.outputTemplate,
    embedMode: oneOf(s.embedMode, ['replace', 'insert'] as const, d.embedMode),
  };
}

/** The URL the model is downloaded from. */
export function effectiveModelUrl(settings: Pick<AdaAttnSettings, 'modelUrl'>): string {
  return settings.modelUrl.trim() || DEFAULT_MODEL_URL;
}

/** The offered sizes, plus `current` when it came from data.json and is not among them. */
export function sizeOptions(current: number): number[] {
  return [...new Set([...SIZE_CHOICES, current])].sort((a, b) => a - b);
}

export function isSide(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= MIN_SIDE && v <= MAX_SIDE;
}

function oneOf<T extends string>(v: unknown, allowed: readonly T[], fallback: T): T {
  return allowed.includes(v as T) ? (v as T) : fallback;
}
