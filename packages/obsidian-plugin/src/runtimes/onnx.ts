/**
 * ONNX Runtime Web in Obsidian's renderer: WebGPU where Electron has an adapter, else wasm. The modules
 * travel in main.js (about 120 KB each); their wasm binaries cannot (the community-store layout allows only
 * main.js, manifest.json and styles.css, and they are 14 and 27 MB), so they come from jsDelivr on first
 * use and the renderer's HTTP cache keeps them. Without the network, 'auto' falls back to tfjs's inlined wasm.
 */
import type { Backend } from '@adaattn/core';
import { createOnnxWebBackend, ortWebCdnPaths } from '@adaattn/core/backends/onnx/web';
import type { StartPurpose } from '../backends';

export async function startOnnx(device: 'webgpu' | 'wasm', purpose: StartPurpose): Promise<Backend> {
  return createOnnxWebBackend({
    device,
    module: () => (device === 'webgpu' ? import('onnxruntime-web/webgpu') : import('onnxruntime-web/wasm')),
    threads: 1,
    wasmPaths: ortWebCdnPaths(device),
    // A software adapter is about 100× slower than wasm: 'auto' passes it over, a user who chose WebGPU gets it.
    allowSoftwareGpu: purpose === 'chosen',
  });
}
