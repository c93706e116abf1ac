/**
 * Which runtime runs the model, as one table of rows registered in core's BackendRegistry and tried in order:
 * the first that starts wins, and every failure is kept so the UI can say why it fell back. The WebGL probe,
 * the float32 check and the inlined wasm are core's (@adaattn/core/browser), ONNX Runtime Web's start
 * (@adaattn/core/browser/onnx).
 *
 * Order (docs/BENCHMARKS.md, "The plugins' engines"): the GPU first, ONNX Runtime on WebGPU, then tfjs on
 * WebGL, each refused when the browser draws it in software; then tfjs's wasm, inlined, so it starts offline
 * and whatever the network allows. ONNX Runtime's wasm comes last: called as the plugin calls it, it is level
 * with tfjs's (1.05× at 512², 0.93× at 256² in headless Chromium) and needs a 14 MB download.
 */
import { BackendError, BackendRegistry, type Backend } from '@adaattn/core';
import { startInlineWasmBackend, startWebglBackend } from '@adaattn/core/browser';
import { startOnnxWebBackend } from '@adaattn/core/browser/onnx';
// Registers tfjs's 'webgl' backend factory (no GL context is made until it is chosen).
import '@tensorflow/tfjs-backend-webgl';
import { WASM_BINARIES } from './wasm-binaries.js';

export { isSoftwareRenderer, probeWebgl, type WebglProbe } from '@adaattn/core/browser';

export type BackendId = 'webgpu' | 'webgl' | 'onnx-wasm' | 'wasm';

export interface BackendChoice {
  readonly id: BackendId;
  /** What the status line shows. */
  readonly label: string;
  start(): Promise<Backend>;
}

// Figma offers no backend setting, so a software-drawn WebGL is always refused in favour of wasm.
const startWebgl = (): Promise<Backend> => startWebglBackend();
const startWasm = (): Promise<Backend> => startInlineWasmBackend(WASM_BINARIES);
// Figma offers no backend setting: a software WebGPU adapter is refused too.
const startOnnxWebgpu = (): Promise<Backend> => startOnnxWebBackend('webgpu');
const startOnnxWasm = (): Promise<Backend> => startOnnxWebBackend('wasm');

export const BACKENDS: readonly BackendChoice[] = [
  { id: 'webgpu', label: 'WebGPU (GPU, ONNX Runtime)', start: startOnnxWebgpu },
  { id: 'webgl', label: 'WebGL (GPU, tfjs)', start: startWebgl },
  { id: 'wasm', label: 'WebAssembly (CPU, tfjs)', start: startWasm },
  { id: 'onnx-wasm', label: 'WebAssembly (CPU, ONNX Runtime)', start: startOnnxWasm },
];

export interface StartedBackend {
  readonly choice: BackendChoice;
  readonly backend: Backend;
  /** Backends tried before it, with why they did not start. */
  readonly skipped: readonly { readonly id: BackendId; readonly reason: string }[];
}

/**
 * Starts the first backend of `order` (ids) that works. Throws one error listing every failure when none does;
 * an id not in the table counts as a failure, so a mistyped `?backend=` still falls back.
 */
export async function startBackend(
  order: readonly BackendId[] = BACKENDS.map((b) => b.id),
  table: readonly BackendChoice[] = BACKENDS,
): Promise<StartedBackend> {
  const registry = new BackendRegistry('never');
  for (const row of table) registry.register(row.id, () => row.start());
  const known = order.filter((id) => registry.has(id));
  let started: { id: BackendId; backend: Backend } | undefined;
  let failures: readonly { name: string; reason: string }[] = [];
  if (known.length > 0) {
    try {
      const resolved = await registry.resolveNamed(known);
      started = { id: resolved.name as BackendId, backend: resolved.backend };
      failures = resolved.failures;
    } catch (error) {
      if (!(error instanceof BackendError)) throw error;
      failures = error.failures;
    }
  }
  const tried = started === undefined ? order : order.slice(0, order.indexOf(started.id));
  const skipped = tried.map((id) => ({
    id,
    reason: registry.has(id)
      ? failures.find((f) => f.name === id)!.reason
      : `unknown backend; use one of ${table.map((b) => b.id).join(', ')}`,
  }));
  if (started !== undefined) return { choice: table.find((b) => b.id === started.id)!, backend: started.backend, skipped };
  throw new BackendError(
    'backend-unavailable',
    `no backend could start: ${skipped.map((s) => `${s.id}: ${s.reason}`).join('; ')}`,
    skipped.map((s) => ({ name: s.id, reason: s.reason })),
  );
}

/** A backend order from a `?backend=wasm,webgl` query (the harness and developers use it); default otherwise. */
export function backendOrderFrom(search: string): BackendId[] | undefined {
  const value = new URLSearchParams(search).get('backend');
  if (value === null || value === '') return undefined;
  return value.split(',').map((s) => s.trim()) as BackendId[];
}
