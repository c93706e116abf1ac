/**
 * The jobs on the queue: what a client puts in them and what a worker returns. Every path is absolute and
 * must mean the same file on every machine (a shared volume): jobs carry paths, never pixels.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { ControlOptions } from '@adaattn/node';

/** How every job of a batch or video is stylized; the worker's model, backend and threads are its own. */
export interface JobStyleOptions {
  /** Longer side in pixels (0: the input's size). */
  readonly size: number;
  readonly attention: 'sampled' | 'exact';
  readonly seed?: number;
  readonly maxPixels: number;
  /** The creative controls (mask paths included, as absolute paths). */
  readonly controls: ControlOptions;
}

/** What every job names: its input, its styles (with their hashes) and where its output goes. */
interface JobData {
  readonly input: string;
  readonly styles: readonly string[];
  /** SHA-256 of each style file: the key of the worker's cache of encoded styles. */
  readonly styleHashes: readonly string[];
  readonly output: string;
  readonly options: JobStyleOptions;
}

export interface ImageJobData extends JobData {
  /** JPEG/WebP quality. */
  readonly quality?: number;
}

/** `output` is a directory the chunk's frames are written to (PNG), atomically. */
export interface ChunkJobData extends JobData {
  /** Frames `start` to `end - 1` of the input, counted from 0. */
  readonly start: number;
  readonly end: number;
}

export const IMAGE_JOB = 'image';
export const CHUNK_JOB = 'video-chunk';

export interface JobResult {
  readonly output: string;
  /** `host:pid` of the worker that wrote it. */
  readonly worker: string;
  readonly seconds: number;
}

/** Progress a worker reports on a job: the fraction done, and for a chunk the frames done. */
export interface JobProgress {
  readonly fraction: number;
  readonly frames?: number;
}

export interface RetryOptions {
  /** Tries per job before it fails for good (a bad input fails at once). Default: 3. */
  readonly attempts?: number;
  /** First wait before a retry, doubled at each try. Default: 2000 ms. */
  readonly backoffMs?: number;
}

const WEEK_SECONDS = 7 * 24 * 3600;

/** Job options: retries with exponential backoff; finished jobs kept a week, so a rerun recognises them. */
export function jobOptions(jobId: string, retry: RetryOptions = {}) {
  return {
    jobId,
    attempts: retry.attempts ?? 3,
    backoff: { type: 'exponential', delay: retry.backoffMs ?? 2000 },
    removeOnComplete: { age: WEEK_SECONDS },
    removeOnFail: { age: WEEK_SECONDS },
  } as const;
}

/** SHA-256 of a file's bytes, streamed. */
export function hashFile(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('error', (err: NodeJS.ErrnoException) =>
        reject(new Error(err.code === 'ENOENT' ? `'${path}' does not exist` : `'${path}' cannot be read (${err.code ?? err.message})`)),
      )
      .on('data', (d) => hash.update(d))
      .on('end', () => resolve(hash.digest('hex')));
  });
}

/**
 * A job id from everything that decides its output: adding the same work twice finds the first job instead
 * of queueing a duplicate (BullMQ ignores an add whose id exists). BullMQ ids may not contain ':'.
 */
export function jobId(prefix: 'img' | 'vid', parts: unknown): string {
  return `${prefix}-${createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 40)}`;
}
