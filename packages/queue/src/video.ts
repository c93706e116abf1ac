/**
 * A video over the queue workers: the frames are split into chunks, each a job that a worker stylizes into
 * a directory of PNG frames beside the output (on the shared volume); the chunks are then joined, in order,
 * into the output by the same code as the local `adaattn video` (writeFrames: a frame directory, or a video
 * through ffmpeg with the input's audio), and the chunk directories removed.
 */
import { mkdir, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { DEFAULT_FPS, DEFAULT_MAX_PIXELS, type StylizeVideoOptions, type StylizeVideoResult, type VideoProgress } from '@adaattn/node';
import { checkFramesOutput, ffmpegPaths, openFrames, writeFrames, type FrameSource } from '@adaattn/node/internal';
import { absoluteMasks } from './batch.js';
import { QueueJobsFailedError, type JobFailure } from './errors.js';
import { CHUNK_JOB, hashFile, jobId, type ChunkJobData, type JobStyleOptions, type RetryOptions } from './jobs.js';
import { QueueSession, type PlannedJob } from './session.js';

/** Frames per chunk unless told: small enough to spread a short clip, large enough to keep Redis quiet. */
export const DEFAULT_CHUNK_FRAMES = 24;

export interface QueueVideoOptions extends Omit<StylizeVideoOptions, 'style' | 'onProgress'>, RetryOptions {
  /** Redis URL of the queue. */
  readonly connection: string;
  readonly queueName?: string;
  /** Style file(s): paths every worker sees. */
  readonly style: string | readonly string[];
  /** Frames per job. Default: 24. */
  readonly chunkFrames?: number;
  /** Called as chunks report frames done. */
  readonly onProgress?: (progress: VideoProgress) => void;
  /** Called once the jobs are on the queue, with the number of chunks and how many were done already. */
  readonly onQueued?: (info: {
    readonly chunks: number;
    readonly frames: number;
    readonly reused: number;
    readonly workers: number;
  }) => void;
}

/** Stylizes a video or frame directory over the queue; resolves like stylizeVideo() once the output is written. */
export async function stylizeVideoOnQueue(options: QueueVideoOptions): Promise<StylizeVideoResult> {
  const { signal } = options;
  const started = Date.now();
  const input = resolve(options.input);
  const output = resolve(options.output);
  const styles = (typeof options.style === 'string' ? [options.style] : options.style).map((s) => resolve(s));
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  const tools = ffmpegPaths(options.env ?? process.env);
  const protect = [input, ...styles];
  const source = await openFrames(input, tools, { maxPixels, ...(signal ? { signal } : {}) });
  await checkFramesOutput(output, tools, { force: options.force ?? false, protect });
  const frames = source.count ?? (await countFrames(source, signal));
  const chunkFrames = options.chunkFrames ?? DEFAULT_CHUNK_FRAMES;
  if (!(Number.isInteger(chunkFrames) && chunkFrames >= 1)) throw new Error(`chunkFrames must be a whole number ≥ 1, got ${chunkFrames}`);

  const jobOptions: JobStyleOptions = {
    size: options.size ?? 512,
    attention: options.attention ?? 'sampled',
    ...(options.seed === undefined ? {} : { seed: options.seed }),
    maxPixels,
    controls: absoluteMasks({
      ...(options.weights === undefined ? {} : { weights: options.weights }),
      ...(options.mix === undefined ? {} : { mix: options.mix }),
      ...(options.regions === undefined ? {} : { regions: options.regions }),
      ...(options.strength === undefined ? {} : { strength: options.strength }),
      ...(options.preserveColor === undefined ? {} : { preserveColor: options.preserveColor }),
    }),
  };
  const styleHashes = await Promise.all(styles.map(hashFile));
  const inputHash = (await stat(input)).isDirectory() ? null : await hashFile(input);
  const runId = jobId('vid', { input, inputHash, styleHashes, options: jobOptions, frames, chunkFrames });
  // Beside the output, so on the shared volume; named by the run, so a rerun after a crash reuses finished chunks.
  const work = join(dirname(output), `.${basename(output)}.${runId}.chunks`);

  const planned: PlannedJob[] = [];
  const chunkDirs: string[] = [];
  for (let start = 0, n = 0; start < frames; start += chunkFrames, n++) {
    const end = Math.min(frames, start + chunkFrames);
    const dir = join(work, `chunk_${String(n).padStart(5, '0')}`);
    chunkDirs.push(dir);
    const data: ChunkJobData = { input, styles, styleHashes, output: dir, options: jobOptions, start, end };
    planned.push({
      id: `${runId}-${n}`,
      name: CHUNK_JOB,
      data,
      outputExists: () =>
        stat(dir).then(
          () => true,
          () => false,
        ),
    });
  }
  signal?.throwIfAborted();
  await mkdir(work, { recursive: true });

  const session = await QueueSession.open(options.connection, options.queueName);
  const framesDone = new Map<string, number>();
  const failures: JobFailure[] = [];
  try {
    const tracker = await session.submit(planned, options);
    const total = () => [...framesDone.values()].reduce((a, b) => a + b, 0);
    const report = () => {
      const frame = total();
      const elapsedSeconds = (Date.now() - started) / 1000;
      options.onProgress?.({
        frame,
        total: frames,
        elapsedSeconds,
        etaSeconds: frame === 0 ? undefined : (elapsedSeconds / frame) * (frames - frame),
      });
    };
    const byId = new Map(planned.map((p) => [p.id, p.data as ChunkJobData]));
    tracker.on('progress', (id, p) => {
      if (p.frames !== undefined) framesDone.set(id, p.frames);
      report();
    });
    tracker.on('done', (id) => {
      const c = byId.get(id)!;
      framesDone.set(id, c.end - c.start);
      report();
    });
    tracker.on('failed', (id, reason) => {
      const c = byId.get(id)!;
      failures.push({
        input: `${input} ${c.end - c.start === 1 ? `frame ${c.end}` : `frames ${c.start + 1}–${c.end}`}`,
        output: c.output,
        reason,
      });
    });
    await tracker.start();
    options.onQueued?.({
      chunks: planned.length,
      frames,
      reused: planned.length - tracker.pending.size,
      workers: await session.queue.getWorkersCount(),
    });
    const cancel = () => void session.cancel(tracker.pending).then(() => tracker.reconcile());
    signal?.addEventListener('abort', cancel, { once: true });
    try {
      await tracker.finished();
    } finally {
      signal?.removeEventListener('abort', cancel);
      tracker.stop();
    }
    signal?.throwIfAborted();
    if (failures.length > 0) {
      throw new QueueJobsFailedError(
        `${failures.length} of ${planned.length} chunks failed: ${failures.map((f) => `${f.input}: ${f.reason}`).join('; ')}`,
        failures,
      );
    }
    return await assemble(source, chunkDirs, { input, output, frames, started, tools, protect, options });
  } catch (err) {
    // A cancelled run leaves nothing behind; a failed one keeps finished chunks for the rerun.
    if (signal?.aborted) await rm(work, { recursive: true, force: true });
    throw err;
  } finally {
    await session.close();
  }
}

/** Joins the chunks, in order, into the output, then removes them. */
async function assemble(
  source: FrameSource,
  chunkDirs: readonly string[],
  ctx: {
    input: string;
    output: string;
    frames: number;
    started: number;
    tools: ReturnType<typeof ffmpegPaths>;
    protect: string[];
    options: QueueVideoOptions;
  },
): Promise<StylizeVideoResult> {
  const { options, tools, output } = ctx;
  let width = 0;
  let height = 0;
  const count = await writeFrames(
    output,
    async (sink) => {
      for (const dir of chunkDirs) {
        const chunk = await openFrames(dir, tools, { maxPixels: Infinity });
        for await (const frame of chunk.frames(options.signal)) {
          [width, height] = [frame.width, frame.height];
          await sink(frame);
        }
      }
    },
    {
      tools,
      fps: options.fps ?? source.fps ?? DEFAULT_FPS,
      ...(source.kind === 'video' && source.hasAudio ? { audioFrom: ctx.input } : {}),
      force: options.force ?? false,
      protect: ctx.protect,
      ...(options.signal ? { signal: options.signal } : {}),
    },
  );
  if (count !== ctx.frames) throw new Error(`the chunks hold ${count} frames, but the input has ${ctx.frames}`);
  await rm(dirname(chunkDirs[0]!), { recursive: true, force: true });
  return { frames: count, width, height, seconds: (Date.now() - ctx.started) / 1000 };
}

/** A video whose container does not say how many frames it has: count them by decoding once. */
async function countFrames(source: FrameSource, signal?: AbortSignal): Promise<number> {
  let n = 0;
  for await (const _ of source.frames(signal)) n++;
  return n;
}
