/**
 * The one error type thrown by everything under `weights/`.
 *
 * Callers (the CLI, plugins) branch on `code`, users read `message`; every message names the file it is
 * about (when one is known) and what to do, so a wrong download or a swapped file is fixed without a debugger.
 */
export type WeightsErrorCode =
  /** The bytes end before a length or offset they declare. */
  | 'truncated'
  /** The bytes are structurally wrong (bad offsets, overlapping tensors, bad JSON, impossible values). */
  | 'corrupt'
  /** Not a safetensors file (wrong header). */
  | 'not-safetensors'
  /** Not a PyTorch checkpoint (neither a zip archive nor a legacy pickle stream). */
  | 'not-pth'
  /** A format this reader deliberately does not support (unknown format version, deflate, big-endian). */
  | 'unsupported-format'
  /** A tensor storage type that cannot be widened to float32 (e.g. complex, float8). */
  | 'unsupported-dtype'
  /** The pickle asks for an opcode or a global outside the torch state_dict whitelist. */
  | 'unsafe-pickle'
  /** A float32 value does not fit float16 storage. */
  | 'float16-overflow'
  /** A component's keys or shapes differ from the official layout. */
  | 'weights-mismatch'
  /** A checkpoint of one component was given in another component's slot (or of the other model variant). */
  | 'wrong-component'
  /** model.json is malformed or inconsistent. */
  | 'invalid-model-json'
  /** A file's size or sha256 differs from model.json. */
  | 'checksum-mismatch'
  /** A file listed in model.json (or expected in an official directory) cannot be found. */
  | 'missing-file'
  /** The caller's readFile failed for another reason. */
  | 'read-failed'
  /** A weight is NaN or ±Infinity (a diverged training run, a corrupted export): the model would output garbage. */
  | 'non-finite'
  /**
   * The file asks for more than a reader's bound allows (zip entries, pickle size, stack, memo or work, tensor
   * elements): refused before the work or the allocation happens. The message names the bound.
   */
  | 'limit-exceeded';

export interface WeightsErrorOptions {
  /** The file (path as the user gave it, or its name) the error is about. */
  readonly file?: string;
  readonly cause?: unknown;
}

export class WeightsError extends Error {
  override readonly name = 'WeightsError';
  readonly code: WeightsErrorCode;
  readonly file: string | undefined;

  constructor(code: WeightsErrorCode, message: string, options: WeightsErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.file = options.file;
  }
}

/** `file: message` when a file is known, so every reader can prefix without repeating the logic. */
export function fileLabel(file: string | undefined): string {
  return file === undefined ? '' : `${file}: `;
}

/**
 * A parsed JSON value as messages show it: like JSON.stringify for scalars and flat arrays or objects, but
 * one level deep only (deeper levels print as `[…]`, `{…}`) and at most 120 characters. JSON.stringify
 * recurses, so a hostile file's deeply nested value would overflow the call stack inside an error message.
 */
export function preview(value: unknown): string {
  let s: string;
  if (Array.isArray(value)) {
    s = `[${value.slice(0, 16).map(scalarPreview).join(',')}${value.length > 16 ? ',…' : ''}]`;
  } else if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value);
    s = `{${entries
      .slice(0, 16)
      .map(([k, v]) => `${JSON.stringify(k)}:${scalarPreview(v)}`)
      .join(',')}${entries.length > 16 ? ',…' : ''}}`;
  } else {
    s = scalarPreview(value);
  }
  return s.length > 120 ? `${s.slice(0, 119)}…` : s;
}

function scalarPreview(value: unknown): string {
  if (Array.isArray(value)) return value.length === 0 ? '[]' : '[…]';
  if (typeof value === 'object' && value !== null) return Object.keys(value).length === 0 ? '{}' : '{…}';
  if (typeof value === 'string') return JSON.stringify(value.length > 120 ? value.slice(0, 120) : value);
  return String(value);
}
