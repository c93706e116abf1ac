/**
 * TensorFlow.js in Obsidian's renderer: WebGL, WebAssembly, plain JS.
 *
 * The community-store layout installs exactly main.js, manifest.json and styles.css, so the wasm binary
 * cannot sit beside the bundle: esbuild embeds it (binary loader) and it is handed to tfjs as a blob URL.
 * Only the SIMD build is embedded (every Electron Obsidian ships has wasm SIMD); threads are switched off
 * because the threaded build needs a worker script and cross-origin isolation that Obsidian lacks.
 */
import '@tensorflow/tfjs-backend-webgl'; // registers 'webgl' with tfjs-core
import '@tensorflow/tfjs-backend-wasm'; // registers 'wasm' and its WASM_* flags
import * as tf from '@tensorflow/tfjs-core';
import type { Backend } from '@adaattn/core';
import type { StartPurpose } from '../backends';
import { createTfjsBackend } from '@adaattn/core/backends/tfjs';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm';

export type TfjsName = 'webgl' | 'wasm' | 'cpu';

let wasmUrl: string | undefined;

function wasmPaths(): Record<string, string> {
  wasmUrl ??= URL.createObjectURL(new Blob([wasmSimd], { type: 'application/wasm' }));
  // tfjs insists on an entry for each of its three file names; only the SIMD one is ever fetched.
  return { 'tfjs-backend-wasm.wasm': wasmUrl, 'tfjs-backend-wasm-simd.wasm': wasmUrl, 'tfjs-backend-wasm-threaded-simd.wasm': wasmUrl };
}

export async function startTfjs(name: TfjsName, purpose: StartPurpose): Promise<Backend> {
  if (name === 'webgl' && purpose === 'auto') {
    const software = softwareRenderer();
    if (software !== undefined) {
      throw new Error(`WebGL is drawn in software here (${software}), which is slower than WebAssembly; choose WebGL in the settings to use it anyway`);
    }
  }
  if (name === 'wasm') {
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    if (!(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'))) {
      throw new Error('this app\'s WebAssembly has no SIMD support, which the embedded tfjs binary needs; choose WebGL');
    }
    return createTfjsBackend({ name, wasmPaths: wasmPaths() });
  }
  return createTfjsBackend({ name });
}

/**
 * The WebGL renderer's name when it is a software rasterizer (SwiftShader, llvmpipe, Microsoft Basic Render
 * Driver: VMs, remote desktops, GPU blocklists), else undefined. The probe context is released at once.
 */
function softwareRenderer(): string | undefined {
  const gl = document.createElement('canvas').getContext('webgl');
  if (gl === null) return undefined; // no WebGL at all: tfjs will say so
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  const renderer = String(gl.getParameter(info === null ? gl.RENDERER : info.UNMASKED_RENDERER_WEBGL));
  gl.getExtension('WEBGL_lose_context')?.loseContext();
  return /swiftshader|llvmpipe|softpipe|software|basic render/i.test(renderer) ? renderer : undefined;
}
