/**
 * The CLI commands of @adaattn/queue, run by `adaattn` (packages/node/src/cli/queue-dispatch.ts): `worker`,
 * `batch`, and `video --queue`. Option parsing, progress and exit codes are the local commands' own.
 */
import { basename } from 'node:path';
import { BACKEND_CHOICES, defaultModelDir, PRECISIONS } from '@adaattn/node';
import {
  choice,
  CONTROL_OPTIONS,
  decimal,
  describeControls,
  engineText,
  EXIT_CANCELLED,
  EXIT_FAILURE,
  EXIT_OK,
  formatDuration,
  frameProgress,
  inspectModelDir,
  integer,
  optional,
  parseControls,
  parseOptions,
  parseRunOptions,
  repeated,
  required,
  RUN_OPTIONS,
  splitList,
  UsageError,
  wantsHelp,
  type CliContext,
  type OptionSpec,
  type Parsed,
  type TextSink,
} from '@adaattn/node/internal';
import { enqueueBatch, type BatchProgress } from './batch.js';
import { checkRedis, redact, redisOptions } from './connection.js';
import { QueueConnectionError } from './errors.js';
import { startWorker, type WorkerEvent } from './worker.js';
import { stylizeVideoOnQueue } from './video.js';

export type QueueCommandName = 'worker' | 'batch' | 'video';

export function runQueueCommand(name: QueueCommandName, argv: readonly string[], ctx: CliContext): Promise<number> {
  if (wantsHelp(argv)) {
    ctx.stdout.write(HELP[name]);
    return Promise.resolve(EXIT_OK);
  }
  return name === 'worker' ? workerCommand(argv, ctx) : name === 'batch' ? batchCommand(argv, ctx) : videoCommand(argv, ctx);
}

const QUEUE_OPTIONS = {
  queue: { type: 'string' },
  'queue-name': { type: 'string' },
} as const satisfies OptionSpec;

/** --queue, checked for form here (exit 2) and for reachability by the caller (exit 1). */
function queueUrl(values: Parsed['values'], command: string): string {
  const url = required(values, 'queue', 'redis://host:port', command);
  try {
    redisOptions(url);
  } catch (err) {
    throw new UsageError(`--queue: ${(err as Error).message}`, command);
  }
  return url;
}

function queueName(values: Parsed['values'], command: string): string | undefined {
  const name = optional(values, 'queue-name', command);
  if (name !== undefined && !/^[\w.-]+$/.test(name))
    throw new UsageError(`--queue-name may hold letters, digits, '.', '_' and '-', got '${name}'`, command);
  return name;
}

/** The model, backend, threads and precision are each worker's: a job carries only how to stylize. */
function refuseWorkerOptions(values: Parsed['values'], command: string, extra: readonly string[] = []): void {
  for (const name of ['model', 'backend', 'threads', 'precision', ...extra]) {
    if (values[name] !== undefined)
      throw new UsageError(
        `--${name} is chosen by each worker ('adaattn worker --${name} …'); jobs carry only the stylize options`,
        command,
      );
  }
}

/** Jobs on a queue no worker takes wait, silently: say so, and what to start. */
const NO_WORKER = (url: string, name: string | undefined) =>
  `adaattn: no worker is connected to this queue yet; the jobs wait until one is: adaattn worker --queue ${redact(url)}${name === undefined ? '' : ` --queue-name ${name}`}\n`;

/** What batch and video --queue share: the queue, the styles and controls, and how to stylize and retry. */
function parseJobOptions(values: Parsed['values'], command: string, refused: readonly string[] = []) {
  const url = queueUrl(values, command);
  const name = queueName(values, command);
  const { styles, controls } = parseControls(values, command, required(values, 'style', 'file[,file…]', command));
  refuseWorkerOptions(values, command, refused);
  const { size, attention, seed, maxPixels } = parseRunOptions(values, command);
  const attempts = integer(values, 'attempts', command, { min: 1, max: 100, what: 'a whole number of tries ≥ 1' });
  return {
    url,
    /** The queue and retry options of the API calls. */
    queue: { connection: url, ...(name === undefined ? {} : { queueName: name }), ...(attempts === undefined ? {} : { attempts }) },
    styles,
    controls,
    /** The stylize options of the API calls. */
    stylize: { size, attention, maxPixels, ...(seed === undefined ? {} : { seed }) },
  };
}

// ---------------------------------------------------------------------------------------------- worker

const WORKER_OPTIONS = {
  ...QUEUE_OPTIONS,
  model: { type: 'string', short: 'm' },
  backend: { type: 'string' },
  threads: { type: 'string' },
  precision: { type: 'string' },
  concurrency: { type: 'string' },
  'lock-ms': { type: 'string' },
  'stalled-ms': { type: 'string' },
} as const satisfies OptionSpec;

async function workerCommand(argv: readonly string[], ctx: CliContext): Promise<number> {
  const command = 'worker';
  const { values } = parseOptions(command, argv, WORKER_OPTIONS);
  const url = queueUrl(values, command);
  const name = queueName(values, command);
  const model = optional(values, 'model', command) ?? defaultModelDir();
  const backend = choice(values, 'backend', command, BACKEND_CHOICES) ?? 'auto';
  const threads = integer(values, 'threads', command, { min: 1, max: 1024, what: 'a whole number of threads ≥ 1' });
  const precision = choice(values, 'precision', command, PRECISIONS) ?? 'float32';
  const concurrency = integer(values, 'concurrency', command, { min: 1, max: 64, what: 'a whole number of jobs at once, 1 to 64' }) ?? 1;
  const lockMs = integer(values, 'lock-ms', command, { min: 1000, max: 3_600_000, what: 'milliseconds, 1000 or more' });
  const stalledMs = integer(values, 'stalled-ms', command, { min: 100, max: 3_600_000, what: 'milliseconds, 100 or more' });
  await inspectModelDir(model);
  await checkRedis(url);
  ctx.signal.throwIfAborted();

  const log = (text: string) => ctx.stderr.write(`adaattn worker: ${text}\n`);
  const worker = await startWorker({
    connection: url,
    ...(name === undefined ? {} : { queueName: name }),
    model,
    backend,
    ...(threads === undefined ? {} : { threads }),
    precision,
    concurrency,
    ...(lockMs === undefined ? {} : { lockDurationMs: lockMs }),
    ...(stalledMs === undefined ? {} : { stalledIntervalMs: stalledMs }),
    env: ctx.env,
    onEvent: (e) => log(describeEvent(e)),
  });
  const { stylizer } = worker;
  log(
    `${worker.name} ready: ${stylizer.model.name} (${stylizer.model.variant} model) on ${engineText(stylizer)}, ${concurrency} job${concurrency === 1 ? '' : 's'} at once, queue '${name ?? 'adaattn'}' at ${redact(url)}`,
  );

  // SIGTERM (docker stop, systemd, Kubernetes) and Ctrl-C drain: running jobs finish, no new job is taken.
  // A second signal quits at once; the running jobs go back to the queue when their lock runs out.
  let signals = 0;
  let stopped!: () => void;
  const stop = new Promise<void>((resolve) => (stopped = resolve));
  const onSignal = () => {
    signals++;
    if (signals === 1) stopped();
    else {
      log('stopping at once; running jobs return to the queue');
      void worker.close(true).finally(() => process.exit(EXIT_CANCELLED));
    }
  };
  process.on('SIGTERM', onSignal);
  const onAbort = () => onSignal();
  ctx.signal.addEventListener('abort', onAbort);
  try {
    await stop;
    log('draining: finishing the running jobs, taking no new ones (signal again to quit at once)');
    await worker.close();
    log('stopped');
  } finally {
    process.off('SIGTERM', onSignal);
    ctx.signal.removeEventListener('abort', onAbort);
  }
  return EXIT_OK;
}

function describeEvent(e: WorkerEvent): string {
  switch (e.type) {
    case 'active':
      return `job ${e.jobId} started: ${e.input}${e.attempt > 1 ? ` (try ${e.attempt})` : ''}`;
    case 'completed':
      return `job ${e.jobId} wrote ${e.output} in ${e.seconds.toFixed(2)} s`;
    case 'failed':
      return `job ${e.jobId} failed${e.final ? ' for good' : ', will retry'}: ${e.input}: ${e.reason}`;
    case 'error':
      return `queue error: ${e.reason}`;
  }
}

// ----------------------------------------------------------------------------------------------- batch

const STYLIZE_OPTIONS = { ...RUN_OPTIONS, ...CONTROL_OPTIONS, quality: { type: 'string' } } as const satisfies OptionSpec;

const BATCH_OPTIONS = {
  ...QUEUE_OPTIONS,
  input: { type: 'string', short: 'i', multiple: true },
  style: { type: 'string', short: 's' },
  output: { type: 'string', short: 'o' },
  format: { type: 'string' },
  force: { type: 'boolean' },
  attempts: { type: 'string' },
  ...STYLIZE_OPTIONS,
} as const satisfies OptionSpec;

async function batchCommand(argv: readonly string[], ctx: CliContext): Promise<number> {
  const command = 'batch';
  const { values } = parseOptions(command, argv, BATCH_OPTIONS);
  const inputs = repeated(values, 'input', command).flatMap((v) => splitList(v, 'input', command));
  if (inputs.length === 0) throw new UsageError('missing --input <dir|file[,file…]>', command);
  const { url, queue, styles, controls, stylize } = parseJobOptions(values, command);
  const output = required(values, 'output', 'dir', command);
  const format = choice(values, 'format', command, ['png', 'jpg', 'jpeg', 'webp'] as const) ?? 'png';
  const quality = integer(values, 'quality', command, { min: 1, max: 100, what: 'a whole number from 1 to 100' });

  const run = await enqueueBatch({
    ...queue,
    ...stylize,
    inputs,
    style: styles,
    outputDir: output,
    format,
    controls,
    force: values['force'] === true,
    ...(quality === undefined ? {} : { quality }),
  });
  const queued = run.total - run.skipped.length;
  ctx.stderr.write(
    `adaattn batch: ${queued} image${queued === 1 ? '' : 's'} queued at ${redact(url)} with ${styles.map((s) => basename(s)).join(' and ')}` +
      `${run.skipped.length > 0 ? `, ${run.skipped.length} skipped (output exists; --force redoes them)` : ''}${describeControls(controls, styles.length)}\n`,
  );
  if (queued > 0 && (await run.workers()) === 0) ctx.stderr.write(NO_WORKER(url, queue.queueName));
  const progress = batchProgress(ctx.stderr);
  let cancelling = false; // the removed jobs end as 'cancelled', not as progress
  run.on('progress', (p) => cancelling || progress.update(p));
  const cancel = () => {
    cancelling = true;
    progress.clear();
    ctx.stderr.write('adaattn batch: cancelling the jobs no worker has started\n');
    void run.cancel();
  };
  ctx.signal.addEventListener('abort', cancel, { once: true });
  const result = await run.wait().finally(() => ctx.signal.removeEventListener('abort', cancel));
  progress.clear();
  const cancelled = result.failures.filter((f) => f.reason === 'cancelled').length;
  const failed = result.failures.length - cancelled;
  const done = `${result.written.length} written, ${result.skipped.length} skipped, ${failed} failed${cancelled > 0 ? `, ${cancelled} cancelled` : ''}, in ${formatDuration(result.seconds)}`;
  if (result.cancelled) {
    ctx.stderr.write(`adaattn batch: cancelled (${done}; the outputs written are kept)\n`);
    return EXIT_CANCELLED;
  }
  if (result.failures.length > 0) {
    for (const f of result.failures) ctx.stderr.write(`adaattn batch: failed: ${f.input}: ${f.reason}\n`);
    ctx.stderr.write(`adaattn batch: ${done}; rerun the same command to retry the failures\n`);
    return EXIT_FAILURE;
  }
  ctx.stderr.write(`adaattn batch: all ${run.total} outputs are in ${output} (${done})\n`);
  return EXIT_OK;
}

/** Like the video progress: redrawn on a terminal, a line at every tenth in a log. */
function batchProgress(stderr: TextSink): { update(p: BatchProgress): void; clear(): void } {
  let drawn = false;
  let lastStep = 0;
  const describe = (p: BatchProgress) => {
    const finished = p.done + p.failed;
    const of = p.total - p.skipped;
    const eta = p.etaSeconds === undefined ? '' : `, ETA ${formatDuration(p.etaSeconds)}`;
    return `adaattn batch: ${finished}/${of} (${Math.floor((100 * finished) / Math.max(1, of))}%)${p.failed > 0 ? `, ${p.failed} failed` : ''}, ${(finished / Math.max(p.elapsedSeconds, 1e-3)).toFixed(2)} images/s${eta}`;
  };
  return {
    update(p) {
      if (stderr.isTTY) {
        stderr.write(`\r\x1b[2K${describe(p)}`);
        drawn = true;
        return;
      }
      const of = p.total - p.skipped;
      const step = Math.floor((10 * (p.done + p.failed)) / Math.max(1, of));
      if (step > lastStep) stderr.write(`${describe(p)}\n`);
      lastStep = Math.max(lastStep, step);
    },
    clear() {
      if (drawn) stderr.write('\r\x1b[2K');
      drawn = false;
    },
  };
}

// ---------------------------------------------------------------------------------------- video --queue

const VIDEO_OPTIONS = {
  ...QUEUE_OPTIONS,
  input: { type: 'string', short: 'i' },
  style: { type: 'string', short: 's' },
  output: { type: 'string', short: 'o' },
  'image-model': { type: 'boolean' },
  fps: { type: 'string' },
  force: { type: 'boolean' },
  chunk: { type: 'string' },
  attempts: { type: 'string' },
  ...RUN_OPTIONS,
  ...CONTROL_OPTIONS,
} as const satisfies OptionSpec;

async function videoCommand(argv: readonly string[], ctx: CliContext): Promise<number> {
  const command = 'video';
  const { values } = parseOptions(command, argv, VIDEO_OPTIONS);
  const input = required(values, 'input', 'video|dir', command);
  const { url, queue, styles, controls, stylize } = parseJobOptions(values, command, ['image-model']);
  const output = required(values, 'output', 'video|dir', command);
  const fps = decimal(values, 'fps', command, { min: 0.01, max: 1000, what: 'frames per second, e.g. 25 or 29.97' });
  const chunkFrames = integer(values, 'chunk', command, { min: 1, max: 100_000, what: 'a whole number of frames per job ≥ 1' });

  const progress = frameProgress(ctx.stderr, 'adaattn: ');
  try {
    const result = await stylizeVideoOnQueue({
      ...queue,
      ...stylize,
      input,
      output,
      style: styles.length === 1 ? styles[0]! : styles,
      force: values['force'] === true,
      signal: ctx.signal,
      env: ctx.env,
      ...(fps === undefined ? {} : { fps }),
      ...(chunkFrames === undefined ? {} : { chunkFrames }),
      ...controls,
      onQueued: ({ chunks, frames, reused, workers }) => {
        ctx.stderr.write(
          `adaattn: stylizing ${basename(input)} (${frames} frames) with ${styles.map((s) => basename(s)).join(' and ')} into ${output} over the queue at ${redact(url)}: ` +
            `${chunks} chunk${chunks === 1 ? '' : 's'}${reused > 0 ? ` (${reused} done by an earlier run)` : ''}, ${stylize.attention} attention${describeControls(controls, styles.length)}\n`,
        );
        if (workers === 0 && reused < chunks) ctx.stderr.write(NO_WORKER(url, queue.queueName));
      },
      onProgress: (p) => progress.update(p),
    });
    progress.clear();
    ctx.stderr.write(
      `adaattn: wrote ${output} (${result.frames} frames, ${result.width}×${result.height}) in ${result.seconds.toFixed(1)} s, ${(result.seconds / result.frames).toFixed(2)} s a frame\n`,
    );
  } catch (err) {
    if (err instanceof QueueConnectionError) throw err;
    if (/must be a directory/.test((err as Error).message)) throw new UsageError((err as Error).message, command);
    throw err;
  } finally {
    progress.clear();
  }
  return EXIT_OK;
}

// ------------------------------------------------------------------------------------------------ help

const STYLIZE_HELP = `Stylize options (as for adaattn stylize): --size N, --attention sampled|exact, --seed N, --max-pixels N,
  --weights, --mix, --content-mask/--style-mask, --strength, --preserve-color.
The model, backend and threads are each worker's own (adaattn worker --model …).`;

const HELP: Readonly<Record<QueueCommandName, string>> = {
  worker: `Usage: adaattn worker --queue redis://host:port [options]

Takes stylize jobs (from adaattn batch and adaattn video --queue) off a Redis queue until stopped. The model
is loaded once; encoded styles are cached. Every path in a job must name the same file on this machine as
on the one that queued it (a shared volume). SIGTERM or Ctrl-C drains: running jobs finish first.

Options:
  --queue <url>         Redis, e.g. redis://10.0.0.5:6379 (required)
  --queue-name <name>   BullMQ queue name (default: adaattn)
  -m, --model <dir>     model directory (default: the image model; video jobs want models/adaattn-video)
  --backend <name>      ${BACKEND_CHOICES.join(', ')} or auto (default: auto)
  --threads <n>         CPU threads per job (default: the runtime's choice)
  --precision <p>       float32 or int8 (int8: faster convolutions on the onnx backend, not exact; default: float32)
  --concurrency <n>     jobs at once in this process (default: 1)
  --lock-ms <ms>        how long a job stays claimed without a heartbeat (default: 60000)
  --stalled-ms <ms>     how often jobs of dead workers are looked for (default: 30000)
`,
  batch: `Usage: adaattn batch --queue redis://host:port --input <dir|file[,file…]> --style <file> --output <dir> [options]

One job per image, for the workers (adaattn worker) to run. Running the same batch again adds no duplicate
and skips outputs already written. Exits 0 once every output is written, 1 with the list of failures
otherwise; Ctrl-C removes the jobs no worker has started.

Options:
  --queue <url>         Redis, e.g. redis://10.0.0.5:6379 (required)
  --queue-name <name>   BullMQ queue name (default: adaattn)
  -i, --input <path>    image file(s) or directories of images; repeatable
  -s, --style <file>    style image(s), comma-separated
  -o, --output <dir>    existing directory; photo.jpg becomes <dir>/photo.<format>
  --format <ext>        png, jpg or webp (default: png)
  --quality <1-100>     JPEG/WebP quality
  --force               stylize again where the output exists
  --attempts <n>        tries per image before it fails (default: 3; a corrupt image fails at once)
${STYLIZE_HELP}
`,
  video: `Usage: adaattn video --queue redis://host:port --input <video|dir> --style <file> --output <video|dir> [options]

The local adaattn video, with the frames split into chunks run by the queue workers and joined here with
ffmpeg. Paths must be on a volume the workers share; chunks are written beside the output.

Options: those of adaattn video (but --model/--image-model: the workers' own), and
  --queue <url>         Redis (required)
  --queue-name <name>   BullMQ queue name (default: adaattn)
  --chunk <frames>      frames per job (default: 24)
  --attempts <n>        tries per chunk (default: 3)
`,
};
