/**
 * The messages between the plugin's main thread (the sandbox, which reads and writes nodes) and its UI
 * iframe (which runs the model). Both sides import this one file, so a change to a message is a compile
 * error on the side that forgot it. Nothing here may touch the DOM or the figma global: it is plain data.
 *
 * A run, in order:
 *   UI → main   `start`        (the UI has a style and the user pressed Stylize)
 *   main → UI   `frames`       (the selection, exported as PNG; or `run-rejected` with the reason)
 *   UI → main   `result` × n   (one stylized PNG per frame, as each finishes; main places it at once)
 *   UI → main   `finished`     (done, cancelled or failed: main commits the run as one undo step)
 * Every run message carries the `runId` the UI chose, so a late message from a cancelled run is dropped.
 */

/** Where a stylized layer goes relative to its original. */
export type Placement = 'beside' | 'over';

export const PLACEMENTS: readonly Placement[] = ['beside', 'over'];

/** Export scales offered for the output resolution (Figma's own export presets). */
export const OUTPUT_SCALES = [0.5, 1, 2] as const;
export type OutputScale = (typeof OUTPUT_SCALES)[number];

/**
 * Colour preservation: 'off' (the style's colours), or one of core's methods, 'luminance' (the layer's own
 * colours under the stylized luminance) or 'histogram' (the style recoloured to the layer before stylizing).
 * Spelled out here because the sandbox bundle must not import core; ui-src/controls.ts checks at compile time
 * that the non-'off' modes are exactly core's `PreserveColor`.
 */
export const COLOR_MODES = ['off', 'luminance', 'histogram'] as const;
export type ColorMode = (typeof COLOR_MODES)[number];

/** What the user set in the UI; kept in figma.clientStorage by the main thread (the iframe has no storage). */
export interface PluginSettings {
  /** Base URL of the model directory (model.json and the files it lists), ending in '/'. */
  readonly modelBaseUrl: string;
  readonly scale: OutputScale;
  readonly placement: Placement;
  /** Stylization strength α in [0, 1] (core's `strength`; 1 is the model's full effect). */
  readonly strength: number;
  /** Colour preservation (core's `preserveColor`, absent for 'off'). */
  readonly preserveColor: ColorMode;
}

/** What the UI needs to know about the current selection to label its button. */
export interface SelectionSummary {
  readonly count: number;
  /** Up to a few names, for the label ("Hero, Card, …"). */
  readonly names: readonly string[];
}

/** One exported frame on its way to the model. */
export interface FrameJob {
  /** The original node's id (main keeps its bounds; the UI only echoes the id back). */
  readonly id: string;
  readonly name: string;
  /** PNG bytes of the export. */
  readonly png: Uint8Array;
  /** Pixel size of `png`. */
  readonly width: number;
  readonly height: number;
}

// ---- main → UI ------------------------------------------------------------------------------------------

export type MainToUi =
  | { readonly type: 'init'; readonly settings: PluginSettings; readonly selection: SelectionSummary }
  | { readonly type: 'selection'; readonly selection: SelectionSummary }
  /** The selected node as a style image: the bytes of its image fill (any format the browser decodes) or a PNG export. */
  | { readonly type: 'style-picked'; readonly name: string; readonly bytes: Uint8Array }
  | { readonly type: 'style-rejected'; readonly message: string }
  | { readonly type: 'frames'; readonly runId: number; readonly frames: readonly FrameJob[]; readonly notices: readonly string[] }
  | { readonly type: 'run-rejected'; readonly runId: number; readonly message: string };

// ---- UI → main ------------------------------------------------------------------------------------------

export type RunOutcome = 'done' | 'cancelled' | 'failed';

export type UiToMain =
  | { readonly type: 'ui-ready' }
  | { readonly type: 'save-settings'; readonly settings: PluginSettings }
  | { readonly type: 'pick-style' }
  | { readonly type: 'start'; readonly runId: number; readonly scale: OutputScale; readonly placement: Placement }
  | {
      readonly type: 'result';
      readonly runId: number;
      readonly frameId: string;
      readonly styleName: string;
      readonly png: Uint8Array;
      readonly width: number;
      readonly height: number;
    }
  | {
      readonly type: 'finished';
      readonly runId: number;
      readonly outcome: RunOutcome;
      /** Frames that could not be stylized, with why (the rest were placed). */
      readonly failures: readonly { readonly name: string; readonly message: string }[];
      readonly message?: string;
    }
  /** Lets the UI raise a Figma toast (e.g. the model failed to load), which the iframe cannot do itself. */
  | { readonly type: 'notify'; readonly message: string; readonly error: boolean };

export type UiToMainType = UiToMain['type'];
export type MainToUiType = MainToUi['type'];

const UI_TO_MAIN_TYPES: ReadonlySet<string> = new Set<UiToMainType>([
  'ui-ready',
  'save-settings',
  'pick-style',
  'start',
  'result',
  'finished',
  'notify',
]);

const MAIN_TO_UI_TYPES: ReadonlySet<string> = new Set<MainToUiType>([
  'init',
  'selection',
  'style-picked',
  'style-rejected',
  'frames',
  'run-rejected',
]);

function typeOf(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const type = (value as { type?: unknown }).type;
  return typeof type === 'string' ? type : undefined;
}

/**
 * Messages cross a postMessage boundary that anything in the page can also post to: check the tag before
 * trusting the shape. (Fields are produced by our own code on the other side, so the tag is enough.)
 */
export function isUiToMain(value: unknown): value is UiToMain {
  const type = typeOf(value);
  return type !== undefined && UI_TO_MAIN_TYPES.has(type);
}

export function isMainToUi(value: unknown): value is MainToUi {
  const type = typeOf(value);
  return type !== undefined && MAIN_TO_UI_TYPES.has(type);
}

export const DEFAULT_SETTINGS: PluginSettings = {
  modelBaseUrl: 'http://localhost:8787/adaattn-image/',
  scale: 1,
  placement: 'beside',
  strength: 1,
  preserveColor: 'off',
};

/** Stored settings merged over the defaults, dropping fields of the wrong type (an older plugin may have written them). */
export function mergeSettings(stored: unknown, defaults: PluginSettings = DEFAULT_SETTINGS): PluginSettings {
  if (typeof stored !== 'object' || stored === null) return defaults;
  const s = stored as Partial<Record<keyof PluginSettings, unknown>>;
  return {
    modelBaseUrl: typeof s.modelBaseUrl === 'string' && s.modelBaseUrl.length > 0 ? s.modelBaseUrl : defaults.modelBaseUrl,
    scale: (OUTPUT_SCALES as readonly unknown[]).includes(s.scale) ? (s.scale as OutputScale) : defaults.scale,
    placement: (PLACEMENTS as readonly unknown[]).includes(s.placement) ? (s.placement as Placement) : defaults.placement,
    strength: typeof s.strength === 'number' && s.strength >= 0 && s.strength <= 1 ? s.strength : defaults.strength,
    // Versions before core had the option saved a boolean from a disabled checkbox: never a user's choice.
    preserveColor: (COLOR_MODES as readonly unknown[]).includes(s.preserveColor) ? (s.preserveColor as ColorMode) : defaults.preserveColor,
  };
}
