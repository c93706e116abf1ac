/**
 * First use: the model package is downloaded from its URL (jsDelivr's copy of @adaattn/model-image by
 * default) into the plugin's own folder, .obsidian/plugins/<id>/models/<version>/, through Obsidian's
 * requestUrl (no CORS, works behind the app's proxy settings) and the vault adapter. The plugin folder is
 * app configuration, not notes: the 66 MB never land among the user's files.
 *
 * - Each file is fetched in 4 MB Range requests, each piece saved as `<file>.piece-<n>` before the next is
 *   asked for: a cancelled or interrupted download resumes from the pieces already on disk. A server that
 *   ignores Range sends the whole file at once, which works too (without resume inside that file).
 * - Every file is checked against model.json's size and sha256 before it is kept; files already present
 *   with the right hash are skipped.
 * - model.json is written last, so its presence means "complete": later runs start without any request.
 * - Cancel takes effect between requests (requestUrl cannot be interrupted), so within one piece.
 */
import { AbortError, MODEL_JSON_PATH, parseModelJson, servedModelFiles, sha256Hex, type ModelConfig } from '@adaattn/core';
import { normalizePath, requestUrl, type DataAdapter, type RequestUrlParam, type RequestUrlResponse } from 'obsidian';

export const PIECE_BYTES = 4 * 1024 * 1024;
const RETRY_WAITS_MS = [1000, 3000, 9000];

/** A download that failed for a reason the user can act on; the message says what and where. */
export class ModelDownloadError extends Error {
  override readonly name = 'ModelDownloadError';
}

export interface DownloadProgress {
  readonly doneBytes: number;
  readonly totalBytes: number;
}

export type Requester = (request: RequestUrlParam) => Promise<Pick<RequestUrlResponse, 'status' | 'arrayBuffer'>>;

export interface DownloadOptions {
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: DownloadProgress) => void;
  /** Obsidian's requestUrl unless a test passes its own. */
  readonly request?: Requester;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly pieceBytes?: number;
}

export interface DownloadResult {
  /** Bytes actually transferred this time (0 when everything was already there). */
  readonly downloadedBytes: number;
  readonly totalBytes: number;
  readonly config: ModelConfig;
}

type Adapter = Pick<DataAdapter, 'exists' | 'readBinary' | 'writeBinary' | 'remove' | 'mkdir' | 'list' | 'rmdir'>;

/** The folder for the model at `url` inside the plugin folder: one per URL (a new version, a new folder). */
export function modelFolder(pluginDir: string, url: string): string {
  const name = url
    .replace(/^[a-z]+:\/\//i, '')
    .replace(/\/+$/, '')
    .replace(/^cdn\.jsdelivr\.net\/npm\//, '')
    .replace(/[^a-zA-Z0-9@._-]+/g, '_')
    .slice(-96);
  return normalizePath(`${pluginDir}/models/${name}`);
}

function defaultRequest(request: RequestUrlParam): ReturnType<Requester> {
  return requestUrl(request);
}

/** Whether `folder` holds a complete download (model.json is written last). */
export function isDownloaded(adapter: Pick<DataAdapter, 'exists'>, folder: string): Promise<boolean> {
  return adapter.exists(normalizePath(`${folder}/${MODEL_JSON_PATH}`));
}

/** Downloads in flight, by folder: a second caller (the settings button during a run) waits for the first. */
const inFlight = new Map<string, Promise<DownloadResult | undefined>>();

/**
 * Makes `folder` hold the model at `baseUrl`, downloading what is missing. Resolves at once (undefined)
 * when a complete download is there. Rejects with AbortError on cancel, ModelDownloadError otherwise.
 */
export function ensureModel(
  baseUrl: string,
  folder: string,
  adapter: Adapter,
  options: DownloadOptions = {},
): Promise<DownloadResult | undefined> {
  const running = inFlight.get(folder);
  if (running !== undefined) return running;
  const download = downloadMissing(baseUrl, folder, adapter, options).finally(() => inFlight.delete(folder));
  inFlight.set(folder, download);
  return download;
}

async function downloadMissing(
  baseUrl: string,
  folder: string,
  adapter: Adapter,
  options: DownloadOptions,
): Promise<DownloadResult | undefined> {
  if (await isDownloaded(adapter, folder)) return undefined;
  const base = baseUrl.trim().endsWith('/') ? baseUrl.trim() : `${baseUrl.trim()}/`;
  const request = options.request ?? defaultRequest;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const pieceBytes = options.pieceBytes ?? PIECE_BYTES;
  const { signal } = options;
  const check = () => {
    if (signal?.aborted) throw new AbortError();
  };

  /** One request, retried on network errors and 408/429/5xx. */
  const get = async (url: string, range?: [number, number]): Promise<{ status: number; bytes: Uint8Array }> => {
    let last = '';
    for (let attempt = 0; attempt <= RETRY_WAITS_MS.length; attempt++) {
      if (attempt > 0) await sleep(RETRY_WAITS_MS[attempt - 1] as number);
      check();
      try {
        const response = await request({ url, throw: false, ...(range ? { headers: { Range: `bytes=${range[0]}-${range[1]}` } } : {}) });
        const { status } = response;
        if (status === 408 || status === 429 || status >= 500) {
          last = `HTTP ${status}`;
          continue;
        }
        if (status !== 200 && status !== 206)
          throw new ModelDownloadError(`${url}: HTTP ${status}. Check the model URL in the plugin settings.`);
        return { status, bytes: new Uint8Array(response.arrayBuffer) };
      } catch (error) {
        if (error instanceof ModelDownloadError) throw error;
        last = error instanceof Error ? error.message : String(error);
      }
    }
    throw new ModelDownloadError(
      `${url} could not be downloaded after ${RETRY_WAITS_MS.length + 1} tries (${last}). Check the internet connection, then run the command again: the download resumes.`,
    );
  };

  const modelJson = (await get(`${base}${MODEL_JSON_PATH}`)).bytes;
  const config = parseModelJson(modelJson, { file: `${base}${MODEL_JSON_PATH}` });
  const files = servedModelFiles(config);
  const totalBytes = files.reduce((n, f) => n + f.bytes, 0);
  let doneBytes = 0;
  let downloadedBytes = 0;
  const report = () => options.onProgress?.({ doneBytes, totalBytes });
  const local = (path: string) => normalizePath(`${folder}/${path}`);
  await mkdirs(adapter, folder);
  report();

  for (const file of files) {
    check();
    const target = local(file.path);
    if ((await adapter.exists(target)) && (await sha256Hex(new Uint8Array(await adapter.readBinary(target)))) === file.sha256) {
      doneBytes += file.bytes;
      report();
      continue;
    }
    const pieces: Uint8Array[] = [];
    const count = Math.max(1, Math.ceil(file.bytes / pieceBytes));
    for (let i = 0; i < count; i++) {
      const from = i * pieceBytes;
      const to = Math.min(file.bytes, from + pieceBytes) - 1;
      const piecePath = `${target}.piece-${i}`;
      if (await adapter.exists(piecePath)) {
        const kept = new Uint8Array(await adapter.readBinary(piecePath));
        if (kept.length === to - from + 1) {
          pieces.push(kept);
          doneBytes += kept.length;
          report();
          continue;
        }
      }
      const { status, bytes } = await get(`${base}${file.path}`, [from, to]);
      downloadedBytes += bytes.length;
      if (status === 200) {
        // The server ignored Range and sent the whole file: use it as it is.
        pieces.length = 0;
        pieces.push(bytes);
        doneBytes += bytes.length - from;
        report();
        break;
      }
      if (bytes.length !== to - from + 1)
        throw new ModelDownloadError(`${base}${file.path}: asked for ${to - from + 1} bytes at ${from}, got ${bytes.length}`);
      await adapter.writeBinary(piecePath, bytes.slice().buffer);
      pieces.push(bytes);
      doneBytes += bytes.length;
      report();
    }
    const whole = join(pieces);
    const actual = whole.length === file.bytes ? await sha256Hex(whole) : `${whole.length} bytes`;
    await removePieces(adapter, target, count);
    if (actual !== file.sha256) {
      throw new ModelDownloadError(
        `${base}${file.path} does not match model.json (expected ${file.bytes} bytes with sha256 ${file.sha256}, got ${actual}); the bad copy was deleted, run the command again to download it afresh`,
      );
    }
    await adapter.writeBinary(target, whole.slice().buffer);
  }
  // Last: its presence marks the folder complete.
  await adapter.writeBinary(local(MODEL_JSON_PATH), modelJson.slice().buffer);
  return { downloadedBytes, totalBytes, config };
}

/** Deletes the other downloads in `models/` (older versions, other URLs); never fails the caller. */
export async function pruneOtherModels(adapter: Pick<DataAdapter, 'list' | 'rmdir' | 'exists'>, keepFolder: string): Promise<string[]> {
  const parent = keepFolder.slice(0, keepFolder.lastIndexOf('/'));
  const removed: string[] = [];
  try {
    if (!(await adapter.exists(parent))) return removed;
    for (const folder of (await adapter.list(parent)).folders) {
      if (normalizePath(folder) === keepFolder) continue;
      await adapter.rmdir(folder, true);
      removed.push(folder);
    }
  } catch (error) {
    console.warn('[adaattn] could not remove an old model download', error);
  }
  return removed;
}

async function mkdirs(adapter: Pick<DataAdapter, 'exists' | 'mkdir'>, folder: string): Promise<void> {
  const parts = folder.split('/');
  for (let i = 1; i <= parts.length; i++) {
    const path = parts.slice(0, i).join('/');
    if (!(await adapter.exists(path))) await adapter.mkdir(path);
  }
}

async function removePieces(adapter: Pick<DataAdapter, 'exists' | 'remove'>, target: string, count: number): Promise<void> {
  for (let i = 0; i < count; i++) if (await adapter.exists(`${target}.piece-${i}`)) await adapter.remove(`${target}.piece-${i}`);
}

function join(pieces: readonly Uint8Array[]): Uint8Array {
  if (pieces.length === 1) return pieces[0] as Uint8Array;
  const out = new Uint8Array(pieces.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of pieces) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
