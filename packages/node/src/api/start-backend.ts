/**
 * Starts the backend the user asked for, walking the table in backends.ts. Runtime packages are imported
 * here, lazily, so that importing @adaattn/node costs nothing until a stylizer is created.
 */
import type { Backend } from '@adaattn/core';
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
    return entry.runtimeName === 'cuda' ? `not installed (run \`${install}\` on Linux x64 with CUDA 12)` : `not installed (run \`ONNXRUNTIME_NODE_INSTALL=skip ${install}\`)`;
  }
  return `not installed (run \`${install}\`)`;
}

export function checkThreads(threads: number | undefined): void {
  if (threads !== undefined && (!Number.isInteger(threads) || threads < 1)) {
    throw new Error(`threads must be a whole number ≥ 1, got ${threads}`);
  }
}

/**
 * Starts the first backend of `choice` that works. With 'auto' a failure moves on to the next; if all
 * fail, one error lists each backend's reason.
 */
export async function startBackend(choice: BackendName | 'auto', options: StartBackendOptions = {}): Promise<StartedBackend> {
  checkBackendChoice(choice);
  checkThreads(options.threads);
  const failures: string[] = [];
  for (const name of candidates(choice)) {
    const entry: BackendEntry = BACKENDS[name];
    try {
      return { name, backend: await STARTERS[entry.runtime](entry, options) };
    } catch (err) {
      const message = err instanceof Error ? err.message.split('\n')[0]! : String(err);
      failures.push(`${name}: ${NOT_INSTALLED.test(message) ? notInstalled(entry) : message}`);
    }
  }
  if (choice !== 'auto') throw new Error(`backend '${choice}' could not start (${failures.join('; ')})`);
  throw new Error(`no backend could start: ${failures.join('; ')}`);
}
