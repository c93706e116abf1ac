/** What can go wrong on the queue side, as types a caller can branch on; messages say what to do. */

/** Redis could not be reached, or the URL is not a Redis URL. */
export class QueueConnectionError extends Error {
  override readonly name = 'QueueConnectionError';
}

/** One input that did not become an output, and why (the worker's reason, or 'cancelled'). */
export interface JobFailure {
  readonly input: string;
  readonly output: string;
  readonly reason: string;
}

/** Some jobs of a batch or video failed for good (after their retries); `failures` lists each. */
export class QueueJobsFailedError extends Error {
  override readonly name = 'QueueJobsFailedError';
  constructor(
    message: string,
    readonly failures: readonly JobFailure[],
  ) {
    super(message);
  }
}
