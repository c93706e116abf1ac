import { describe, expect, it } from 'vitest';
import { AUTO_ORDER, BACKEND_CHOICES, BACKENDS, candidates, checkBackendChoice } from './backends.js';

describe('backend table', () => {
  it('offers auto plus every table entry, and auto tries only table entries', () => {
    expect(BACKEND_CHOICES).toEqual(['auto', ...Object.keys(BACKENDS)]);
    for (const name of AUTO_ORDER) expect(BACKENDS).toHaveProperty(name);
    expect(candidates('auto')).toEqual(AUTO_ORDER);
    expect(candidates('cpu')).toEqual(['cpu']);
  });
  it('names the valid choices for an unknown word', () => {
    expect(() => checkBackendChoice('gpu')).toThrow("unknown backend 'gpu'; choose one of auto, onnx, cuda, tensorflow, wasm, cpu");
    expect(checkBackendChoice('wasm')).toBe('wasm');
  });
});
