/**
 * The errors @adaattn/node adds to core's (InvalidArgumentError for option values, BackendError, AbortError,
 * WeightsError for model files): a file or directory the caller named cannot be used as input, or the output
 * cannot be written where asked. Callers branch on the class or on `code`; the CLI reports both as a failed
 * job (exit 1), never as a bug.
 */
export class InputError extends Error {
  override readonly name = 'InputError';
  /** The input is missing, unreadable, of the wrong kind, or does not decode. */
  readonly code = 'bad-input';
}

export class OutputError extends Error {
  override readonly name = 'OutputError';
  /** The output path is refused (unknown format, not writable, would overwrite an input or a non-empty directory). */
  readonly code = 'bad-output';
}
