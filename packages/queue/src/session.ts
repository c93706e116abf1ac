/** A client's link to the queue: one Queue to add and cancel jobs, one QueueEvents to follow them. */
import { Queue, QueueEvents } from 'bullmq';
import { checkRedis, DEFAULT_QUEUE_NAME, redisOptions } from './connection.js';
import { jobOptions, type RetryOptions } from './jobs.js';
import { JobTracker } from './tracker.js';

export interface PlannedJob {
  readonly id: string;
  readonly name: string;
  readonly data: object;
  /** For a job that completed before: whether its output is still there (then it is not run again). */
  readonly outputExists?: () => Promise<boolean>;
}

/** States in which a job has not started, so cancelling removes it. */
const NOT_STARTED = new Set(['waiting', 'delayed', 'prioritized', 'waiting-children', 'paused']);

export class QueueSession {
  private constructor(
    readonly queue: Queue,
    readonly events: QueueEvents,
  ) {}

  static async open(connection: string, queueName = DEFAULT_QUEUE_NAME): Promise<QueueSession> {
    await checkRedis(connection);
    const options = { connection: redisOptions(connection) };
    const queue = new Queue(queueName, options);
    const events = new QueueEvents(queueName, options);
    queue.on('error', () => undefined); // ioredis reconnects; the tracker's re-reads catch up
    events.on('error', () => undefined);
    try {
      await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
    } catch (err) {
      await Promise.allSettled([queue.close(), events.close()]);
      throw err;
    }
    return new QueueSession(queue, events);
  }

  /**
   * Puts the jobs on the queue and follows them. A job whose id is already there is not added twice: one
   * waiting or running is followed as it is, one that failed is retried, one that completed counts as done
   * while its output exists and is run again otherwise. The tracker comes back unstarted: attach its
   * listeners, then call its start().
   */
  async submit(jobs: readonly PlannedJob[], retry: RetryOptions = {}): Promise<JobTracker> {
    const tracker = new JobTracker(
      this.queue,
      this.events,
      jobs.map((j) => j.id),
    );
    const fresh: PlannedJob[] = [];
    for (const job of jobs) {
      const existing = await this.queue.getJob(job.id);
      const state = existing === undefined ? 'unknown' : await existing.getState();
      if (state === 'failed') await existing!.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
      else if (state === 'completed') {
        if (job.outputExists !== undefined && (await job.outputExists())) continue;
        await existing!.remove();
        fresh.push(job);
      } else if (state === 'unknown') fresh.push(job);
    }
    await this.queue.addBulk(fresh.map((j) => ({ name: j.name, data: j.data, opts: jobOptions(j.id, retry) })));
    return tracker; // the caller attaches its listeners, then calls start()
  }

  /** Removes the jobs that have not started; running ones finish. Returns how many were removed. */
  async cancel(ids: Iterable<string>): Promise<number> {
    let removed = 0;
    for (const id of ids) {
      const job = await this.queue.getJob(id);
      if (job === undefined || !NOT_STARTED.has(await job.getState())) continue;
      // A worker may take it between the two calls; then remove() refuses (the job is locked) and it runs.
      if (
        await job.remove().then(
          () => true,
          () => false,
        )
      )
        removed++;
    }
    return removed;
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.events.close(), this.queue.close()]);
  }
}
