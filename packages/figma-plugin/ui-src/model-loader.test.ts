/**
 * The loader against the shipped model directories, served by a fake fetch from disk: cache keys, a second
 * load from the cache, recovery from a corrupted cache entry, and the errors a user would see.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WeightsError } from '@adaattn/core';
import { describe, expect, it } from 'vitest';
import { memoryCache } from './model-cache.js';
import { loadImageModel, normalizeBaseUrl } from './model-loader.js';

const models = join(dirname(fileURLToPath(import.meta.url)), '../../../models');
const BASE = 'https://models.test/';

/** A fetch over the models folder that counts requests and can break files. */
function diskFetch(options: { missing?: string[] } = {}) {
  const requests: string[] = [];
  const fetchFn = async (input: RequestInfo | URL): Promise<Response> => {
    const url = String(input);
    requests.push(url);
    const path = url.slice(BASE.length);
    if (options.missing?.some((m) => path.endsWith(m))) return new Response('no', { status: 404, statusText: 'Not Found' });
    try {
      return new Response(new Uint8Array(await readFile(join(models, path))));
    } catch {
      return new Response('no', { status: 404, statusText: 'Not Found' });
    }
  };
  return { fetch: fetchFn as typeof fetch, requests };
}

describe('loadImageModel', () => {
  it('downloads model.json and each file once, then serves the weights from the cache', async () => {
    const cache = memoryCache('cache-api');
    const first = diskFetch();
    const progress: number[] = [];
    const loaded = await loadImageModel(`${BASE}adaattn-image`, { cache, fetch: first.fetch, onProgress: (p) => progress.push(p.loadedBytes / p.totalBytes) });
    const shipped = JSON.parse(await readFile(join(models, 'adaattn-image/model.json'), 'utf8')) as { name: string };
    expect(loaded.config.name).toBe(shipped.name);
    expect(Object.keys(loaded.weights).sort()).toEqual(['adaattn3', 'decoder', 'encoder', 'transformer']);
    expect(loaded.cachedFiles).toBe(0);
    expect(first.requests.map((u) => u.slice(BASE.length))).toEqual([
      'adaattn-image/model.json',
      'adaattn-image/encoder.safetensors',
      'adaattn-image/transformer.safetensors',
      'adaattn-image/adaattn3.safetensors',
      'adaattn-image/decoder.safetensors',
    ]);
    expect(progress.at(-1)).toBe(1);
    // Weight files are cached under their sha256, model.json under its URL.
    const keys = [...cache.entries.keys()];
    expect(keys).toContain(`${BASE}adaattn-image/model.json`);
    expect(keys.filter((k) => /\.safetensors\?sha256=[0-9a-f]{64}$/.test(k))).toHaveLength(4);

    const second = diskFetch();
    const again = await loadImageModel(`${BASE}adaattn-image/`, { cache, fetch: second.fetch });
    expect(again.cachedFiles).toBe(4);
    expect(second.requests).toEqual([`${BASE}adaattn-image/model.json`]); // revalidated; weights from cache
  }, 60_000);

  it('drops a corrupted cache entry and loads afresh', async () => {
    const cache = memoryCache('indexeddb');
    await loadImageModel(`${BASE}adaattn-image/`, { cache, fetch: diskFetch().fetch });
    const decoderKey = [...cache.entries.keys()].find((k) => k.includes('decoder.safetensors')) as string;
    const bytes = cache.entries.get(decoderKey) as Uint8Array;
    bytes[bytes.length - 1] ^= 0xff;
    const refetch = diskFetch();
    const loaded = await loadImageModel(`${BASE}adaattn-image/`, { cache, fetch: refetch.fetch });
    expect(loaded.cachedFiles).toBe(0);
    expect(refetch.requests.filter((u) => u.endsWith('.safetensors'))).toHaveLength(4);
    expect((cache.entries.get(decoderKey) as Uint8Array)[bytes.length - 1]).toBe(bytes[bytes.length - 1] as number ^ 0xff);
  }, 60_000);

  it('uses the cached model.json when offline', async () => {
    const cache = memoryCache('cache-api');
    await loadImageModel(`${BASE}adaattn-image/`, { cache, fetch: diskFetch().fetch });
    const offline = (async () => {
      throw new TypeError('Failed to fetch');
    }) as typeof fetch;
    const loaded = await loadImageModel(`${BASE}adaattn-image/`, { cache, fetch: offline });
    expect(loaded.cachedFiles).toBe(4);
  }, 60_000);

  it('names the missing file', async () => {
    const error = await loadImageModel(`${BASE}adaattn-image/`, { cache: memoryCache(), fetch: diskFetch({ missing: ['decoder.safetensors'] }).fetch }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WeightsError);
    expect((error as WeightsError).code).toBe('missing-file');
    expect((error as Error).message).toMatch(/decoder\.safetensors: missing .*HTTP 404/);
  }, 60_000);

  it('explains what to check when the server cannot be reached', async () => {
    const unreachable = (async () => {
      throw new TypeError('Failed to fetch');
    }) as typeof fetch;
    await expect(loadImageModel('https://nowhere.test/m/', { cache: memoryCache(), fetch: unreachable })).rejects.toThrow(
      /https:\/\/nowhere\.test\/m\/model\.json could not be fetched \(Failed to fetch\): check that the server is up, sends Access-Control-Allow-Origin/,
    );
  });

  it('refuses the video model', async () => {
    await expect(loadImageModel(`${BASE}adaattn-video/`, { cache: memoryCache(), fetch: diskFetch().fetch })).rejects.toThrow(
      'describes the video model; the plugin needs an image model (variant "image")',
    );
  }, 60_000);
});

describe('normalizeBaseUrl', () => {
  it('ends the base URL with a slash so file paths resolve inside it', () => {
    expect(normalizeBaseUrl(' https://x.test/models/adaattn-image ')).toBe('https://x.test/models/adaattn-image/');
    expect(normalizeBaseUrl('https://x.test/m/')).toBe('https://x.test/m/');
  });
});
