import { describe, expect, it } from 'vitest';
import { createReferenceBackend } from '../backends/ref-cpu/index.js';
import { BackendError } from '../errors.js';
import { BackendRegistry } from './registry.js';

describe('BackendRegistry', () => {
  it('initialises each backend once, even under concurrent requests', async () => {
    const registry = new BackendRegistry();
    let starts = 0;
    registry.register('slow', async () => {
      starts++;
      await new Promise((r) => setTimeout(r, 10));
      return createReferenceBackend();
    });
    const [a, b] = await Promise.all([registry.resolve(['slow']), registry.resolve(['slow'])]);
    expect(a).toBe(b);
    expect(await registry.resolve(['slow'])).toBe(a);
    expect(starts).toBe(1);
  });

  it('walks the requested names, skipping failures, and tries a failed one only once', async () => {
    const registry = new BackendRegistry();
    let brokenStarts = 0;
    registry.register('broken', () => {
      brokenStarts++;
      return Promise.reject(new Error('libfoo.so not found'));
    });
    registry.register('good', () => Promise.resolve(createReferenceBackend()));
    const first = await registry.resolve(['broken', 'good']);
    expect(first.name).toBe('ref-cpu');
    await registry.resolve(['broken', 'good']);
    expect(brokenStarts).toBe(1);
  });

  it('orders by priority when no names are given', async () => {
    const registry = new BackendRegistry();
    registry.register('low', () => Promise.reject(new Error('low failed')), 1);
    registry.register('high', () => Promise.reject(new Error('high failed')), 5);
    expect(registry.names()).toEqual(['high', 'low']);
    const error = await registry.resolve().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect((error as BackendError).code).toBe('backend-unavailable');
    expect((error as BackendError).failures).toEqual([
      { name: 'high', reason: 'high failed' },
      { name: 'low', reason: 'low failed' },
    ]);
    expect((error as Error).message).toMatch(/high: high failed\n\s+low: low failed/);
  });

  it('names the valid backends when asked for an unknown one', async () => {
    const registry = new BackendRegistry();
    registry.register('tfjs-wasm', () => Promise.resolve(createReferenceBackend()));
    const error = await registry.resolve(['webgpu']).catch((e: unknown) => e);
    expect((error as BackendError).code).toBe('unknown-backend');
    expect((error as Error).message).toMatch(/'webgpu'.*registered: tfjs-wasm/);
  });
});
