/**
 * Follows a set of jobs to their end through BullMQ's QueueEvents, and re-reads their states now and then:
 * events missed (before the subscription, or trimmed from Redis's event stream) cannot leave a client waiting.
 */
import { EventEmitter } from 'node:events';
import type { Queue, QueueEvents } from 'bullmq';
import type { JobProgress, JobResult } from './jobs.js';

/** How often the states of the jobs still pending are re-read from Redis. */
const RECONCILE_MS = 3000;

export interface JobTrackerEvents {
  done: [id: string, result: JobResult | undefined];
  failed: [id: string, reason: string];
  progress: [id: string, progress: JobProgress];
}

export class JobTracker extends EventEmitter<JobTrackerEvents> {
  readonly #pending: Set<string>;
  /** Until start(), events are not acted on: start() reads every job's state, which covers them. */
  #started = false;
  #timer: NodeJS.Timeout | undefined;
  readonly #finished: Promise<void>;
  #resolve!: () => void;

  constructor(
    private readonly queue: Queue,
    events: QueueEvents,
    ids: Iterable<string>,
  ) {
    super();
    this.#pending = new Set(ids);
    this.#finished = new Promise((resolve) => (this.#resolve = resolve));
    events.on('completed', ({ jobId, returnvalue }) => this.#settle(jobId, 'done', returnvalue as unknown as JobResult));
    events.on('failed', ({ jobId, failedReason }) => void this.#checkFailed(jobId, failedReason));
    events.on('progress', ({ jobId, data }) => {
      if (this.#pending.has(jobId) && typeof data === 'object') this.emit('progress', jobId, data as unknown as JobProgress);
    });
  }

  /**
   * Call once every job is on the queue and the listeners are attached (a job can end within milliseconds of
   * being added: an event settled before then would reach no listener): settles those already ended, then
   * re-reads the rest now and then.
   */
  async start(): Promise<void> {
    this.#started = true;
    if (this.#pending.size === 0) return this.#end();
    this.#timer = setInterval(() => void this.reconcile(), RECONCILE_MS);
    this.#timer.unref();
    await this.reconcile();
  }

  get pending(): ReadonlySet<string> {
    return this.#pending;
  }

  /** Resolves when every job has completed or failed for good. */
  finished(): Promise<void> {
    return this.#finished;
  }

  /** Reads the state of each pending job and settles those that ended. */
  async reconcile(): Promise<void> {
    await Promise.all(
      [...this.#pending].map(async (id) => {
        // State first, then the job: BullMQ writes the result or the failure reason in the same step that
        // moves the job, so a job read after seeing 'completed' or 'failed' has them. Read the other way
        // round, a job that ends in between carries neither ("unknown reason").
        const state = await this.queue.getJobState(id);
        if (state !== 'completed' && state !== 'failed' && state !== 'unknown') return;
        const job = await this.queue.getJob(id);
        if (job === undefined) return this.#settle(id, 'failed', 'the job was removed from the queue');
        if (state === 'completed') this.#settle(id, 'done', job.returnvalue as JobResult);
        else if (state === 'failed') this.#settle(id, 'failed', job.failedReason);
      }),
    ).catch(() => undefined); // Redis away for a moment: the next round or an event settles them
  }

  /** Stops the periodic re-read (the QueueEvents belong to the caller). */
  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
  }

  /** A 'failed' event also comes for a try that will be retried: only a job in the failed set is done for. */
  async #checkFailed(id: string, reason: string): Promise<void> {
    if (!this.#pending.has(id)) return;
    const state = await this.queue.getJobState(id).catch(() => 'unknown');
    if (state === 'failed') this.#settle(id, 'failed', reason);
  }

  #settle(id: string, how: 'done' | 'failed', detail: JobResult | string | undefined): void {
    if (!this.#started || !this.#pending.delete(id)) return;
    if (how === 'done') this.emit('done', id, detail as JobResult | undefined);
    else this.emit('failed', id, String(detail ?? 'unknown reason'));
    if (this.#pending.size === 0) this.#end();
  }

  #end(): void {
    this.stop();
    this.#resolve();
  }
}
