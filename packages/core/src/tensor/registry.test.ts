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

  it("with reuse 'never' starts a fresh backend per request, passing the request's options", async () => {
    const seen: number[] = [];
    const registry = new BackendRegistry<number>('never');
    registry.register('fresh', async (threads) => {
      seen.push(threads);
      return createReferenceBackend();
    });
    const a = await registry.resolve(['fresh'], 2);
    const b = await registry.resolve(['fresh'], 4);
    expect(a).not.toBe(b);
    expect(seen).toEqual([2, 4]);
  });

  it('with a reuse key shares starts per key, and names failures by key', async () => {
    const registry = new BackendRegistry<'auto' | 'chosen'>((purpose) => (purpose === 'auto' ? 'auto' : ''));
    let starts = 0;
    registry.register('gl', async (purpose) => {
      starts++;
      if (purpose === 'auto') throw new Error('software renderer');
      return createReferenceBackend();
    });
    registry.register('wasm', () => Promise.resolve(createReferenceBackend()));
    const auto = await registry.resolveNamed(['gl', 'wasm'], 'auto');
    expect(auto.name).toBe('wasm');
    expect(auto.failures).toEqual([{ name: 'auto:gl', reason: 'software renderer' }]);
    expect((await registry.resolveNamed(['gl', 'wasm'], 'auto')).backend).toBe(auto.backend);
    const chosen = await registry.resolveNamed(['gl'], 'chosen');
    expect(chosen.name).toBe('gl');
    expect(await registry.resolve(['gl'], 'chosen')).toBe(chosen.backend);
    expect(starts).toBe(2);
  });
});
