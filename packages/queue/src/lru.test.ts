/** The style cache: one encoding per key, least recently used evicted, nothing disposed while in use. */
import { describe, expect, it } from 'vitest';
import { Lru } from './lru.js';

describe('Lru', () => {
  it('makes a value once per key, evicts the least recently used, and disposes only values no job uses', async () => {
    const disposed: string[] = [];
    const made: string[] = [];
    const cache = new Lru<string>(2, (v) => disposed.push(v));
    const make = (k: string) => async () => (made.push(k), k);
    const use = (k: string) => cache.use(k, make(k), async (v) => v);

    let release!: () => void;
    const held = cache.use('a', make('a'), (v) => new Promise<string>((r) => (release = () => r(v))));
    expect(await Promise.all([use('a'), use('b')])).toEqual(['a', 'b']);
    expect(await use('c')).toBe('c'); // over capacity: 'a' (least recent) is evicted…
    await Promise.resolve();
    expect(disposed).toEqual([]); // …but not disposed while the first job holds it
    release();
    expect(await held).toBe('a');
    await new Promise((r) => setTimeout(r, 0));
    expect(disposed).toEqual(['a']);
    expect(made).toEqual(['a', 'b', 'c']);

    await expect(
      cache.use(
        'bad',
        () => Promise.reject(new Error('corrupt style')),
        async (v) => v,
      ),
    ).rejects.toThrow('corrupt style');
    expect(await use('bad')).toBe('bad'); // a failure is not cached
    await cache.clear();
    await new Promise((r) => setTimeout(r, 0));
    expect(disposed.sort()).toEqual(['a', 'b', 'bad', 'c']);
  });
});
