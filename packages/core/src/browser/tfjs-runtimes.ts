/**
 * Starting TensorFlow.js's WebGL and WebAssembly backends inside a page, an iframe or an Electron renderer,
 * with the checks both plugins need: whether WebGL is drawn by a GPU or a software rasterizer, whether the
 * GPU renders float32, and wasm binaries that the bundle carries inline instead of fetching from a URL.
 *
 * The caller imports `@tensorflow/tfjs-backend-webgl` (core does not depend on it) and hands over the
 * binaries its bundler inlined; the checks and the wiring live here, once.
 */
import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { isSoftwareRenderer } from '../backends/software-renderer.js';
import { createTfjsBackend } from '../backends/tfjs/create.js';
import type { Backend } from '../tensor/backend.js';

export { isSoftwareRenderer };

// core compiles without the DOM library: the few members used here, structurally.
interface WebglContextLike {
  getExtension(name: 'WEBGL_debug_renderer_info'): { readonly UNMASKED_RENDERER_WEBGL: number } | null;
  getExtension(name: 'WEBGL_lose_context'): { loseContext(): void } | null;
  getParameter(parameter: number): unknown;
}
export interface DocumentLike {
  createElement(tagName: 'canvas'): { getContext(kind: 'webgl2' | 'webgl'): unknown };
}

export interface WebglProbe {
  /** Whether a WebGL context could be made at all. */
  readonly available: boolean;
  /** The renderer's name, when the browser tells it. */
  readonly renderer?: string;
}

/** Makes (and frees) a throwaway WebGL context to learn whether there is one and what renders it. */
export function probeWebgl(doc: DocumentLike | undefined = (globalThis as { document?: DocumentLike }).document): WebglProbe {
  const canvas = doc?.createElement('canvas');
  const gl = (canvas?.getContext('webgl2') ?? canvas?.getContext('webgl')) as WebglContextLike | null | undefined;
  if (gl == null) return { available: false };
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  const name = info === null ? undefined : (gl.getParameter(info.UNMASKED_RENDERER_WEBGL) as unknown);
  gl.getExtension('WEBGL_lose_context')?.loseContext(); // free the probe's context now, not at GC
  return typeof name === 'string' ? { available: true, renderer: name } : { available: true };
}

export interface WebglStartOptions {
  /**
   * Start even when a software rasterizer draws WebGL (default false). Software WebGL compiles a shader per
   * op and shape and runs far slower than wasm (~30 s against ~0.5 s for a 64 px frame in headless
   * Chromium's SwiftShader), so automatic choices refuse it; a user who picked WebGL by name gets it.
   */
  readonly allowSoftware?: boolean;
  /** Appended to the software-renderer refusal, e.g. how to choose WebGL anyway. */
  readonly softwareHint?: string;
  /** The document to probe (tests pass a fake). */
  readonly document?: DocumentLike;
}

/** tfjs's 'webgl' backend, refused when there is no context, when it is drawn in software (unless allowed) or renders only half floats. */
export async function startWebglBackend(options: WebglStartOptions = {}): Promise<Backend> {
  const probe = probeWebgl(options.document);
  // No context now means none for tfjs either (a busy GPU process can refuse one): do not gamble on it.
  if (!probe.available) throw new Error('no WebGL context could be created');
  if (options.allowSoftware !== true && isSoftwareRenderer(probe.renderer)) {
    throw new Error(`WebGL runs in software here (${probe.renderer}); WebAssembly is faster${options.softwareHint ?? ''}`);
  }
  const backend = await createTfjsBackend({ name: 'webgl' });
  // GPUs that can only render to half floats overflow on VGG features (max 65504): better wasm than noise.
  if (!tf.env().getBool('WEBGL_RENDER_FLOAT32_CAPABLE')) {
    throw new Error('this GPU renders only 16-bit floats, too narrow for the model');
  }
  return backend;
}

/** tfjs-backend-wasm's binaries as the bundle inlined them (esbuild's binary loader). */
export interface InlineWasmBinaries {
  /** tfjs-backend-wasm-simd.wasm. */
  readonly simd: Uint8Array;
  /** tfjs-backend-wasm.wasm, for engines without wasm SIMD; without it such engines are refused. */
  readonly plain?: Uint8Array;
}

/**
 * How tfjs gets the inlined bytes. 'platform-fetch' (default) answers tfjs's own fetch from memory, so no
 * request leaves the page and a CSP cannot block it (Figma's iframe). 'blob-url' hands tfjs object URLs
 * instead, as the Obsidian plugin has always shipped it.
 */
export type InlineWasmDelivery = 'platform-fetch' | 'blob-url';

const INLINE_PREFIX = 'inline-wasm:';
let installed: { binaries: InlineWasmBinaries; paths?: Record<string, string> } | undefined;

/**
 * Points tfjs at inlined binaries once per page. The threaded build is never used: it needs a worker script
 * and cross-origin isolation that plugin hosts lack.
 */
function useInlineWasm(
  binaries: InlineWasmBinaries,
  delivery: InlineWasmDelivery,
): { binaries: InlineWasmBinaries; paths?: Record<string, string> } {
  if (installed !== undefined) return installed;
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  const files: Readonly<Record<string, Uint8Array>> = {
    'tfjs-backend-wasm.wasm': binaries.plain ?? binaries.simd,
    'tfjs-backend-wasm-simd.wasm': binaries.simd,
  };
  // tfjs wants an entry for all three names even when it will never pick the threaded one.
  const names = (url: (file: string) => string): Record<string, string> => ({
    'tfjs-backend-wasm.wasm': url('tfjs-backend-wasm.wasm'),
    'tfjs-backend-wasm-simd.wasm': url('tfjs-backend-wasm-simd.wasm'),
    'tfjs-backend-wasm-threaded-simd.wasm': url('tfjs-backend-wasm-simd.wasm'),
  });
  if (delivery === 'blob-url') {
    const urls = new Map<string, string>();
    const url = (file: string) => {
      let u = urls.get(file);
      if (u === undefined)
        urls.set(file, (u = URL.createObjectURL(new Blob([files[file] as Uint8Array<ArrayBuffer>], { type: 'application/wasm' }))));
      return u;
    };
    installed = { binaries, paths: names(url) };
    return installed;
  }
  // An own property on the platform instance shadows its prototype method (setPlatform would log a warning).
  const platform = tf.env().platform;
  const fetchOriginal = platform.fetch.bind(platform);
  platform.fetch = (path: string, init?: RequestInit) => {
    const bytes = path.startsWith(INLINE_PREFIX) ? files[path.slice(INLINE_PREFIX.length)] : undefined;
    if (bytes === undefined) return fetchOriginal(path, init);
    return Promise.resolve(new Response(bytes as Uint8Array<ArrayBuffer>, { headers: { 'content-type': 'application/wasm' } }));
  };
  setWasmPaths(
    names((file) => `${INLINE_PREFIX}${file}`),
    true,
  );
  installed = { binaries };
  return installed;
}

/** tfjs's 'wasm' backend from inlined binaries (single-threaded); refused without SIMD when only the SIMD build is inlined. */
export async function startInlineWasmBackend(
  binaries: InlineWasmBinaries,
  delivery: InlineWasmDelivery = 'platform-fetch',
): Promise<Backend> {
  const use = useInlineWasm(binaries, delivery);
  if (use.binaries.plain === undefined && !(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'))) {
    throw new Error("this app's WebAssembly has no SIMD support, which the embedded tfjs binary needs; choose WebGL");
  }
  return createTfjsBackend(use.paths === undefined ? { name: 'wasm' } : { name: 'wasm', wasmPaths: use.paths });
}
