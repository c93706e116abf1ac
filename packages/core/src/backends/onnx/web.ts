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
import { isSoftwareRenderer } from '../software-renderer.js';
import { PROBE_MODEL } from './onnx-model.js';
import { arenaFor, sessionExtra, type OnnxRuntime, type RuntimeSession } from './runtime.js';

export interface OnnxWebOptions extends OnnxGraphOptions {
  /** 'auto' (default): WebGPU when the page has a hardware adapter (or a software one, with allowSoftwareGpu), else wasm. */
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
  readonly wasmPaths?: string | { readonly wasm?: string; readonly mjs?: string };
  /**
   * Loads the onnxruntime-web module, for a bundle that carries it: e.g. `() => import('onnxruntime-web/wasm')`
   * (73 KB, wasm only) or `'onnxruntime-web/webgpu'` (118 KB), which a bundler can see and include. Default:
   * `import('onnxruntime-web')` when the backend is made, resolved by the host (Node, an import map).
   */
  readonly module?: () => Promise<typeof OrtWeb>;
  /**
   * Accept a software WebGPU adapter (SwiftShader, or any the browser marks as a fallback): it computes on
   * the CPU about 100× slower than wasm (tools/bench/browser.mjs). Default false: such an adapter is refused
   * with a clear reason, so a caller trying runtimes in order moves on to the next.
   */
  readonly allowSoftwareGpu?: boolean;
  /**
   * How long starting may take, in ms (default DEFAULT_START_TIMEOUT_MS, 3 min): past it, creation fails
   * with that reason instead of waiting on a download that stalled.
   */
  readonly startTimeoutMs?: number;
}

const PACKAGE = 'onnxruntime-web';
/** The onnxruntime-web version core is built and tested against (its peer dependency). */
export const ORT_WEB_VERSION = '1.30.0';

/** How long starting may take before it is given up: it may download a 27 MB binary first. */
export const DEFAULT_START_TIMEOUT_MS = 180_000;

function importOptional(specifier: string): Promise<unknown> {
  return import(specifier);
}

interface GpuAdapterInfoLike {
  readonly vendor?: string;
  readonly architecture?: string;
  readonly device?: string;
  readonly description?: string;
  readonly isFallbackAdapter?: boolean;
}
interface GpuAdapterLike {
  /** Where browsers before Chrome 136 said it; newer ones say it in `info`. */
  readonly isFallbackAdapter?: boolean;
  readonly info?: GpuAdapterInfoLike;
}
type GpuLike = { requestAdapter(options?: { powerPreference?: string }): Promise<GpuAdapterLike | null> };

function webGpu(): GpuLike | undefined {
  const gpu = (globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu;
  return typeof gpu === 'object' && gpu !== null ? (gpu as GpuLike) : undefined;
}

/** The page's WebGPU adapter, refused when there is none, or when it is a software one and those are not allowed. */
async function gpuAdapter(allowSoftware: boolean): Promise<GpuAdapterLike> {
  const adapter = await webGpu()?.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new Error('this browser offers no WebGPU adapter');
  const info = adapter.info ?? {};
  const name = [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' ');
  const fallback = adapter.isFallbackAdapter === true || info.isFallbackAdapter === true;
  if ((fallback || isSoftwareRenderer(name)) && !allowSoftware)
    throw new Error(`the WebGPU adapter is a software one (${name || 'a fallback adapter'}), far slower than WebAssembly`);
  return adapter;
}

async function probe(runtime: OnnxRuntime): Promise<void> {
  const session = await runtime.createSession(PROBE_MODEL, { peakBytes: 0 });
  try {
    const { y } = await session.run({ x: runtime.tensor('float32', Float32Array.of(1, 2), [2]) });
    const data = y?.data as Float32Array | undefined;
    if (data?.[0] !== 2 || data[1] !== 3)
      throw new Error(`a test graph computed ${data ? `[${[...data].join(', ')}]` : 'nothing'} instead of [2, 3]`);
  } finally {
    await session.release();
  }
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`it did not start within ${ms / 1000} s (a download of its wasm binary that stalled?)`)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

async function loadOrt(options: OnnxWebOptions): Promise<typeof OrtWeb> {
  try {
    return options.module ? await options.module() : ((await importOptional(PACKAGE)) as typeof OrtWeb);
  } catch (error) {
    const hint = options.module ? '' : `; install it with \`npm install ${PACKAGE}@${ORT_WEB_VERSION}\``;
    throw new Error(`${PACKAGE} could not be loaded (${reasonOf(error)})${hint}`);
  }
}

/**
 * One runtime on one execution provider, started and checked. WebGPU gets no wasm fallback inside ORT:
 * ORT would drop a provider that fails to start with only a console warning, and the backend would run on
 * wasm under WebGPU's name and piece size.
 */
async function startRuntime(ort: typeof OrtWeb, provider: 'webgpu' | 'wasm', timeoutMs: number): Promise<OnnxRuntime> {
  const settings: OrtWeb.InferenceSession.SessionOptions = {
    executionProviders: [provider],
    graphOptimizationLevel: 'all',
    enableCpuMemArena: true,
    enableMemPattern: true,
    logSeverityLevel: 3,
    extra: sessionExtra(),
  };
  const runtime: OnnxRuntime = {
    name: `onnx-web-${provider}`,
    createSession: async (model, hints) =>
      (await ort.InferenceSession.create(model, arenaFor(settings, hints.peakBytes))) as RuntimeSession,
    tensor: (type, data, dims) => new ort.Tensor(type, data, dims),
  };
  await withTimeout(probe(runtime), timeoutMs);
  return runtime;
}

export async function createOnnxWebBackend(options: OnnxWebOptions = {}): Promise<Backend> {
  const device = options.device ?? 'auto';
  const timeoutMs = options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
  // The provider being started: it names the backend, and the failure when it cannot start.
  let provider: 'webgpu' | 'wasm' = device === 'wasm' ? 'wasm' : 'webgpu';
  try {
    const ort = await loadOrt(options);
    if (options.threads !== undefined) ort.env.wasm.numThreads = options.threads;
    if (options.wasmPaths !== undefined) ort.env.wasm.wasmPaths = options.wasmPaths as OrtWeb.Env.WasmPrefixOrFilePaths;
    let runtime: OnnxRuntime | undefined;
    if (provider === 'webgpu') {
      // 'auto' uses WebGPU when the page has a (hardware) adapter that starts, else wasm.
      try {
        ort.env.webgpu.adapter = (await gpuAdapter(options.allowSoftwareGpu ?? false)) as OrtWeb.Env['webgpu']['adapter'];
        runtime = await startRuntime(ort, 'webgpu', timeoutMs);
      } catch (error) {
        if (device === 'webgpu') throw error;
        provider = 'wasm';
      }
    }
    runtime ??= await startRuntime(ort, 'wasm', timeoutMs);
    return createOnnxBackendFrom(runtime, options);
  } catch (error) {
    const name = `onnx-web-${provider}`;
    throw new BackendError('backend-unavailable', `${name}: ${reasonOf(error)}`, [{ name, reason: reasonOf(error) }], { cause: error });
  }
}

registerBackend('onnx-web', () => createOnnxWebBackend(), 35);
