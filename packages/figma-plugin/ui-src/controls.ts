/**
 * The creative controls (strength, preserve colour) as StylizeOptions.
 *
 * PENDING the creative-controls issue: core's StylizeOptions has neither option yet. The UI shows both
 * controls, disabled and labelled "pending", and their values travel with the settings, but nothing is
 * applied: faking them here (e.g. blending output with content in the UI) would give results that differ
 * from core's eventual definition. When core gains the options, pass them through below and enable the
 * inputs (view.ts: CONTROLS_PENDING).
 */
import type { StylizeOptions } from '@adaattn/core';

export interface CreativeControls {
  readonly strength: number;
  readonly preserveColor: boolean;
}

/** True while core has no strength / preserve-colour options (see the file comment). */
export const CONTROLS_PENDING = true;

export function stylizeOptions(_controls: CreativeControls, run: Pick<StylizeOptions, 'signal' | 'onProgress'>): StylizeOptions {
  return { ...run };
}
