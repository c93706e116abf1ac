/**
 * `@adaattn/core/backends/onnx/web`: the ONNX backend on onnxruntime-web, for browsers, plugin iframes and
 * Electron renderers: WebGPU where the page has it, else WebAssembly (multi-threaded when the page is
 * cross-origin isolated). It runs in Node too (wasm only), which is how its tests run.
 *
 * onnxruntime-web is an optional peer dependency, loaded when the backend is created. Importing this module
 * registers 'onnx-web' with the core registry.
 */
import type * as OrtWeb from 'onnxruntime-web';
import { BackendError, reasonOf } from '../../errors.js';
import type { Backend } from '../../tensor/backend.js';
import { registerBackend } from '../../tensor/registry.js';
import { createOnnxBackendFrom, type OnnxGraphOptions } from './create.js';
import { arenaFor, sessionExtra, type OnnxRuntime, type RuntimeSession } from './runtime.js';

export interface OnnxWebOptions extends OnnxGraphOptions {
  /** 'auto' (default): WebGPU when `navigator.gpu` exists, else wasm. */
  readonly device?: 'auto' | 'webgpu' | 'wasm';
  /**
   * wasm threads (ort.env.wasm.numThreads). Default: ONNX Runtime's (all cores when cross-origin isolated,
   * else 1). Applies to the first backend made in a page: ORT starts its wasm module once.
   */
  readonly threads?: number;
  /**
   * Where onnxruntime-web's `.wasm`/`.mjs` files are (ort.env.wasm.wasmPaths), as a URL prefix ending in
   * '/' or a map of file names to URLs; needed when a bundler moves them.
   */
  readonly wasmPaths?: string | Record<string, string>;
}

const PACKAGE = 'onnxruntime-web';

function importOptional(specifier: string): Promise<unknown> {
  return import(specifier);
}

function hasWebGpu(): boolean {
  return typeof (globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu === 'object';
}

export async function createOnnxWebBackend(options: OnnxWebOptions = {}): Promise<Backend> {
  const device = options.device ?? 'auto';
  const useGpu = device === 'webgpu' || (device === 'auto' && hasWebGpu());
  const name = useGpu ? 'onnx-web-webgpu' : 'onnx-web-wasm';
  try {
    let ort: typeof OrtWeb;
    try {
      ort = (await importOptional(PACKAGE)) as typeof OrtWeb;
    } catch (error) {
      throw new Error(`${PACKAGE} could not be loaded (${reasonOf(error)}); install it with \`npm install ${PACKAGE}@1.30.0\``);
    }
    if (options.threads !== undefined) ort.env.wasm.numThreads = options.threads;
    if (options.wasmPaths !== undefined) ort.env.wasm.wasmPaths = options.wasmPaths as OrtWeb.Env.WasmPrefixOrFilePaths;
    const settings: OrtWeb.InferenceSession.SessionOptions = {
      executionProviders: useGpu ? ['webgpu', 'wasm'] : ['wasm'],
      graphOptimizationLevel: 'all',
      enableCpuMemArena: true,
      enableMemPattern: true,
      logSeverityLevel: 3,
      extra: sessionExtra(),
    };
    const runtime: OnnxRuntime = {
      name,
      createSession: async (model, hints) =>
        (await ort.InferenceSession.create(model, arenaFor(settings, hints.peakBytes))) as RuntimeSession,
      tensor: (type, data, dims) => new ort.Tensor(type, data, dims),
    };
    return createOnnxBackendFrom(runtime, options);
  } catch (error) {
    throw new BackendError('backend-unavailable', `${name}: ${reasonOf(error)}`, [{ name, reason: reasonOf(error) }], { cause: error });
  }
}

registerBackend('onnx-web', () => createOnnxWebBackend(), 35);
