import type { Backend } from '@adaattn/core';
import { describe, expect, it } from 'vitest';
import { backendOrderFrom, isSoftwareRenderer, probeWebgl, startBackend, type BackendChoice } from './backends.js';

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
    await expect(startBackend(['webgpu2' as 'webgl', 'webgl', 'wasm'], table)).rejects.toThrow(
      'no backend could start: webgpu2: unknown backend; use one of webgl, wasm; webgl: no WebGL context; wasm: no WebAssembly',
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

describe('probeWebgl', () => {
  function fakeDocument(context: unknown): Document {
    return { createElement: () => ({ getContext: () => context }) } as unknown as Document;
  }

  it('reports no WebGL when no context can be made', () => {
    expect(probeWebgl(fakeDocument(null))).toEqual({ available: false });
    expect(probeWebgl(undefined)).toEqual({ available: false });
  });

  it('reads the unmasked renderer and frees the probe context', () => {
    let lost = false;
    const gl = {
      getExtension: (name: string) =>
        name === 'WEBGL_debug_renderer_info' ? { UNMASKED_RENDERER_WEBGL: 0x9246 } : { loseContext: () => (lost = true) },
      getParameter: (p: number) => (p === 0x9246 ? 'llvmpipe (LLVM 15.0.6, 256 bits)' : null),
    };
    expect(probeWebgl(fakeDocument(gl))).toEqual({ available: true, renderer: 'llvmpipe (LLVM 15.0.6, 256 bits)' });
    expect(lost).toBe(true);
  });

  it('leaves the renderer unknown when the browser hides it', () => {
    const gl = {
      getExtension: (name: string) => (name === 'WEBGL_debug_renderer_info' ? null : { loseContext: () => undefined }),
      getParameter: () => null,
    };
    expect(probeWebgl(fakeDocument(gl))).toEqual({ available: true });
  });
});
