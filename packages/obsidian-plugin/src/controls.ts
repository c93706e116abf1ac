/**
 * The creative controls the options modal offers, and which of them core can apply today.
 *
 * Strength and colour preservation belong to core's creative-controls issue; core's Stylizer has neither
 * option yet. Until it does, the controls are shown disabled and marked pending, and a run that asks for
 * them (e.g. a hand-edited data.json) is refused with a message rather than silently ignored.
 */
export interface Controls {
  /** 0..1; 1 is the full stylization. */
  readonly strength: number;
  readonly preserveColor: boolean;
}

export const NEUTRAL_CONTROLS: Controls = { strength: 1, preserveColor: false };

/** Flip to true, and pass the value to core in engine.ts, when core gains the option. */
export const CORE_SUPPORTS: Readonly<Record<keyof Controls, boolean>> = { strength: false, preserveColor: false };

export const PENDING_NOTE = 'Pending: the model library does not support this control yet.';

/** Controls set away from neutral that core cannot apply. */
export function unsupportedControls(controls: Controls): (keyof Controls)[] {
  return (Object.keys(NEUTRAL_CONTROLS) as (keyof Controls)[]).filter((k) => !CORE_SUPPORTS[k] && controls[k] !== NEUTRAL_CONTROLS[k]);
}
