/**
 * TensorFlow.js in Obsidian's renderer: WebGL, WebAssembly, plain JS. The WebGL probe and float32 check and
 * the inlined wasm are core's (@adaattn/core/browser), shared with the Figma plugin.
 *
 * The community-store layout installs exactly main.js, manifest.json and styles.css, so the wasm binary
 * cannot sit beside the bundle: esbuild embeds it (binary loader). Only the SIMD build is embedded (every
 * Electron Obsidian ships has wasm SIMD).
 */
import '@tensorflow/tfjs-backend-webgl'; // registers 'webgl' with tfjs-core
import type { Backend } from '@adaattn/core';
import { createTfjsBackend } from '@adaattn/core/backends/tfjs';
import { startInlineWasmBackend, startWebglBackend } from '@adaattn/core/browser';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm';
import type { StartPurpose } from '../backends';

export type TfjsName = 'webgl' | 'wasm' | 'cpu';

export async function startTfjs(name: TfjsName, purpose: StartPurpose): Promise<Backend> {
  if (name === 'webgl') {
    // A software rasterizer (VMs, remote desktops, GPU blocklists) is slower than wasm: 'auto' skips it, a user who chose WebGL gets it.
    return startWebglBackend({ allowSoftware: purpose === 'chosen', softwareHint: '; choose WebGL in the settings to use it anyway' });
  }
  // As a blob URL: the community-store layout has no room for a .wasm file beside main.js.
  if (name === 'wasm') return startInlineWasmBackend({ simd: wasmSimd }, 'blob-url');
  return createTfjsBackend({ name });
}
