/**
 * The creative controls the options modal offers, and how they map onto core's stylize options.
 */
import type { PreserveColor, StylizeOptions } from '@adaattn/core';

/** 'off', or one of core's colour-preservation methods. */
export type ColorMode = 'off' | PreserveColor;

export interface Controls {
  /** 0..1; 1 is the model's full stylization, 0 keeps the image's own feature statistics. */
  readonly strength: number;
  readonly preserveColor: ColorMode;
}

export const NEUTRAL_CONTROLS: Controls = { strength: 1, preserveColor: 'off' };

/** What the colour dropdowns offer. */
export const COLOR_MODES: Readonly<Record<ColorMode, string>> = {
  off: "Style's colours",
  luminance: "Image's colours",
  histogram: 'Style recoloured to the image',
};

export function isColorMode(value: unknown): value is ColorMode {
  return typeof value === 'string' && Object.hasOwn(COLOR_MODES, value);
}

export function coreControls(controls: Controls): Pick<StylizeOptions, 'strength' | 'preserveColor'> {
  return controls.preserveColor === 'off'
    ? { strength: controls.strength }
    : { strength: controls.strength, preserveColor: controls.preserveColor };
}

/**
 * 'histogram' recolours the style image to each content before encoding it, so its features cannot be
 * reused across images (core refuses encoded features with it); 'luminance' works on the output only.
 */
export function needsStyleImage(controls: Controls): boolean {
  return controls.preserveColor === 'histogram';
}
