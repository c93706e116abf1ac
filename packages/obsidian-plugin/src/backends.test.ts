import { createReferenceBackend } from '@adaattn/core';
import { describe, expect, it, vi } from 'vitest';
import { BACKEND_CHOICES, Runtimes, RUNTIMES } from './backends';

describe('backend choices', () => {
  it("offers 'auto' (GPUs first, then tfjs's inlined wasm, then ONNX Runtime's) and every runtime on its own", () => {
    expect(BACKEND_CHOICES.auto.order).toEqual(['onnx-webgpu', 'tfjs-webgl', 'tfjs-wasm', 'onnx-wasm']);
    for (const name of Object.keys(RUNTIMES)) expect(BACKEND_CHOICES[name as keyof typeof RUNTIMES].order).toEqual([name]);
  });

  it('falls back along the order and starts each runtime once', async () => {
    const webgl = vi.fn(async () => {
      throw new Error('no WebGL here');
    });
    const noAdapter = vi.fn(async () => {
      throw new Error('this browser offers no WebGPU adapter');
    });
    const wasm = vi.fn(async () => createReferenceBackend());
    const onnxWasm = vi.fn(async () => createReferenceBackend());
    const runtimes = new Runtimes({
      'onnx-webgpu': { auto: true, start: noAdapter },
      'tfjs-webgl': { auto: true, start: webgl },
      'tfjs-wasm': { auto: true, start: wasm },
      'onnx-wasm': { auto: true, start: onnxWasm },
      'tfjs-cpu': { auto: false, start: wasm },
    });
    const first = await runtimes.resolve('auto');
    expect(await runtimes.resolve('auto')).toBe(first);
    expect(webgl).toHaveBeenCalledTimes(1);
    expect(noAdapter).toHaveBeenCalledTimes(1);
    expect(wasm).toHaveBeenCalledTimes(1);
    expect(onnxWasm).not.toHaveBeenCalled(); // tfjs's wasm started: no download
    expect(webgl).toHaveBeenCalledWith('auto');
    await expect(runtimes.resolve('tfjs-webgl')).rejects.toThrow(/tfjs-webgl: no WebGL here/);
    expect(webgl).toHaveBeenLastCalledWith('chosen');
  });

  it("names every runtime that 'auto' tried when none starts", async () => {
    const fail = (why: string) => async () => {
      throw new Error(why);
    };
    const runtimes = new Runtimes({
      'onnx-webgpu': { auto: true, start: fail('no adapter') },
      'tfjs-webgl': { auto: true, start: fail('software') },
      'tfjs-wasm': { auto: true, start: fail('no SIMD') },
      'onnx-wasm': { auto: true, start: fail('offline') },
      'tfjs-cpu': { auto: false, start: fail('x') },
    });
    await expect(runtimes.resolve('auto')).rejects.toThrow(
      /auto:onnx-webgpu: no adapter\n\s+auto:tfjs-webgl: software\n\s+auto:tfjs-wasm: no SIMD\n\s+auto:onnx-wasm: offline/,
    );
  });
});
