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
import { encodeModel } from './onnx-model.js';
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
}

const PACKAGE = 'onnxruntime-web';
/** The onnxruntime-web version core is built and tested against (its peer dependency). */
export const ORT_WEB_VERSION = '1.30.0';
/**
 * onnxruntime-web's files on jsDelivr, for `wasmPaths` where a bundle carries the module but not its wasm
 * binaries (14 MB for wasm, 27 MB for WebGPU): fetched on first use, then kept by the browser's HTTP cache.
 */
export const ORT_WEB_CDN_URL = `https://cdn.jsdelivr.net/npm/${PACKAGE}@${ORT_WEB_VERSION}/dist/`;

/** The wasm binary that each of onnxruntime-web's bundles (`onnxruntime-web/wasm`, `/webgpu`) loads. */
const WASM_FILE = { wasm: 'ort-wasm-simd-threaded.wasm', webgpu: 'ort-wasm-simd-threaded.asyncify.wasm' } as const;

/**
 * `wasmPaths` for a bundle that carries `onnxruntime-web/<bundle>`: its wasm binary from ORT_WEB_CDN_URL,
 * and nothing else. Naming only the binary keeps ORT on the JavaScript glue inside the bundle (a prefix
 * would make it import that glue from the CDN as a module, which a plugin's CSP may refuse); the price is
 * one thread, which is all a page without cross-origin isolation gets anyway.
 */
export function ortWebCdnPaths(bundle: keyof typeof WASM_FILE): { readonly wasm: string } {
  return { wasm: `${ORT_WEB_CDN_URL}${WASM_FILE[bundle]}` };
}

function importOptional(specifier: string): Promise<unknown> {
  return import(specifier);
}

interface GpuAdapterLike {
  readonly isFallbackAdapter?: boolean;
  readonly info?: { readonly vendor?: string; readonly architecture?: string; readonly description?: string };
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
  const software = adapter.isFallbackAdapter === true || /swiftshader/i.test(`${info.vendor} ${info.architecture} ${info.description}`);
  if (software && !allowSoftware)
    throw new Error(`the WebGPU adapter is a software one (${info.architecture || 'a fallback adapter'}), far slower than WebAssembly`);
  return adapter;
}

/** y = x + 1 on two numbers: makes ONNX Runtime fetch and start its wasm (and WebGPU device) now, so that a runtime that cannot start fails here and not at the first image. */
const PROBE_MODEL = encodeModel({
  name: 'probe',
  nodes: [{ opType: 'Add', inputs: ['x', 'one'], outputs: ['y'] }],
  inputs: [{ name: 'x', dataType: 'float32', dims: [2] }],
  outputs: [{ name: 'y', dataType: 'float32', dims: [2] }],
  initializers: [{ name: 'one', dataType: 'float32', dims: [1], data: new Float32Array([1]) }],
});

async function probe(runtime: OnnxRuntime): Promise<void> {
  const session = await runtime.createSession(PROBE_MODEL, { peakBytes: 0 });
  try {
    const { y } = await session.run({ x: runtime.tensor('float32', new Float32Array([1, 2]), [2]) });
    const data = y?.data as Float32Array | undefined;
    if (data?.[0] !== 2 || data[1] !== 3)
      throw new Error(`a test graph computed ${data ? `[${[...data].join(', ')}]` : 'nothing'} instead of [2, 3]`);
  } finally {
    await session.release();
  }
}

export async function createOnnxWebBackend(options: OnnxWebOptions = {}): Promise<Backend> {
  const device = options.device ?? 'auto';
  let name = device === 'wasm' ? 'onnx-web-wasm' : 'onnx-web-webgpu';
  try {
    // 'auto' uses WebGPU when the page has a (hardware) adapter, else wasm.
    let adapter: GpuAdapterLike | undefined;
    if (device !== 'wasm') {
      try {
        adapter = await gpuAdapter(options.allowSoftwareGpu ?? false);
      } catch (error) {
        if (device === 'webgpu') throw error;
        name = 'onnx-web-wasm';
      }
    }
    const useGpu = adapter !== undefined;
    let ort: typeof OrtWeb;
    try {
      ort = options.module ? await options.module() : ((await importOptional(PACKAGE)) as typeof OrtWeb);
    } catch (error) {
      const hint = options.module ? '' : `; install it with \`npm install ${PACKAGE}@${ORT_WEB_VERSION}\``;
      throw new Error(`${PACKAGE} could not be loaded (${reasonOf(error)})${hint}`);
    }
    if (options.threads !== undefined) ort.env.wasm.numThreads = options.threads;
    if (options.wasmPaths !== undefined) ort.env.wasm.wasmPaths = options.wasmPaths as OrtWeb.Env.WasmPrefixOrFilePaths;
    if (adapter) ort.env.webgpu.adapter = adapter as OrtWeb.Env['webgpu']['adapter'];
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
    await probe(runtime);
    return createOnnxBackendFrom(runtime, options);
  } catch (error) {
    throw new BackendError('backend-unavailable', `${name}: ${reasonOf(error)}`, [{ name, reason: reasonOf(error) }], { cause: error });
  }
}

registerBackend('onnx-web', () => createOnnxWebBackend(), 35);
