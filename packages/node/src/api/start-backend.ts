/**
 * Starts the backend the user asked for: every row of the table in backends.ts is registered in core's
 * BackendRegistry (a fresh backend per stylizer, since each has its own thread count and memory budget).
 * Runtime packages are imported here, lazily, so that importing @adaattn/node costs nothing until a
 * stylizer is created.
 */
import { availableParallelism } from 'node:os';
import { BackendError, BackendRegistry, InvalidArgumentError, type Backend } from '@adaattn/core';
import { BACKENDS, candidates, checkBackendChoice, type BackendEntry, type BackendName } from './backends.js';

export interface StartedBackend {
  readonly name: BackendName;
  readonly backend: Backend;
}

export interface StartBackendOptions {
  /** See CreateStylizerOptions.threads. */
  threads?: number;
  /** See CreateStylizerOptions.memoryBudgetBytes. */
  memoryBudgetBytes?: number | undefined;
}

type Starter = (entry: BackendEntry, options: StartBackendOptions) => Promise<Backend>;

/** One starter per runtime family. */
const STARTERS: Readonly<Record<BackendEntry['runtime'], Starter>> = Object.freeze({
  onnx: async (entry, { threads, memoryBudgetBytes }) => {
    const { createOnnxNodeBackend } = await import('@adaattn/core/backends/onnx/node');
    return createOnnxNodeBackend({
      device: entry.runtimeName as 'cpu' | 'cuda',
      ...(threads === undefined ? {} : { threads }),
      ...(memoryBudgetBytes === undefined ? {} : { memoryBudgetBytes }),
    });
  },
  tfjs: async (entry, { threads }) => {
    if (threads !== undefined && entry.runtimeName === 'tensorflow') {
      // libtensorflow sizes its thread pools from these when it starts; an explicit user setting wins.
      process.env['TF_NUM_INTRAOP_THREADS'] ??= String(threads);
      process.env['TF_NUM_INTEROP_THREADS'] ??= '1';
    }
    const { createTfjsBackend } = await import('@adaattn/core/backends/tfjs');
    return createTfjsBackend({ name: entry.runtimeName });
  },
});

/** Node's words for an import of a package that is not installed. */
const NOT_INSTALLED = /Cannot find (package|module)|ERR_MODULE_NOT_FOUND/;

/** What to install: the runtimes are optional, so @adaattn/node installs only ONNX Runtime by default. */
function notInstalled(entry: BackendEntry): string {
  const install = `npm install ${entry.packages.join(' ')}`;
  if (entry.runtime === 'onnx') {
    // Without the variable, onnxruntime-node's postinstall fetches its CUDA libraries from NuGet on Linux x64.
    return entry.runtimeName === 'cuda'
      ? `not installed (run \`${install}\` on Linux x64 with CUDA 12)`
      : `not installed (run \`ONNXRUNTIME_NODE_INSTALL=skip ${install}\`)`;
  }
  return `not installed (run \`${install}\`)`;
}

export function checkThreads(threads: number | undefined): void {
  if (threads !== undefined && (!Number.isInteger(threads) || threads < 1)) {
    throw new InvalidArgumentError(`threads must be a whole number ≥ 1, got ${threads}`);
  }
}

/**
 * `threads`, at most the machine's logical cores: more threads than cores only make the runtime's threads
 * wait for each other (256 threads on 2 cores took 63 s against 1.6 s).
 */
export function capThreads(threads: number | undefined): number | undefined {
  return threads === undefined ? undefined : Math.min(threads, availableParallelism());
}

/** Each row once, starting through its runtime family's starter; a failure says what to install when that is the cause. */
const registry = new BackendRegistry<StartBackendOptions>('never');
for (const [name, entry] of Object.entries(BACKENDS) as [BackendName, BackendEntry][]) {
  registry.register(name, async (options) => {
    try {
      return await STARTERS[entry.runtime](entry, options);
    } catch (err) {
      const message = err instanceof Error ? err.message.split('\n')[0]! : String(err);
      throw new Error(NOT_INSTALLED.test(message) ? notInstalled(entry) : message);
    }
  });
}

/**
 * Starts the first backend of `choice` that works. With 'auto' a failure moves on to the next; if all
 * fail, one error lists each backend's reason.
 */
export async function startBackend(choice: BackendName | 'auto', options: StartBackendOptions = {}): Promise<StartedBackend> {
  checkBackendChoice(choice);
  checkThreads(options.threads);
  const threads = capThreads(options.threads);
  try {
    const { name, backend } = await registry.resolveNamed(candidates(choice), {
      ...options,
      ...(threads === undefined ? {} : { threads }),
    });
    return { name: name as BackendName, backend };
  } catch (err) {
    if (!(err instanceof BackendError) || err.code !== 'backend-unavailable') throw err;
    const failures = err.failures.map((f) => `${f.name}: ${f.reason}`).join('; ');
    throw new BackendError(
      'backend-unavailable',
      choice !== 'auto' ? `backend '${choice}' could not start (${failures})` : `no backend could start: ${failures}`,
      err.failures,
    );
  }
}
