/**
 * The creative controls (strength, colour preservation) as core's StylizeOptions. Core defines and checks
 * both (docs/CONTROLS.md); this file only maps the window's settings onto them.
 */
import type { PreserveColor, StylizeOptions } from '@adaattn/core';
import type { ColorMode } from '../common/protocol.js';

export interface CreativeControls {
  /** α in [0, 1]: 1 is the model's output, 0 decodes the layer's own feature statistics. */
  readonly strength: number;
  readonly preserveColor: ColorMode;
}

// The protocol spells the modes out (the sandbox must not import core): fail to compile if they drift apart.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const modesMatchCore: Same<Exclude<ColorMode, 'off'>, PreserveColor> = true;
void modesMatchCore;

export type RunOptions = Pick<StylizeOptions, 'signal' | 'onProgress'>;

/** The options for one stylize call: the run's signal and progress plus the controls ('off' sets no preserveColor). */
export function stylizeOptions(controls: CreativeControls, run: RunOptions): StylizeOptions {
  const { strength, preserveColor } = controls;
  return preserveColor === 'off' ? { ...run, strength } : { ...run, strength, preserveColor };
}

/**
 * 'histogram' recolours the style image to each layer before encoding it, so it needs the style image and
 * its encoding cannot be reused across layers (core refuses encoded features with it). The other modes take
 * the style encoded once per run.
 */
export function needsStyleImage(controls: CreativeControls): boolean {
  return controls.preserveColor === 'histogram';
}
