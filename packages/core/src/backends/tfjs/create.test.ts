import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { BackendError } from '../../errors.js';
import { backends } from '../../tensor/registry.js';
import { createTfjsBackend } from './index.js';

describe('createTfjsBackend', () => {
  it('registers the tfjs backends in the core registry, fastest first', () => {
    expect(backends.names().filter((n) => n.startsWith('tfjs-'))).toEqual(['tfjs-tensorflow', 'tfjs-wasm', 'tfjs-cpu']);
  });

  it("explains how to get 'tensorflow' when @tensorflow/tfjs-node is not installed", async () => {
    const error = await createTfjsBackend({ name: 'tensorflow' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect((error as Error).message).toMatch(/@tensorflow\/tfjs-node.*npm install @tensorflow\/tfjs-node@4\.22\.0/);
  });

  it('lists the usable names for an unknown tfjs backend', async () => {
    await expect(createTfjsBackend({ name: 'webgpu' })).rejects.toThrow(/no backend 'webgpu'; use one of wasm, cpu, tensorflow/);
  });

  it('two backends in one process each run on their own tfjs backend', async () => {
    const wasm = await createTfjsBackend({ name: 'wasm' });
    const cpu = await createTfjsBackend({ name: 'cpu' });
    const x = wasm.upload(Float32Array.from([1, -2, 3, -4]), [1, 1, 2, 2]);
    const y = cpu.upload(Float32Array.from([-1, 2]), [2]);
    const a = wasm.relu(x);
    expect(tf.getBackend()).toBe('wasm');
    const c = cpu.relu(y);
    expect(tf.getBackend()).toBe('cpu');
    expect([...(await wasm.read(a))]).toEqual([1, 0, 3, 0]);
    expect([...(await cpu.read(c))]).toEqual([0, 2]);
    [x, y, a, c].forEach((t) => t.dispose());
    expect(wasm.memory().tensors).toBe(0);
  });

  it('resolves through the registry to the first backend that starts', async () => {
    const b = await backends.resolve(['tfjs-tensorflow', 'tfjs-wasm']);
    expect(b.name).toBe('tfjs-wasm');
  });
});
