/**
 * `@adaattn/core/browser/onnx`: ONNX Runtime Web for a bundle that carries it (both plugins). The bundler
 * sees the two `import('onnxruntime-web/…')` below and includes the modules (73 KB for wasm, 118 KB for
 * WebGPU); their wasm binaries are too large to inline (14.2 and 26.8 MB), so they come from jsDelivr at the
 * version core is tested against, on first use, and the browser's HTTP cache keeps them.
 *
 * A separate entry from `@adaattn/core/browser` because it needs onnxruntime-web installed to bundle.
 */
import type { Backend } from '../tensor/backend.js';
import { createOnnxWebBackend, ORT_WEB_VERSION } from '../backends/onnx/web.js';

/** onnxruntime-web's files on jsDelivr, at the version core is tested against. */
export const ORT_WEB_CDN_URL = `https://cdn.jsdelivr.net/npm/onnxruntime-web@${ORT_WEB_VERSION}/dist/`;

/** The wasm binary each of onnxruntime-web's bundles (`onnxruntime-web/wasm`, `/webgpu`) loads. */
const WASM_FILE = { wasm: 'ort-wasm-simd-threaded.wasm', webgpu: 'ort-wasm-simd-threaded.asyncify.wasm' } as const;

export type OnnxWebDevice = keyof typeof WASM_FILE;

/**
 * `wasmPaths` for a bundle that carries `onnxruntime-web/<device>`: its wasm binary from ORT_WEB_CDN_URL,
 * and nothing else. Naming only the binary keeps ORT on the JavaScript glue inside the bundle (a URL prefix
 * would make it import that glue from the CDN as a module, which a plugin's CSP may refuse); the price is
 * one thread, which is all a page without cross-origin isolation gets anyway.
 */
export function ortWebCdnPaths(device: OnnxWebDevice): { readonly wasm: string } {
  return { wasm: `${ORT_WEB_CDN_URL}${WASM_FILE[device]}` };
}

export interface OnnxWebStartOptions {
  /** Accept a software WebGPU adapter (SwiftShader): 100× slower than wasm, so only when the user chose WebGPU. */
  readonly allowSoftwareGpu?: boolean;
}

/** ONNX Runtime Web on `device`, one thread, its binary from jsDelivr; fails with the reason when it cannot start. */
export function startOnnxWebBackend(device: OnnxWebDevice, options: OnnxWebStartOptions = {}): Promise<Backend> {
  return createOnnxWebBackend({
    device,
    threads: 1,
    module: () => (device === 'webgpu' ? import('onnxruntime-web/webgpu') : import('onnxruntime-web/wasm')),
    wasmPaths: ortWebCdnPaths(device),
    allowSoftwareGpu: options.allowSoftwareGpu ?? false,
  });
}
