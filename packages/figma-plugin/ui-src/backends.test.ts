import type { Backend } from '@adaattn/core';
import { describe, expect, it } from 'vitest';
import { backendOrderFrom, isSoftwareRenderer, startBackend, type BackendChoice } from './backends.js';

const fake = (id: BackendChoice['id'], outcome: Error | 'ok'): BackendChoice => ({
  id,
  label: id.toUpperCase(),
  start: async () => {
    if (outcome instanceof Error) throw outcome;
    return { name: id } as unknown as Backend;
  },
});

describe('startBackend', () => {
  it('takes the first backend that starts and remembers why the others did not', async () => {
    const table = [fake('webgl', new Error('no WebGL context')), fake('wasm', 'ok')];
    const started = await startBackend(['webgl', 'wasm'], table);
    expect(started.choice.id).toBe('wasm');
    expect(started.skipped).toEqual([{ id: 'webgl', reason: 'no WebGL context' }]);
  });

  it('lists every failure when none starts, and names unknown ids with the valid ones', async () => {
    const table = [fake('webgl', new Error('no WebGL context')), fake('wasm', new Error('no WebAssembly'))];
    await expect(startBackend(['webgpu' as 'webgl', 'webgl', 'wasm'], table)).rejects.toThrow(
      'no backend could start: webgpu: unknown backend; use one of webgl, wasm; webgl: no WebGL context; wasm: no WebAssembly',
    );
  });
});

describe('backend helpers', () => {
  it('reads a backend order from the page query', () => {
    expect(backendOrderFrom('?backend=wasm')).toEqual(['wasm']);
    expect(backendOrderFrom('?backend=wasm, webgl')).toEqual(['wasm', 'webgl']);
    expect(backendOrderFrom('')).toBeUndefined();
  });

  it('recognises software WebGL renderers', () => {
    expect(isSoftwareRenderer('ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero) (0x0000C0DE)), SwiftShader driver)')).toBe(true);
    expect(isSoftwareRenderer('llvmpipe (LLVM 15.0.6, 256 bits)')).toBe(true);
    expect(isSoftwareRenderer('ANGLE (Apple, ANGLE Metal Renderer: Apple M2, Unspecified Version)')).toBe(false);
    expect(isSoftwareRenderer(undefined)).toBe(false);
  });
});
