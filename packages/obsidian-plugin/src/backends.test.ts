import { createReferenceBackend } from '@adaattn/core';
import { describe, expect, it, vi } from 'vitest';
import { BACKEND_CHOICES, Runtimes, RUNTIMES } from './backends';

describe('backend choices', () => {
  it("offers 'auto' (WebGL, then wasm) and every runtime on its own", () => {
    expect(BACKEND_CHOICES.auto.order).toEqual(['tfjs-webgl', 'tfjs-wasm']);
    for (const name of Object.keys(RUNTIMES)) expect(BACKEND_CHOICES[name as keyof typeof RUNTIMES].order).toEqual([name]);
  });

  it('falls back along the order and starts each runtime once', async () => {
    const webgl = vi.fn(async () => {
      throw new Error('no WebGL here');
    });
    const wasm = vi.fn(async () => createReferenceBackend());
    const runtimes = new Runtimes({
      'tfjs-webgl': { auto: true, start: webgl },
      'tfjs-wasm': { auto: true, start: wasm },
      'tfjs-cpu': { auto: false, start: wasm },
    });
    const first = await runtimes.resolve('auto');
    expect(await runtimes.resolve('auto')).toBe(first);
    expect(webgl).toHaveBeenCalledTimes(1);
    expect(wasm).toHaveBeenCalledTimes(1);
    expect(webgl).toHaveBeenCalledWith('auto');
    await expect(runtimes.resolve('tfjs-webgl')).rejects.toThrow(/tfjs-webgl: no WebGL here/);
    expect(webgl).toHaveBeenLastCalledWith('chosen');
  });

  it("names every runtime that 'auto' tried when none starts", async () => {
    const fail = (why: string) => async () => {
      throw new Error(why);
    };
    const runtimes = new Runtimes({
      'tfjs-webgl': { auto: true, start: fail('software') },
      'tfjs-wasm': { auto: true, start: fail('no SIMD') },
      'tfjs-cpu': { auto: false, start: fail('x') },
    });
    await expect(runtimes.resolve('auto')).rejects.toThrow(/auto:tfjs-webgl: software\n\s+auto:tfjs-wasm: no SIMD/);
  });
});
