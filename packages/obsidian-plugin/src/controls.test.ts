import { describe, expect, it } from 'vitest';
import { COLOR_MODES, coreControls, isColorMode, needsStyleImage, NEUTRAL_CONTROLS } from './controls';

describe('controls', () => {
  it("map onto core's options, leaving preserveColor out when off", () => {
    expect(coreControls(NEUTRAL_CONTROLS)).toEqual({ strength: 1 });
    expect(coreControls({ strength: 0.4, preserveColor: 'luminance' })).toEqual({ strength: 0.4, preserveColor: 'luminance' });
  });

  it('need the style image (no cached features) only for histogram matching', () => {
    expect(needsStyleImage({ strength: 1, preserveColor: 'histogram' })).toBe(true);
    expect(needsStyleImage({ strength: 1, preserveColor: 'luminance' })).toBe(false);
  });

  it('know their colour modes', () => {
    expect(Object.keys(COLOR_MODES)).toEqual(['off', 'luminance', 'histogram']);
    expect([isColorMode('luminance'), isColorMode(true), isColorMode('toString')]).toEqual([true, false, false]);
  });
});
