// The page side of tools/bench/browser.mjs, bundled by esbuild: the SDK in a browser page, on one runtime a
// plugin could use. The page is not cross-origin isolated, like Figma's iframe and Obsidian's window, so every
// wasm runtime has one thread.
import { Stylizer, loadModelFromFiles } from '@adaattn/core';
import { startInlineWasmBackend, startWebglBackend } from '@adaattn/core/browser';
import { createOnnxWebBackend } from '@adaattn/core/backends/onnx/web';

async function bytes(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

const RUNTIMES = {
  'tfjs-wasm': async () => startInlineWasmBackend({ simd: await bytes('/tfjs/tfjs-backend-wasm-simd.wasm') }),
  'tfjs-webgl': () => startWebglBackend({ allowSoftware: true }),
  'onnx-web-wasm': () => createOnnxWebBackend({ device: 'wasm', module: () => import('onnxruntime-web/wasm'), wasmPaths: '/ort/' }),
  'onnx-web-webgpu': () =>
    createOnnxWebBackend({ device: 'webgpu', module: () => import('onnxruntime-web/webgpu'), wasmPaths: '/ort/', allowSoftwareGpu: true }),
};

async function webgpuAdapter() {
  const gpu = globalThis.navigator?.gpu;
  if (!gpu) return undefined;
  const adapter = await gpu.requestAdapter();
  if (!adapter) return undefined;
  const info = adapter.info ?? {};
  return [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' ') || 'unnamed adapter';
}

/** Times one runtime: the first call (sessions, shader compilation), then `repeats` warm calls. */
globalThis.bench = async ({ runtime, size, repeats }) => {
  const seconds = (t0) => (performance.now() - t0) / 1000;
  const pixels = async (name) => ({ width: size, height: size, channels: 3, data: await bytes(`/inputs/${name}-${size}.rgb`) });
  const { weights } = await loadModelFromFiles((name) => bytes(`/model/${name}`));
  const backend = await RUNTIMES[runtime]();
  const stylizer = Stylizer.create(backend, weights);
  const [content, style] = [await pixels('content'), await pixels('style')];
  // As the plugins call it: with a signal and progress, so the work runs in pieces (ONNX Runtime) or
  // banded convolutions (tfjs) that can stop between them.
  const watched = () => ({ signal: new AbortController().signal, onProgress: () => {} });
  let t0 = performance.now();
  let output = await stylizer.stylize(content, style, watched());
  const first = seconds(t0);
  const warm = [];
  for (let i = 0; i < repeats; i++) {
    t0 = performance.now();
    output = await stylizer.stylize(content, style, watched());
    warm.push(seconds(t0));
  }
  stylizer.dispose();
  let binary = '';
  for (let i = 0; i < output.data.length; i += 0x8000) binary += String.fromCharCode(...output.data.subarray(i, i + 0x8000));
  return { runtime, size, first, warm, adapter: await webgpuAdapter(), output: btoa(binary) };
};
