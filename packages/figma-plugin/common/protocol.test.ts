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
    expect(mergeSettings({ scale: 2, placement: 'over', strength: 0.4, preserveColor: true, modelBaseUrl: 'https://m.test/' })).toEqual({
      scale: 2,
      placement: 'over',
      strength: 0.4,
      preserveColor: true,
      modelBaseUrl: 'https://m.test/',
    });
    expect(mergeSettings({ scale: 3, placement: 'under', strength: 7, preserveColor: 'yes', modelBaseUrl: '' })).toEqual(DEFAULT_SETTINGS);
    expect(mergeSettings(undefined)).toEqual(DEFAULT_SETTINGS);
  });
});
