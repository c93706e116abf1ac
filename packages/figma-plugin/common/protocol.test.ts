import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, isMainToUi, isUiToMain, mergeSettings } from './protocol.js';

describe('message guards', () => {
  it('accept only their own side’s message types', () => {
    expect(isUiToMain({ type: 'start', runId: 1, scale: 1, placement: 'beside' })).toBe(true);
    expect(isUiToMain({ type: 'frames', runId: 1, frames: [], notices: [] })).toBe(false);
    expect(isMainToUi({ type: 'frames', runId: 1, frames: [], notices: [] })).toBe(true);
    expect(isMainToUi({ type: 'start' })).toBe(false);
    for (const junk of [null, undefined, 'start', 42, {}, { type: 7 }]) {
      expect(isUiToMain(junk)).toBe(false);
      expect(isMainToUi(junk)).toBe(false);
    }
  });
});

describe('mergeSettings', () => {
  it('keeps valid stored fields and replaces the rest with defaults', () => {
    expect(
      mergeSettings({ scale: 2, placement: 'over', strength: 0.4, preserveColor: 'histogram', modelBaseUrl: 'https://m.test/' }),
    ).toEqual({
      scale: 2,
      placement: 'over',
      strength: 0.4,
      preserveColor: 'histogram',
      modelBaseUrl: 'https://m.test/',
    });
    expect(mergeSettings({ scale: 3, placement: 'under', strength: 7, preserveColor: 'yes', modelBaseUrl: '' })).toEqual(DEFAULT_SETTINGS);
    expect(mergeSettings(undefined)).toEqual(DEFAULT_SETTINGS);
  });

  it('keeps strength 0 and each colour mode; drops the boolean an older version saved', () => {
    expect(mergeSettings({ strength: 0, preserveColor: 'luminance' })).toMatchObject({ strength: 0, preserveColor: 'luminance' });
    expect(mergeSettings({ strength: -0.1, preserveColor: true })).toMatchObject({ strength: 1, preserveColor: 'off' });
    expect(mergeSettings({ strength: Number.NaN, preserveColor: 'off' })).toMatchObject({ strength: 1, preserveColor: 'off' });
  });
});
