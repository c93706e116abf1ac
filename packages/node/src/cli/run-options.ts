/**
 * The options every stylizing command takes (stylize, video): how big, on which backend, with which
 * attention. One table and one parser, so the two commands cannot drift apart.
 */
import { availableParallelism } from 'node:os';
import { BACKEND_CHOICES, type BackendName } from '../api/backends.js';
import {
  DEFAULT_ATTENTION,
  DEFAULT_SIZE,
  MAX_SIZE,
  PRECISIONS,
  type AttentionMode,
  type NodeStylizer,
  type Precision,
} from '../api/options.js';
import { DEFAULT_MAX_PIXELS } from '../io/image.js';
import { choice, integer, optional, pixelCount, type OptionSpec, type Parsed } from './args.js';

export const RUN_OPTIONS = {
  model: { type: 'string', short: 'm' },
  size: { type: 'string' },
  backend: { type: 'string' },
  threads: { type: 'string' },
  attention: { type: 'string' },
  seed: { type: 'string' },
  'max-pixels': { type: 'string' },
  precision: { type: 'string' },
} as const satisfies OptionSpec;

export interface RunOptions {
  readonly model: string | undefined;
  readonly size: number;
  readonly backend: BackendName | 'auto';
  readonly threads: number | undefined;
  readonly attention: AttentionMode;
  readonly seed: number | undefined;
  readonly maxPixels: number;
  readonly precision: Precision;
}

export function parseRunOptions(values: Parsed['values'], command: string): RunOptions {
  return {
    model: optional(values, 'model', command),
    size:
      integer(values, 'size', command, {
        min: 0,
        max: MAX_SIZE,
        what: `the longer side in pixels, a whole number from 0 (keep the input size) to ${MAX_SIZE}`,
      }) ?? DEFAULT_SIZE,
    backend: choice(values, 'backend', command, BACKEND_CHOICES) ?? 'auto',
    threads: integer(values, 'threads', command, { min: 1, max: 1024, what: 'a whole number of threads ≥ 1' }),
    attention: choice(values, 'attention', command, ['sampled', 'exact'] as const) ?? DEFAULT_ATTENTION,
    seed: integer(values, 'seed', command, { min: 0, max: 0xffffffff, what: 'a whole number from 0 to 4294967295' }),
    maxPixels: pixelCount(values, 'max-pixels', command) ?? DEFAULT_MAX_PIXELS,
    precision: choice(values, 'precision', command, PRECISIONS) ?? 'float32',
  };
}

/** The engine as the status line names it: the backend, and int8 when the convolutions run in it. */
export function engineText(stylizer: Pick<NodeStylizer, 'backend' | 'precision'>): string {
  return stylizer.precision === 'int8' ? `${stylizer.backend} (int8 convolutions)` : stylizer.backend;
}

/** What to tell the user when --threads asks for more than the machine has (the API caps it). */
export function threadsNote(threads: number | undefined): string | undefined {
  const cores = availableParallelism();
  if (threads === undefined || threads <= cores) return undefined;
  return `adaattn: --threads ${threads} is more than this machine's ${cores} logical cores; using ${cores}\n`;
}
