/**
 * The one table that maps the user's backend word to a runtime.
 *
 * Fallback is data, not if-chains: `'auto'` walks AUTO_ORDER, skips a backend that fails to start (e.g.
 * @tensorflow/tfjs-node is not installed) and, if none starts, reports every failure in one error.
 * An ONNX Runtime entry will be added here and put first in AUTO_ORDER (DESIGN.md §4: ~400 GFLOP/s vs
 * ~30 for tfjs-wasm on this machine kind).
 */
export interface BackendEntry {
  /** Which runtime family implements it. */
  readonly runtime: 'tfjs';
  /** The runtime's own name for it (tfjs backend name). */
  readonly runtimeName: string;
  /** One line for `--help`. */
  readonly description: string;
}

export const BACKENDS = Object.freeze({
  tensorflow: {
    runtime: 'tfjs',
    runtimeName: 'tensorflow',
    description: 'TensorFlow.js native (libtensorflow); needs @tensorflow/tfjs-node',
  },
  wasm: { runtime: 'tfjs', runtimeName: 'wasm', description: 'TensorFlow.js WebAssembly (portable, 1 thread in Node)' },
  cpu: { runtime: 'tfjs', runtimeName: 'cpu', description: 'TensorFlow.js plain JavaScript (very slow; for checks)' },
} as const satisfies Record<string, BackendEntry>);

export type BackendName = keyof typeof BACKENDS;

/** Order tried by `'auto'`: fastest first. */
export const AUTO_ORDER: readonly BackendName[] = Object.freeze(['tensorflow', 'wasm'] as const);

/** Every word the `backend` option accepts. */
export const BACKEND_CHOICES: readonly (BackendName | 'auto')[] = Object.freeze(['auto', ...(Object.keys(BACKENDS) as BackendName[])]);

export function isBackendChoice(value: string): value is BackendName | 'auto' {
  return (BACKEND_CHOICES as readonly string[]).includes(value);
}

/** Throws with the valid words when `value` is not one. */
export function checkBackendChoice(value: string): BackendName | 'auto' {
  if (!isBackendChoice(value)) {
    throw new Error(`unknown backend '${value}'; choose one of ${BACKEND_CHOICES.join(', ')}`);
  }
  return value;
}

/** The backends to try, in order, for a user's choice. */
export function candidates(choice: BackendName | 'auto'): readonly BackendName[] {
  return choice === 'auto' ? AUTO_ORDER : [choice];
}
