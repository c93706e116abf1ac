/**
 * A queue worker: one model loaded once, BullMQ taking jobs from Redis, encoded styles kept in an LRU keyed
 * by the style files' hashes, every output written atomically. A bad input fails its job for good at once
 * (UnrecoverableError), anything else is retried with backoff by BullMQ; close() drains.
 */
import { stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { Job, UnrecoverableError, Worker } from 'bullmq';
import {
  createStylizer,
  encodeImage,
  outputFormatForPath,
  readImage,
  type BackendName,
  type NodeStylizer,
  type Precision,
} from '@adaattn/node';
import { prepareVideoStyles, stylizeFrames, writeFileAtomic, type VideoStyles } from '@adaattn/node/internal';
import { DEFAULT_QUEUE_NAME, redisOptions } from './connection.js';
import {
  CHUNK_JOB,
  IMAGE_JOB,
  type ChunkJobData,
  type ImageJobData,
  type JobProgress,
  type JobResult,
  type JobStyleOptions,
} from './jobs.js';
import { Lru } from './lru.js';

export interface StartWorkerOptions {
  /** Redis URL, e.g. redis://10.0.0.5:6379. */
  readonly connection: string;
  /** Default: 'adaattn'. */
  readonly queueName?: string;
  /** Model directory (as for createStylizer). Video jobs want the video model. Default: the image model. */
  readonly model?: string;
  readonly backend?: BackendName | 'auto';
  /** CPU threads of one stylize call. Default: the runtime's choice. */
  readonly threads?: number;
  /** As for createStylizer: `'int8'` runs the convolutions in 8-bit integers on the onnx backend. Default: float32. */
  readonly precision?: Precision;
  /** Jobs run at once in this process (they share the model). Default: 1. */
  readonly concurrency?: number;
  /** Encoded styles kept. Default: 16. */
  readonly styleCacheSize?: number;
  /**
   * How long a job stays claimed without a heartbeat: a worker that dies (SIGKILL, power loss) hands its job
   * back after about this plus `stalledIntervalMs`. Default: 60 000 ms.
   */
  readonly lockDurationMs?: number;
  /** How often this worker looks for jobs whose worker died. Default: 30 000 ms. */
  readonly stalledIntervalMs?: number;
  /** Where ffmpeg is looked up for video jobs. Default: process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Told of each job starting, finishing and failing (the CLI logs these). */
  readonly onEvent?: (event: WorkerEvent) => void;
}

export type WorkerEvent =
  | { readonly type: 'active'; readonly jobId: string; readonly input: string; readonly attempt: number }
  | { readonly type: 'completed'; readonly jobId: string; readonly output: string; readonly seconds: number }
  | { readonly type: 'failed'; readonly jobId: string; readonly input: string; readonly reason: string; readonly final: boolean }
  | { readonly type: 'error'; readonly reason: string };

export interface QueueWorker {
  /** `host:pid`, recorded in every job it finishes. */
  readonly name: string;
  readonly stylizer: NodeStylizer;
  /**
   * Stops taking jobs and waits for the running ones to finish (drain), then frees the model. With `force`,
   * stops at once: running jobs are handed back to the queue when their lock runs out.
   */
  close(force?: boolean): Promise<void>;
}

export async function startWorker(options: StartWorkerOptions): Promise<QueueWorker> {
  const connection = redisOptions(options.connection);
  const stylizer = await createStylizer({
    ...(options.model === undefined ? {} : { model: options.model }),
    ...(options.backend === undefined ? {} : { backend: options.backend }),
    ...(options.threads === undefined ? {} : { threads: options.threads }),
    ...(options.precision === undefined ? {} : { precision: options.precision }),
  });
  const name = `${hostname()}:${process.pid}`;
  const styles = new Lru<VideoStyles>(options.styleCacheSize ?? 16, (s) => s.list.forEach((e) => e.dispose()));
  const env = options.env ?? process.env;
  const tell = options.onEvent ?? (() => undefined);

  const processor = async (job: Job): Promise<JobResult> => {
    const started = Date.now();
    tell({ type: 'active', jobId: job.id!, input: (job.data as { input: string }).input, attempt: job.attemptsMade + 1 });
    const progress = progressReporter(job);
    let output: string;
    if (job.name === IMAGE_JOB) output = await stylizeImageJob(stylizer, styles, job.data as ImageJobData, progress);
    else if (job.name === CHUNK_JOB) output = await stylizeChunkJob(stylizer, styles, job.data as ChunkJobData, progress, env);
    else throw new UnrecoverableError(`unknown job kind '${job.name}' (a client newer than this worker?)`);
    const seconds = (Date.now() - started) / 1000;
    tell({ type: 'completed', jobId: job.id!, output, seconds });
    return { output, worker: name, seconds };
  };

  const worker = new Worker(options.queueName ?? DEFAULT_QUEUE_NAME, processor, {
    connection,
    name,
    concurrency: options.concurrency ?? 1,
    lockDuration: options.lockDurationMs ?? 60_000,
    stalledInterval: options.stalledIntervalMs ?? 30_000,
    // A job whose worker died goes back to the queue twice before it is failed as a likely crasher.
    maxStalledCount: 2,
  });
  worker.on('failed', (job, err) => {
    if (job === undefined) return;
    const final = err instanceof UnrecoverableError || err.name === 'UnrecoverableError' || job.attemptsMade >= (job.opts.attempts ?? 1);
    tell({ type: 'failed', jobId: job.id!, input: (job.data as { input: string }).input, reason: err.message, final });
  });
  worker.on('error', (err) => tell({ type: 'error', reason: err.message }));
  await worker.waitUntilReady();

  let closing: Promise<void> | undefined;
  return {
    name,
    stylizer,
    close(force = false) {
      if (force) return worker.close(true).then(() => stylizer.dispose());
      closing ??= (async () => {
        await worker.close();
        await styles.clear();
        await stylizer.dispose();
      })();
      return closing;
    },
  };
}

type Progress = (p: JobProgress) => void;

/** Sends progress to Redis when it moves by a whole percent (stylize reports far more often). */
function progressReporter(job: Job): Progress {
  let last = -1;
  return (p) => {
    const percent = Math.floor(p.fraction * 100);
    if (percent <= last) return;
    last = percent;
    job.updateProgress(p as unknown as object).catch(() => undefined); // progress is advisory; the job goes on
  };
}

/**
 * Runs `read`, which reads the job's inputs. When it fails while every file is there, the input itself is
 * bad (corrupt, too large, not an image): no retry can help, so the job fails for good with the reason.
 * A missing file may be the shared volume lagging on this machine, so that is retried.
 */
async function inputs<T>(read: () => Promise<T>, paths: readonly string[]): Promise<T> {
  try {
    return await read();
  } catch (err) {
    const present = await Promise.all(
      paths.map((p) =>
        stat(p).then(
          () => true,
          () => false,
        ),
      ),
    );
    if (present.every(Boolean)) throw new UnrecoverableError((err as Error).message);
    throw err;
  }
}

/** The cache key of a job's encoded styles: the style bytes and every option that changes the encoding. */
function styleKey(data: ImageJobData | ChunkJobData, extra: unknown = null): string {
  const { size, attention, seed, maxPixels, controls } = data.options;
  return JSON.stringify([data.styleHashes, size, attention, seed ?? null, maxPixels, controls.mix ?? null, extra]);
}

function styleOptions(data: ImageJobData | ChunkJobData) {
  const { size, attention, seed, maxPixels, controls } = data.options;
  return {
    style: data.styles.length === 1 ? data.styles[0]! : data.styles,
    size,
    attention,
    maxPixels,
    ...(seed === undefined ? {} : { seed }),
    ...controls,
  };
}

async function stylizeImageJob(stylizer: NodeStylizer, cache: Lru<VideoStyles>, data: ImageJobData, progress: Progress): Promise<string> {
  const { input, styles, output, options } = data;
  const { size, attention, seed, maxPixels, controls }: JobStyleOptions = options;
  let format;
  try {
    format = outputFormatForPath(output);
  } catch (err) {
    throw new UnrecoverableError((err as Error).message);
  }
  const content = await inputs(() => readImage(input, { size, maxPixels, label: 'content image' }), [input]);
  const onProgress = ({ fraction }: { fraction: number }) => progress({ fraction });
  let result;
  if (controls.preserveColor === 'histogram') {
    // The style's colours are matched to each content, so there is no one encoding to cache.
    const images = await inputs(() => Promise.all(styles.map((s) => readImage(s, { size, maxPixels, label: 'style image' }))), styles);
    result = await stylizer.stylize(content, images.length === 1 ? images[0]! : images, {
      ...controls,
      size: 0,
      attention,
      ...(seed === undefined ? {} : { seed }),
      onProgress,
    });
  } else {
    result = await cache.use(
      styleKey(data),
      () => inputs(() => prepareVideoStyles(stylizer, { input, output, ...styleOptions(data) }), styles),
      (encoded) =>
        stylizer.stylize(content, encoded.list.length === 1 ? encoded.list[0]! : encoded.list, {
          ...encoded.perFrame,
          size: 0,
          onProgress,
        }),
    );
  }
  const bytes = await encodeImage(result, format, data.quality === undefined ? {} : { quality: data.quality });
  await writeFileAtomic(output, bytes, { protect: [input, ...styles] });
  return output;
}

async function stylizeChunkJob(
  stylizer: NodeStylizer,
  cache: Lru<VideoStyles>,
  data: ChunkJobData,
  progress: Progress,
  env: Readonly<Record<string, string | undefined>>,
): Promise<string> {
  const { input, styles, output, start, end } = data;
  const base = { input, output, ...styleOptions(data), env };
  // The histogram match is to the video's first frame, so that encoding belongs to this input only.
  const extra = data.options.controls.preserveColor === 'histogram' ? [input, (await stat(input)).mtimeMs] : null;
  const frames = end - start;
  // A frame that fails to decode mid-chunk is retried like any other failure, then reported with its reason.
  await cache.use(
    styleKey(data, extra),
    () => inputs(() => prepareVideoStyles(stylizer, base), [input, ...styles]),
    (encoded) =>
      stylizeFrames(
        stylizer,
        { ...base, force: true, range: { start, end }, onProgress: (p) => progress({ fraction: p.frame / frames, frames: p.frame }) },
        encoded,
      ),
  );
  return output;
}
