import { describe, expect, it } from 'vitest';
import { DEFAULT_MODEL_URL, DEFAULT_SETTINGS, effectiveModelUrl, mergeSettings, sizeOptions } from './settings';

describe('mergeSettings', () => {
  it('gives the defaults for nothing stored', () => {
    expect(mergeSettings(null)).toEqual(DEFAULT_SETTINGS);
    expect(mergeSettings(undefined)).toEqual(DEFAULT_SETTINGS);
  });

  it('keeps valid stored values', () => {
    const stored = {
      modelLocation: 'absolute',
      modelAbsolutePath: '/m',
      backend: 'tfjs-wasm',
      maxSide: 96,
      embedMode: 'insert',
      outputTemplate: '{name}-{style}',
      strength: 0.5,
      preserveColor: 'histogram',
    };
    expect(mergeSettings(stored)).toEqual({ ...DEFAULT_SETTINGS, ...stored });
  });

  it('replaces wrong types, unknown choices and out-of-range numbers with defaults', () => {
    const merged = mergeSettings({
      modelLocation: 'cloud',
      backend: 'cuda',
      maxSide: 10,
      strength: 2,
      preserveColor: true,
      outputTemplate: '  ',
      extra: 1,
    });
    expect(merged).toEqual(DEFAULT_SETTINGS);
  });
});

describe('model download settings', () => {
  it('downloads by default, from the model package on jsDelivr unless a URL is set', () => {
    expect(DEFAULT_SETTINGS.modelLocation).toBe('download');
    expect(DEFAULT_MODEL_URL).toMatch(/^https:\/\/cdn\.jsdelivr\.net\/npm\/@adaattn\/model-image@\d+\.\d+\.\d+\/$/);
    expect(effectiveModelUrl(mergeSettings({}))).toBe(DEFAULT_MODEL_URL);
    expect(effectiveModelUrl(mergeSettings({ modelUrl: ' http://127.0.0.1:9/m/ ' }))).toBe('http://127.0.0.1:9/m/');
    // A vault folder chosen before downloads existed stays chosen.
    expect(mergeSettings({ modelLocation: 'vault' }).modelLocation).toBe('vault');
  });
});

describe('sizeOptions', () => {
  it('adds a stored size that the list lacks, in order', () => {
    expect(sizeOptions(96).slice(0, 2)).toEqual([96, 256]);
    expect(sizeOptions(512).filter((s) => s === 512)).toHaveLength(1);
  });
});
