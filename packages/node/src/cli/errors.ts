/**
 * CLI failure kinds and their exit codes.
 *
 * Scripts branch on the code: 2 means "the command line is wrong, fix the call" (nothing was read or
 * written), 1 means "the call was fine but the job failed" (bad input file, model problem, IO error),
 * 130 is the shell convention for an interrupt (128 + SIGINT).
 */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
export const EXIT_CANCELLED = 130;

/** A mistake in the command line itself; `command` picks the help page the message points to. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  constructor(
    message: string,
    readonly command?: string,
  ) {
    super(message);
  }
}

export function isAbortError(err: unknown): boolean {
  return (
    typeof err === 'object' &&
    err !== null &&
    ((err as { name?: unknown }).name === 'AbortError' || (err as { code?: unknown }).code === 'ABORT_ERR')
  );
}

/** One line, whatever the error: newlines from native libraries would break `2>` logs into fragments. */
export function oneLine(message: string): string {
  return message.replace(/\s*\n\s*/g, '; ').trim();
}
