/**
 * The loader against the shipped model directories, served by a fake fetch from disk: cache keys, a second
 * load from the cache, recovery from a corrupted cache entry, and the errors a user would see.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseModelJson, WeightsError } from '@adaattn/core';
import { describe, expect, it } from 'vitest';
import { memoryCache } from './model-cache.js';
import { loadImageModel, servedFiles, normalizeBaseUrl } from './model-loader.js';

// The model packages as they are published (and served by the CDN): packages/model-image, model-video.
const packages = join(dirname(fileURLToPath(import.meta.url)), '../..');
const DIRS: Record<string, string> = { 'adaattn-image/': join(packages, 'model-image'), 'adaattn-video/': join(packages, 'model-video') };
const BASE = 'https://models.test/';

/** A fetch over the models folder that counts requests and can break files. */
function diskFetch(options: { missing?: string[] } = {}) {
  const requests: string[] = [];
  const fetchFn = async (input: RequestInfo | URL): Promise<Response> => {
    const url = String(input);
    requests.push(url);
    const path = url.slice(BASE.length);
    if (options.missing?.some((m) => path.endsWith(m))) return new Response('no', { status: 404, statusText: 'Not Found' });
    const dir = Object.keys(DIRS).find((d) => path.startsWith(d));
    try {
      if (dir === undefined) throw new Error('not served');
      return new Response(new Uint8Array(await readFile(join(DIRS[dir] as string, path.slice(dir.length)))));
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
    const loaded = await loadImageModel(`${BASE}adaattn-image`, {
      cache,
      fetch: first.fetch,
      onProgress: (p) => progress.push(p.loadedBytes / p.totalBytes),
    });
    const shipped = parseModelJson(await readFile(join(DIRS['adaattn-image/'] as string, 'model.json')));
    const files = [...servedFiles(shipped).keys()];
    expect(files.some((f) => f.includes('.part-'))).toBe(true); // the published package is sharded
    expect(loaded.config.name).toBe(shipped.name);
    expect(Object.keys(loaded.weights).sort()).toEqual(['adaattn3', 'decoder', 'encoder', 'strength', 'transformer']);
    expect(files).toContain('strength.safetensors'); // the strength endpoint is downloaded and checked like the rest
    expect(loaded.cachedFiles).toBe(0);
    // model.json, then every served file (shards where a file is split) exactly once.
    expect(first.requests.map((u) => u.slice(`${BASE}adaattn-image/`.length)).sort()).toEqual(['model.json', ...files].sort());
    expect(first.requests[0]).toBe(`${BASE}adaattn-image/model.json`);
    expect(progress.at(-1)).toBe(1);
    // Weight files are cached under their sha256, model.json under its URL.
    const keys = [...cache.entries.keys()];
    expect(keys).toContain(`${BASE}adaattn-image/model.json`);
    expect(keys.filter((k) => /\?sha256=[0-9a-f]{64}$/.test(k))).toHaveLength(files.length);

    const second = diskFetch();
    const again = await loadImageModel(`${BASE}adaattn-image/`, { cache, fetch: second.fetch });
    expect(again.cachedFiles).toBe(files.length);
    expect(second.requests).toEqual([`${BASE}adaattn-image/model.json`]); // revalidated; weights from cache
  }, 60_000);

  it('drops a corrupted cache entry and loads afresh', async () => {
    const cache = memoryCache('indexeddb');
    await loadImageModel(`${BASE}adaattn-image/`, { cache, fetch: diskFetch().fetch });
    const decoderKey = [...cache.entries.keys()].find((k) => k.includes('decoder.safetensors')) as string;
    const served = cache.entries.size - 1; // all but model.json
    const bytes = cache.entries.get(decoderKey) as Uint8Array;
    bytes[bytes.length - 1] ^= 0xff;
    const refetch = diskFetch();
    const loaded = await loadImageModel(`${BASE}adaattn-image/`, { cache, fetch: refetch.fetch });
    expect(loaded.cachedFiles).toBe(0);
    expect(refetch.requests.filter((u) => !u.endsWith('model.json'))).toHaveLength(served);
    expect((cache.entries.get(decoderKey) as Uint8Array)[bytes.length - 1]).toBe((bytes[bytes.length - 1] as number) ^ 0xff);
  }, 60_000);

  it('uses the cached model.json when offline', async () => {
    const cache = memoryCache('cache-api');
    await loadImageModel(`${BASE}adaattn-image/`, { cache, fetch: diskFetch().fetch });
    const offline = (async () => {
      throw new TypeError('Failed to fetch');
    }) as typeof fetch;
    const loaded = await loadImageModel(`${BASE}adaattn-image/`, { cache, fetch: offline, sleep: async () => undefined });
    expect(loaded.cachedFiles).toBe(cache.entries.size - 1);
  }, 60_000);

  it('names the missing file', async () => {
    const error = await loadImageModel(`${BASE}adaattn-image/`, {
      cache: memoryCache(),
      fetch: diskFetch({ missing: ['decoder.safetensors'] }).fetch,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WeightsError);
    expect((error as WeightsError).code).toBe('missing-file');
    expect((error as Error).message).toMatch(/decoder\.safetensors: missing .*HTTP 404/);
  }, 60_000);

  it('explains what to check when the server cannot be reached', async () => {
    const unreachable = (async () => {
      throw new TypeError('Failed to fetch');
    }) as typeof fetch;
    await expect(
      loadImageModel('https://nowhere.test/m/', { cache: memoryCache(), fetch: unreachable, sleep: async () => undefined }),
    ).rejects.toThrow(
      /https:\/\/nowhere\.test\/m\/model\.json could not be downloaded after 3 tries \(Failed to fetch\): check that the server is up, sends Access-Control-Allow-Origin/,
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
