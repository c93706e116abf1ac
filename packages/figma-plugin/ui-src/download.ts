/**
 * One model file over the network, the way a 66 MB download over a flaky connection needs it: retried with
 * backoff on network errors and on 408/429/5xx, resumed with a `Range` request from the bytes already
 * received (a server that ignores Range answers 200 and the download starts over), and checked against the
 * size and sha256 that model.json gives before anyone caches it.
 *
 * `Range: bytes=N-` is a CORS-safelisted request header, so even the null-origin plugin window sends it
 * without a preflight; a 206 is read as "the rest from N" (Content-Range is not exposed to a CORS reader).
 */
import { sha256Hex, WeightsError } from '@adaattn/core';

/** Thrown with a message fit for the user: what failed, where, and what to check. */
export class ModelLoadError extends Error {
  override readonly name = 'ModelLoadError';
  constructor(
    message: string,
    /** The HTTP status when the server answered (core reports a 404 as a missing file). */
    readonly status?: number,
  ) {
    super(message);
  }
}

/** What model.json says a file must be. */
export interface ExpectedFile {
  readonly bytes: number;
  readonly sha256: string;
}

export interface DownloadOptions {
  readonly fetch: typeof fetch;
  readonly signal?: AbortSignal;
  /** Called with each change of the bytes held (negative when a restart drops a partial download). */
  readonly onBytes?: (delta: number) => void;
  /** Passed to fetch (model.json revalidates; weight files may come from the HTTP cache). */
  readonly cache?: RequestCache;
  /** Waits before each retry, in ms (default 0.5 s, 1 s, 2 s, 4 s, 8 s: six tries in all). */
  readonly backoffMs?: readonly number[];
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export const DEFAULT_BACKOFF_MS: readonly number[] = [500, 1000, 2000, 4000, 8000];

/** Statuses worth asking again for: the server or a proxy on the way is busy or timed out. */
function transient(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

function isAbort(error: unknown): boolean {
  return (error as { name?: string } | null)?.name === 'AbortError';
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function concat(chunks: readonly Uint8Array[], length: number): Uint8Array {
  if (chunks.length === 1 && chunks[0]?.length === length) return chunks[0];
  const out = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

/**
 * The bytes at `url`. With `expected`, the result has exactly that size and sha256 (a mismatch after a
 * resumed download is retried once from the start; otherwise it is a WeightsError 'checksum-mismatch').
 * Network failures end in a ModelLoadError naming the URL, the last error and what to check.
 */
export async function downloadFile(url: string, expected: ExpectedFile | undefined, options: DownloadOptions): Promise<Uint8Array> {
  const { signal } = options;
  const backoff = options.backoffMs ?? DEFAULT_BACKOFF_MS;
  const sleep = options.sleep ?? abortableSleep;
  let chunks: Uint8Array[] = [];
  let have = 0;
  let resumed = false;
  let rangeWorks = true; // a Range request that fails at the network level is not tried again
  let restartedAfterMismatch = false;
  let lastError = '';
  const drop = () => {
    options.onBytes?.(-have);
    chunks = [];
    have = 0;
  };

  for (let attempt = 0; attempt <= backoff.length; attempt++) {
    if (attempt > 0) await sleep(backoff[attempt - 1] ?? 0, signal);
    signal?.throwIfAborted();
    const useRange = have > 0 && rangeWorks;
    if (have > 0 && !useRange) drop();
    let response: Response;
    try {
      response = await options.fetch(url, {
        ...(options.cache ? { cache: options.cache } : {}),
        ...(signal ? { signal } : {}),
        ...(useRange ? { headers: { Range: `bytes=${have}-` } } : {}),
      });
    } catch (error) {
      if (isAbort(error)) throw error;
      if (useRange) rangeWorks = false;
      lastError = messageOf(error);
      continue;
    }
    if (response.status === 206 && useRange) {
      resumed = true;
    } else if (response.ok) {
      if (have > 0) drop(); // the server sent the whole file again
    } else {
      if (transient(response.status)) {
        lastError = `HTTP ${response.status} ${response.statusText}`.trim();
        continue;
      }
      throw new ModelLoadError(`${url}: HTTP ${response.status} ${response.statusText}`.trim(), response.status);
    }
    try {
      if (response.body === null) {
        const bytes = new Uint8Array(await response.arrayBuffer());
        chunks.push(bytes);
        have += bytes.length;
        options.onBytes?.(bytes.length);
      } else {
        const reader = response.body.getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          chunks.push(value);
          have += value.length;
          options.onBytes?.(value.length);
        }
      }
    } catch (error) {
      if (isAbort(error) || signal?.aborted) throw error;
      lastError = `the connection broke after ${have} bytes (${messageOf(error)})`;
      continue; // resumed from `have` next time
    }
    const bytes = concat(chunks, have);
    if (expected === undefined) return bytes;
    const problem =
      bytes.length !== expected.bytes
        ? `is ${bytes.length} bytes but model.json says ${expected.bytes}`
        : (await sha256Hex(bytes)) !== expected.sha256
          ? `does not have the sha256 model.json gives (${expected.sha256})`
          : undefined;
    if (problem === undefined) return bytes;
    if ((resumed || bytes.length < expected.bytes) && !restartedAfterMismatch) {
      // A resumed download stitched from two versions, or a short body: fetch it whole once more.
      restartedAfterMismatch = true;
      rangeWorks = false;
      drop();
      lastError = `the download ${problem}`;
      continue;
    }
    throw new WeightsError('checksum-mismatch', `${url} ${problem}: the server sent a different file; nothing was cached`, { file: url });
  }
  throw new ModelLoadError(
    `${url} could not be downloaded after ${backoff.length + 1} tries (${lastError}): check that the server is up, ` +
      `sends Access-Control-Allow-Origin (Figma's UI has a null origin), and that its domain is in the manifest's networkAccess`,
  );
}
