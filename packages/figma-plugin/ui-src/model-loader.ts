/**
 * Loading the model directory from a URL: model.json, then each file it lists, through the byte cache.
 *
 * model.json is always asked of the network first (it names the current files and their sha256) and read
 * from the cache only when the network fails. Weight files are downloaded with retries and resume
 * (download.ts), checked against model.json's size and sha256, and only then cached, under their URL plus
 * sha256, so a new model version never reuses old bytes; old versions are pruned once a load succeeds. Core
 * verifies every file again as it reads it; a cached file that fails that check is dropped and the load
 * retried once from the network.
 */
import {
  loadModelFromFiles,
  MODEL_JSON_PATH,
  parseModelJson,
  servedModelFiles,
  WeightsError,
  type ImageModelWeights,
  type ModelConfig,
} from '@adaattn/core';
import { DEFAULT_BACKOFF_MS, downloadFile, ModelLoadError, type ExpectedFile } from './download.js';
import type { ByteCache } from './model-cache.js';

export { ModelLoadError } from './download.js';

export interface LoadProgress {
  /** Bytes of weight files available so far (from cache or network) and in all. */
  readonly loadedBytes: number;
  readonly totalBytes: number;
  readonly fromCache: boolean;
}

export interface LoadModelOptions {
  readonly cache: ByteCache;
  readonly fetch?: typeof fetch;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: LoadProgress) => void;
  /** Waits between retries (download.ts's default otherwise; model.json uses the first two only). */
  readonly backoffMs?: readonly number[];
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface LoadedImageModel {
  readonly config: ModelConfig;
  readonly weights: ImageModelWeights;
  /** Files that came from the cache (none on a first load). */
  readonly cachedFiles: number;
}

/** `base` with a trailing slash, so relative file paths resolve inside it. */
export function normalizeBaseUrl(base: string): string {
  const trimmed = base.trim();
  return trimmed.endsWith('/') ? trimmed : `${trimmed}/`;
}

/** Every file a host serves for `config`, by path: the shards of a split file instead of the file itself. */
export function servedFiles(config: ModelConfig): Map<string, ExpectedFile> {
  return new Map(servedModelFiles(config).map((f) => [f.path, { bytes: f.bytes, sha256: f.sha256 }] as const));
}

async function loadOnce(
  baseUrl: string,
  options: LoadModelOptions,
  useCachedWeights: boolean,
  stats: { cachedFiles: number },
): Promise<LoadedImageModel> {
  const { cache, signal } = options;
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const common = { fetch: doFetch, ...(signal ? { signal } : {}), ...(options.sleep ? { sleep: options.sleep } : {}) };
  const urlOf = (path: string) => new URL(path, baseUrl).href;
  const keys = new Set<string>();
  let listed = new Map<string, ExpectedFile>();
  let totalBytes = 0;
  let loadedBytes = 0;
  const report = (fromCache: boolean) => options.onProgress?.({ loadedBytes, totalBytes, fromCache });

  const readFile = async (path: string): Promise<Uint8Array> => {
    signal?.throwIfAborted();
    const url = urlOf(path);
    if (path === MODEL_JSON_PATH) {
      let bytes: Uint8Array;
      try {
        // Two retries at most: offline, the cached copy is the answer, not a long wait.
        bytes = await downloadFile(url, undefined, {
          ...common,
          cache: 'no-cache',
          backoffMs: (options.backoffMs ?? DEFAULT_BACKOFF_MS).slice(0, 2),
        });
        // Only a model.json that parses replaces the cached one.
        parseModelJson(bytes, { file: MODEL_JSON_PATH });
        await cache.put(url, bytes).catch(() => undefined);
      } catch (error) {
        if (isAbort(error) || error instanceof WeightsError || (error as ModelLoadError).status !== undefined) throw error;
        const cached = await cache.get(url).catch(() => undefined);
        if (cached === undefined) throw error;
        bytes = cached; // offline, with a model cached earlier
      }
      keys.add(url);
      listed = servedFiles(parseModelJson(bytes, { file: MODEL_JSON_PATH }));
      totalBytes = [...listed.values()].reduce((sum, f) => sum + f.bytes, 0);
      report(false);
      return bytes;
    }
    const expected = listed.get(path);
    const key = expected === undefined ? url : `${url}?sha256=${expected.sha256}`;
    keys.add(key);
    if (useCachedWeights) {
      const cached = await cache.get(key).catch(() => undefined);
      if (cached !== undefined) {
        stats.cachedFiles++;
        loadedBytes += cached.length;
        report(true);
        return cached;
      }
    }
    // Weight files never change under one sha256: let the HTTP cache serve them when it can.
    const bytes = await downloadFile(url, expected, {
      ...common,
      cache: 'force-cache',
      ...(options.backoffMs ? { backoffMs: options.backoffMs } : {}),
      onBytes: (n) => {
        loadedBytes += n;
        report(false);
      },
    });
    // Verified against model.json above; a full disk must not fail the load.
    await cache.put(key, bytes).catch(() => undefined);
    return bytes;
  };

  const loaded = await loadModelFromFiles(readFile);
  if (loaded.config.variant !== 'image') {
    throw new ModelLoadError(
      `${urlOf(MODEL_JSON_PATH)} describes the ${loaded.config.variant} model; the plugin needs an image model (variant "image")`,
    );
  }
  await cache.prune(keys).catch(() => undefined);
  return { config: loaded.config, weights: loaded.weights as ImageModelWeights, cachedFiles: stats.cachedFiles }; // variant checked above
}

function isAbort(error: unknown): boolean {
  return (error as { name?: string } | null)?.name === 'AbortError';
}

/** Loads and verifies the image model at `baseUrl`. */
export async function loadImageModel(baseUrl: string, options: LoadModelOptions): Promise<LoadedImageModel> {
  const base = normalizeBaseUrl(baseUrl);
  const stats = { cachedFiles: 0 };
  try {
    return await loadOnce(base, options, true, stats);
  } catch (error) {
    // A corrupted cache entry: verification caught it; fetch everything afresh once.
    if (error instanceof WeightsError && error.code === 'checksum-mismatch' && stats.cachedFiles > 0) {
      return loadOnce(base, options, false, { cachedFiles: 0 });
    }
    throw error;
  }
}
