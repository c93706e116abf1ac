import { describe, expect, it } from 'vitest';
import { CORE_SUPPORTS, NEUTRAL_CONTROLS, unsupportedControls } from './controls';

describe('unsupportedControls', () => {
  it('accepts neutral controls', () => {
    expect(unsupportedControls(NEUTRAL_CONTROLS)).toEqual([]);
  });

  it('names each control set away from neutral that core cannot apply yet', () => {
    const expected = (['strength', 'preserveColor'] as const).filter((k) => !CORE_SUPPORTS[k]);
    expect(unsupportedControls({ strength: 0.5, preserveColor: true })).toEqual(expected);
  });
});
