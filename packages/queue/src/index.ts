/**
 * @adaattn/queue — AdaAttN style transfer over many machines, through BullMQ on Redis.
 *
 * Workers (`startWorker`, or `adaattn worker`) take jobs; clients queue a batch of images (`enqueueBatch`)
 * or a video in chunks (`stylizeVideoOnQueue`) and follow them. Inputs and outputs are paths on a volume
 * every machine sees: jobs carry paths, not pixels.
 */
export { enqueueBatch, listInputs, BatchRun, type BatchOptions, type BatchProgress, type BatchResult } from './batch.js';
export { checkRedis, DEFAULT_QUEUE_NAME, redisOptions } from './connection.js';
export { QueueConnectionError, QueueJobsFailedError, type JobFailure } from './errors.js';
export type { JobProgress, JobResult, RetryOptions } from './jobs.js';
export { startWorker, type QueueWorker, type StartWorkerOptions, type WorkerEvent } from './worker.js';
export { DEFAULT_CHUNK_FRAMES, stylizeVideoOnQueue, type QueueVideoOptions } from './video.js';
export { runQueueCommand, type QueueCommandName } from './cli.js';
