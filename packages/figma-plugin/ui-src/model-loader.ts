/**
 * Loading the model directory from a URL: model.json, then each file it lists, through the byte cache.
 *
 * model.json is always asked of the network first (it names the current files and their sha256) and read
 * from the cache only when the network fails. Weight files are cached under their URL plus sha256, so a
 * new model version never reuses old bytes, and old versions are pruned once a load succeeds. Core
 * verifies every file's size and sha256 either way; a cached file that fails that check is dropped and the
 * load retried once from the network.
 */
import { loadModelFromFiles, MODEL_JSON_PATH, parseModelJson, WeightsError, type ImageModelWeights, type ModelConfig } from '@adaattn/core';
import type { ByteCache } from './model-cache.js';

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
}

export interface LoadedImageModel {
  readonly config: ModelConfig;
  readonly weights: ImageModelWeights;
  /** Files that came from the cache (none on a first load). */
  readonly cachedFiles: number;
}

/** Thrown with a message fit for the user: what failed, where, and what to check. */
export class ModelLoadError extends Error {
  override readonly name = 'ModelLoadError';
}

/** `base` with a trailing slash, so relative file paths resolve inside it. */
export function normalizeBaseUrl(base: string): string {
  const trimmed = base.trim();
  return trimmed.endsWith('/') ? trimmed : `${trimmed}/`;
}

async function readBody(response: Response, onChunk: (bytes: number) => void): Promise<Uint8Array> {
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (response.body === null) {
    const bytes = new Uint8Array(await response.arrayBuffer());
    onChunk(bytes.length);
    return bytes;
  }
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    length += value.length;
    onChunk(value.length);
  }
  if (chunks.length === 1 && (Number.isNaN(declared) || declared === length)) return chunks[0] as Uint8Array;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

async function fetchBytes(doFetch: typeof fetch, url: string, init: RequestInit, onChunk: (bytes: number) => void): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await doFetch(url, init);
  } catch (error) {
    if ((error as { name?: string }).name === 'AbortError') throw error;
    // fetch gives a bare TypeError for CORS, CSP (Figma's networkAccess) and offline alike: list all three.
    throw new ModelLoadError(
      `${url} could not be fetched (${error instanceof Error ? error.message : String(error)}): check that the server is up, ` +
        `sends Access-Control-Allow-Origin (Figma's UI has a null origin), and that its domain is in the manifest's networkAccess`,
    );
  }
  if (!response.ok) {
    const error = new ModelLoadError(`${url}: HTTP ${response.status} ${response.statusText}`.trim());
    (error as { status?: number }).status = response.status; // core reports a 404 as a missing file
    throw error;
  }
  return readBody(response, onChunk);
}

async function loadOnce(baseUrl: string, options: LoadModelOptions, useCachedWeights: boolean, stats: { cachedFiles: number }): Promise<LoadedImageModel> {
  const { cache, signal } = options;
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const urlOf = (path: string) => new URL(path, baseUrl).href;
  const keys = new Set<string>();
  let config: ModelConfig | undefined;
  let totalBytes = 0;
  let loadedBytes = 0;
  const report = (fromCache: boolean) => options.onProgress?.({ loadedBytes, totalBytes, fromCache });

  const readFile = async (path: string): Promise<Uint8Array> => {
    signal?.throwIfAborted();
    const url = urlOf(path);
    if (path === MODEL_JSON_PATH) {
      let bytes: Uint8Array;
      try {
        bytes = await fetchBytes(doFetch, url, { cache: 'no-cache', ...(signal ? { signal } : {}) }, () => undefined);
        await cache.put(url, bytes).catch(() => undefined);
      } catch (error) {
        const cached = await cache.get(url).catch(() => undefined);
        if (cached === undefined) throw error;
        bytes = cached; // offline, with a model cached earlier
      }
      keys.add(url);
      config = parseModelJson(bytes, { file: MODEL_JSON_PATH });
      totalBytes = Object.values(config.files).reduce((sum, f) => sum + (f?.bytes ?? 0), 0);
      report(false);
      return bytes;
    }
    const entry = Object.values(config?.files ?? {}).find((f) => f?.path === path);
    const key = entry === undefined ? url : `${url}?sha256=${entry.sha256}`;
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
    const bytes = await fetchBytes(doFetch, url, { cache: 'force-cache', ...(signal ? { signal } : {}) }, (n) => {
      loadedBytes += n;
      report(false);
    });
    await cache.put(key, bytes).catch(() => undefined); // a full disk must not fail the load
    return bytes;
  };

  const loaded = await loadModelFromFiles(readFile);
  if (loaded.config.variant !== 'image') {
    throw new ModelLoadError(`${urlOf(MODEL_JSON_PATH)} describes the ${loaded.config.variant} model; the plugin needs an image model (variant "image")`);
  }
  await cache.prune(keys).catch(() => undefined);
  return { config: loaded.config, weights: loaded.weights as ImageModelWeights, cachedFiles: stats.cachedFiles }; // variant checked above
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
