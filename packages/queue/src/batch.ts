/**
 * A batch of images over the queue workers: one job per image with an id made from what decides its output,
 * so running the same batch again adds nothing twice and skips outputs already written.
 */
import { EventEmitter } from 'node:events';
import { readdir, stat } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import { DEFAULT_MAX_PIXELS, FRAME_EXTENSIONS, type ControlOptions } from '@adaattn/node';
import { hashFile, IMAGE_JOB, jobId, type ImageJobData, type JobResult, type JobStyleOptions, type RetryOptions } from './jobs.js';
import { QueueSession, type PlannedJob } from './session.js';
import type { JobFailure } from './errors.js';

export interface BatchOptions extends RetryOptions {
  /** Redis URL of the queue, e.g. redis://10.0.0.5:6379. */
  readonly connection: string;
  readonly queueName?: string;
  /** Image files, and directories whose images (PNG, JPEG, WebP, TIFF) are all taken. Paths every worker sees. */
  readonly inputs: readonly string[];
  /** The style image, or several (combined by `controls`). */
  readonly style: string | readonly string[];
  /** Where the outputs go, one per input, named after it: photo.jpg → <outputDir>/photo.png. Must exist. */
  readonly outputDir: string;
  /** Output format by extension. Default: 'png'. */
  readonly format?: 'png' | 'jpg' | 'jpeg' | 'webp';
  /** JPEG/WebP quality, 1–100. */
  readonly quality?: number;
  /** Longer side in pixels; 0 keeps the input's size. Default: 512. */
  readonly size?: number;
  readonly attention?: 'sampled' | 'exact';
  readonly seed?: number;
  readonly maxPixels?: number;
  readonly controls?: ControlOptions;
  /** Stylize again even where the output exists. Default: false (an existing output counts as done). */
  readonly force?: boolean;
}

export interface BatchProgress {
  readonly total: number;
  /** Outputs written by this run. */
  readonly done: number;
  readonly failed: number;
  /** Outputs that existed already and were left alone. */
  readonly skipped: number;
  readonly elapsedSeconds: number;
  /** At the pace so far; undefined until the first output. */
  readonly etaSeconds: number | undefined;
}

export interface BatchResult {
  readonly written: readonly string[];
  readonly skipped: readonly string[];
  readonly failures: readonly JobFailure[];
  /** True when cancel() was called; the jobs it removed are listed in `failures` as 'cancelled'. */
  readonly cancelled: boolean;
  readonly seconds: number;
}

export interface BatchRunEvents {
  progress: [BatchProgress];
}

/** A batch on the queue: follow it with 'progress' events, wait() for the end, cancel() what has not started. */
export class BatchRun extends EventEmitter<BatchRunEvents> {
  readonly #written: string[] = [];
  readonly #failures: JobFailure[] = [];
  readonly #started = Date.now();
  readonly #result: Promise<BatchResult>;
  #cancelled = false;

  /** @internal */
  constructor(
    private readonly session: QueueSession,
    private readonly jobs: ReadonlyMap<string, ImageJobData>,
    readonly skipped: readonly string[],
    tracker: Awaited<ReturnType<QueueSession['submit']>>,
  ) {
    super();
    tracker.on('done', (id) => {
      this.#written.push(jobs.get(id)!.output);
      this.#report();
    });
    tracker.on('failed', (id, reason) => {
      const job = jobs.get(id)!;
      this.#failures.push({
        input: job.input,
        output: job.output,
        reason: this.#cancelled && reason === 'the job was removed from the queue' ? 'cancelled' : reason,
      });
      this.#report();
    });
    this.#tracker = tracker;
    this.#result = tracker.finished().then(async () => {
      await session.close();
      return {
        written: this.#written,
        skipped: this.skipped,
        failures: this.#failures,
        cancelled: this.#cancelled,
        seconds: (Date.now() - this.#started) / 1000,
      };
    });
    this.#result.catch(() => undefined);
  }

  readonly #tracker: Awaited<ReturnType<QueueSession['submit']>>;

  /** Images in the batch, skipped ones included. */
  get total(): number {
    return this.jobs.size + this.skipped.length;
  }

  progress(): BatchProgress {
    const done = this.#written.length;
    const finished = done + this.#failures.length;
    const elapsedSeconds = (Date.now() - this.#started) / 1000;
    const left = this.jobs.size - finished;
    return {
      total: this.total,
      done,
      failed: this.#failures.length,
      skipped: this.skipped.length,
      elapsedSeconds,
      etaSeconds: finished === 0 ? undefined : (elapsedSeconds / finished) * left,
    };
  }

  /** Workers connected to the queue now (none: the jobs wait until one starts). */
  workers(): Promise<number> {
    return this.session.queue.getWorkersCount();
  }

  /** Resolves when every job has ended (written, failed for good, or cancelled); closes the connections. */
  wait(): Promise<BatchResult> {
    return this.#result;
  }

  /** Removes the batch's jobs that no worker has started (running ones finish); returns how many. */
  async cancel(): Promise<number> {
    this.#cancelled = true;
    const removed = await this.session.cancel(this.#tracker.pending);
    await this.#tracker.reconcile();
    return removed;
  }

  #report(): void {
    this.emit('progress', this.progress());
  }
}

/** Image files named by `inputs` (directories expanded, in natural order), as absolute paths. */
export async function listInputs(inputs: readonly string[]): Promise<string[]> {
  const naturally = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });
  const files: string[] = [];
  for (const input of inputs) {
    const path = resolve(input);
    const info = await stat(path).catch(() => null);
    if (info === null) throw new Error(`input '${input}' does not exist`);
    if (!info.isDirectory()) {
      files.push(path);
      continue;
    }
    const names = (await readdir(path))
      .filter((n) => !n.startsWith('.') && FRAME_EXTENSIONS.includes(extname(n).toLowerCase()))
      .sort(naturally.compare);
    if (names.length === 0) throw new Error(`input directory '${input}' holds no images (${FRAME_EXTENSIONS.join(', ')} files)`);
    files.push(...names.map((n) => join(path, n)));
  }
  return files;
}

/** Puts one job per image on the queue (none for outputs that exist, unless `force`) and returns the run. */
export async function enqueueBatch(options: BatchOptions): Promise<BatchRun> {
  const outputDir = resolve(options.outputDir);
  const outInfo = await stat(outputDir).catch(() => null);
  if (outInfo === null || !outInfo.isDirectory())
    throw new Error(`output directory '${options.outputDir}' does not exist; create it (on the shared volume) first`);
  const styles = (typeof options.style === 'string' ? [options.style] : options.style).map((s) => resolve(s));
  const styleHashes = await Promise.all(styles.map(hashFile));
  const jobOptions: JobStyleOptions = {
    size: options.size ?? 512,
    attention: options.attention ?? 'sampled',
    ...(options.seed === undefined ? {} : { seed: options.seed }),
    maxPixels: options.maxPixels ?? DEFAULT_MAX_PIXELS,
    controls: absoluteMasks(options.controls ?? {}),
  };
  const extension = options.format ?? 'png';
  const jobs = new Map<string, ImageJobData>();
  const planned: PlannedJob[] = [];
  const skipped: string[] = [];
  const byOutput = new Map<string, string>();
  for (const input of await listInputs(options.inputs)) {
    const output = join(outputDir, `${basename(input, extname(input))}.${extension}`);
    const clash = byOutput.get(output);
    if (clash !== undefined) throw new Error(`inputs '${clash}' and '${input}' would both be written to '${output}'; rename one`);
    byOutput.set(output, input);
    if (options.force !== true && (await stat(output).catch(() => null)) !== null) {
      skipped.push(output);
      continue;
    }
    const data: ImageJobData = {
      input,
      styles,
      styleHashes,
      output,
      options: jobOptions,
      ...(options.quality === undefined ? {} : { quality: options.quality }),
    };
    const id = jobId('img', {
      input,
      inputHash: await hashFile(input),
      styleHashes,
      output,
      options: jobOptions,
      quality: options.quality ?? null,
    });
    jobs.set(id, data);
    planned.push({ id, name: IMAGE_JOB, data });
  }
  const session = await QueueSession.open(options.connection, options.queueName);
  try {
    const tracker = await session.submit(planned, options);
    const run = new BatchRun(session, jobs, skipped, tracker);
    await tracker.start();
    return run;
  } catch (err) {
    await session.close();
    throw err;
  }
}

/** Mask paths made absolute: a worker on another machine resolves them against no working directory of ours. */
export function absoluteMasks(controls: ControlOptions): ControlOptions {
  if (controls.regions === undefined) return controls;
  const abs = <T>(p: T): T => (typeof p === 'string' ? (resolve(p) as T) : p);
  return {
    ...controls,
    regions: controls.regions.map((r) => ({ ...r, content: abs(r.content), ...(r.style === undefined ? {} : { style: abs(r.style) }) })),
  };
}

export type { JobResult };
