/**
 * Errors thrown by the model and tensor code of `@adaattn/core` (weight-file errors are `WeightsError`,
 * in `weights/errors.ts`).
 *
 * Callers branch on `code`; people read `message`, which says what was expected, what was found and what
 * to do about it. Messages on hot paths are built only when the check fails.
 */
export type AdaAttnErrorCode =
  /** An argument has the wrong type, range or shape (an op's operand, an option, an image). */
  | 'invalid-argument'
  /** A tensor or object was used after `dispose()`. */
  | 'disposed'
  /** The caller's AbortSignal fired; everything the call allocated has been freed. */
  | 'aborted'
  /** A backend name that nothing registered. */
  | 'unknown-backend'
  /** Every requested backend failed to start (each reason is listed). */
  | 'backend-unavailable'
  /** Precomputed style features were encoded with other options than the call asks for. */
  | 'style-options-mismatch';

export class AdaAttnError extends Error {
  override name = 'AdaAttnError';
  readonly code: AdaAttnErrorCode;

  constructor(code: AdaAttnErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
  }
}

export class InvalidArgumentError extends AdaAttnError {
  override name = 'InvalidArgumentError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('invalid-argument', message, options);
  }
}

export class DisposedError extends AdaAttnError {
  override name = 'DisposedError';
  constructor(message: string) {
    super('disposed', message);
  }
}

/**
 * `name` is 'AbortError' like the DOM's, so `err.name === 'AbortError'` checks written for fetch() work here.
 */
export class AbortError extends AdaAttnError {
  override name = 'AbortError';
  constructor(
    message = 'the operation was aborted (its AbortSignal fired); all tensors it allocated were freed',
    options?: { cause?: unknown },
  ) {
    super('aborted', message, options);
  }
}

export interface BackendFailure {
  readonly name: string;
  readonly reason: string;
}

export class BackendError extends AdaAttnError {
  override name = 'BackendError';
  /** One entry per backend that was tried and failed, in the order tried. */
  readonly failures: readonly BackendFailure[];

  constructor(
    code: 'unknown-backend' | 'backend-unavailable',
    message: string,
    failures: readonly BackendFailure[] = [],
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
    this.failures = failures;
  }
}

export class StyleOptionsMismatchError extends AdaAttnError {
  override name = 'StyleOptionsMismatchError';
  constructor(message: string) {
    super('style-options-mismatch', message);
  }
}

/** The reason of an unknown thrown value, as one line. */
export function reasonOf(error: unknown): string {
  if (error instanceof Error) return error.message.split('\n')[0] ?? error.name;
  return String(error);
}
