/**
 * The one table that maps the user's backend word to a runtime.
 *
 * Fallback is data, not if-chains: `'auto'` walks AUTO_ORDER, skips a backend that fails to start (e.g.
 * @tensorflow/tfjs-node is not installed) and, if none starts, reports every failure in one error.
 * ONNX Runtime comes first: it is several times faster than tfjs-wasm on the CPU (docs/BENCHMARKS.md has
 * the measured numbers). CUDA is never tried by 'auto':
 * it needs libraries onnxruntime-node does not ship by default, and asking for it is explicit.
 */
import { BackendError } from '@adaattn/core';

export interface BackendEntry {
  /** Which runtime family implements it. */
  readonly runtime: 'tfjs' | 'onnx';
  /** The runtime's own name for it (tfjs backend name; ONNX Runtime device). */
  readonly runtimeName: string;
  /** One line for `--help`. */
  readonly description: string;
  /** npm packages (`name@version`) it loads beyond @adaattn/node's own dependencies, for the "not installed" message. */
  readonly packages: readonly string[];
}

const ORT = ['onnxruntime-node@1.30.0'] as const;
const TFJS = '@tensorflow/tfjs-core@4.22.0';

export const BACKENDS = Object.freeze({
  onnx: { runtime: 'onnx', runtimeName: 'cpu', description: 'ONNX Runtime native on the CPU (fastest without a GPU)', packages: ORT },
  cuda: {
    runtime: 'onnx',
    runtimeName: 'cuda',
    description: 'ONNX Runtime on an NVIDIA GPU (CUDA 12, cuDNN 9, ORT CUDA libs)',
    packages: ORT,
  },
  tensorflow: {
    runtime: 'tfjs',
    runtimeName: 'tensorflow',
    description: 'TensorFlow.js native (libtensorflow); needs @tensorflow/tfjs-node',
    packages: [TFJS, '@tensorflow/tfjs-node@4.22.0'],
  },
  wasm: {
    runtime: 'tfjs',
    runtimeName: 'wasm',
    description: 'TensorFlow.js WebAssembly (portable, 1 thread in Node)',
    packages: [TFJS, '@tensorflow/tfjs-backend-wasm@4.22.0'],
  },
  cpu: {
    runtime: 'tfjs',
    runtimeName: 'cpu',
    description: 'TensorFlow.js plain JavaScript (very slow; for checks)',
    packages: [TFJS, '@tensorflow/tfjs-backend-cpu@4.22.0'],
  },
} as const satisfies Record<string, BackendEntry>);

export type BackendName = keyof typeof BACKENDS;

/** Order tried by `'auto'`: fastest first. */
export const AUTO_ORDER: readonly BackendName[] = Object.freeze(['onnx', 'tensorflow', 'wasm'] as const);

/** Every word the `backend` option accepts. */
export const BACKEND_CHOICES: readonly (BackendName | 'auto')[] = Object.freeze(['auto', ...(Object.keys(BACKENDS) as BackendName[])]);

export function isBackendChoice(value: string): value is BackendName | 'auto' {
  return (BACKEND_CHOICES as readonly string[]).includes(value);
}

/** Throws with the valid words when `value` is not one. */
export function checkBackendChoice(value: string): BackendName | 'auto' {
  if (!isBackendChoice(value)) {
    throw new BackendError('unknown-backend', `unknown backend '${value}'; choose one of ${BACKEND_CHOICES.join(', ')}`);
  }
  return value;
}

/** The backends to try, in order, for a user's choice. */
export function candidates(choice: BackendName | 'auto'): readonly BackendName[] {
  return choice === 'auto' ? AUTO_ORDER : [choice];
}
