/**
 * Starting a tfjs backend by name. Platform detection for tfjs lives in this file only.
 */
import * as tf from '@tensorflow/tfjs-core';
import { BackendError, reasonOf } from '../../errors.js';
import { createBackend, type Backend } from '../../tensor/backend.js';
import { TfjsKernels } from './kernels.js';

export interface TfjsBackendOptions {
  /**
   * The tfjs backend: 'wasm' (default; portable, single-threaded in Node), 'cpu' (plain JS, very slow),
   * 'tensorflow' (libtensorflow; needs the optional peer @tensorflow/tfjs-node or @tensorflow/tfjs-node-gpu
   * installed at the same version as @tensorflow/tfjs-core), or any backend already registered with tfjs
   * (e.g. 'webgl' or 'webgpu' after importing its package).
   */
  readonly name?: string;
  /**
   * wasm only: where the `.wasm` binaries are, as a directory prefix ending in '/' or a map from file name
   * to URL (tfjs `setWasmPaths`). Needed when a bundler moves them; by default they are found next to
   * the installed @tensorflow/tfjs-backend-wasm package.
   */
  readonly wasmPaths?: string | Record<string, string>;
}

const NODE_BINDINGS = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;

function isNode(): boolean {
  const proc = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof proc?.versions?.node === 'string';
}

/** A specifier in a variable, so TypeScript and bundlers leave optional packages alone. */
function importOptional(specifier: string): Promise<unknown> {
  return import(specifier);
}

async function loadWasm(wasmPaths: TfjsBackendOptions['wasmPaths']): Promise<void> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  // Once started, its paths can no longer change (and tf.findBackend would start it: look, don't touch).
  if (tf.engine().registry['wasm'] !== undefined) return;
  let paths = wasmPaths;
  if (paths === undefined && isNode() && typeof import.meta.resolve === 'function') {
    // The package's own entry point sits next to its .wasm files in dist/.
    const entry = new URL(import.meta.resolve('@tensorflow/tfjs-backend-wasm'));
    if (entry.protocol === 'file:') paths = decodeURIComponent(new URL('.', entry).pathname).replace(/^\/([A-Za-z]:)/, '$1');
  }
  if (paths !== undefined) wasm.setWasmPaths(paths);
}

async function loadTensorflow(): Promise<void> {
  const reasons: string[] = [];
  for (const specifier of NODE_BINDINGS) {
    try {
      await importOptional(specifier);
      break;
    } catch (error) {
      reasons.push(`${specifier}: ${reasonOf(error)}`);
    }
  }
  if (tf.engine().registryFactory['tensorflow'] === undefined) {
    const why =
      reasons.length === NODE_BINDINGS.length
        ? `neither ${NODE_BINDINGS.join(' nor ')} could be imported (${reasons.join('; ')}); install one with ` +
          `\`npm install @tensorflow/tfjs-node@${tf.version_core}\`, or use 'wasm'`
        : `the tfjs-node package loaded but registered no 'tensorflow' backend with this copy of @tensorflow/tfjs-core; ` +
          `install it at the same version (${tf.version_core}) so npm shares one tfjs-core`;
    throw new Error(why);
  }
}

/** Starts (once per process) and selects the tfjs backend `name`, then wraps it in the core interface. */
export async function createTfjsBackend(options: TfjsBackendOptions = {}): Promise<Backend> {
  const name = options.name ?? 'wasm';
  try {
    if (name === 'wasm') await loadWasm(options.wasmPaths);
    else if (name === 'cpu') await import('@tensorflow/tfjs-backend-cpu');
    else if (name === 'tensorflow') await loadTensorflow();
    if (tf.engine().registryFactory[name] === undefined) {
      const known = ['wasm', 'cpu', 'tensorflow', ...Object.keys(tf.engine().registryFactory)];
      throw new Error(
        `tfjs has no backend '${name}'; use one of ${[...new Set(known)].join(', ')} (import the package of any other first)`,
      );
    }
    if (!(await tf.setBackend(name))) throw new Error(`tfjs could not initialise its '${name}' backend (see the tfjs warning above)`);
  } catch (error) {
    throw new BackendError('backend-unavailable', `tfjs-${name}: ${reasonOf(error)}`, [{ name: `tfjs-${name}`, reason: reasonOf(error) }], {
      cause: error,
    });
  }
  return createBackend(new TfjsKernels(name));
}
