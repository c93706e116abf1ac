/**
 * Which runtime runs the model, as one table tried in order: the first that starts wins, and every failure
 * is kept so the UI can say why it fell back. Adding ONNX Runtime web (core's backends/onnx/web) is one
 * more row here.
 */
import type { Backend } from '@adaattn/core';
import { createTfjsBackend } from '@adaattn/core/backends/tfjs';
import * as tf from '@tensorflow/tfjs-core';
// Registers tfjs's 'webgl' backend factory (no GL context is made until it is chosen).
import '@tensorflow/tfjs-backend-webgl';
import { useInlineWasm } from './wasm-binaries.js';

export type BackendId = 'webgl' | 'wasm';

export interface BackendChoice {
  readonly id: BackendId;
  /** What the status line shows. */
  readonly label: string;
  start(): Promise<Backend>;
}

/** Renderer names of WebGL implemented on the CPU (Chromium's SwiftShader, Mesa's llvmpipe/softpipe). */
const SOFTWARE_RENDERER = /swiftshader|llvmpipe|softpipe|software|basic render/i;

export interface WebglProbe {
  /** Whether a WebGL context could be made at all. */
  readonly available: boolean;
  /** The renderer's name, when the browser tells it. */
  readonly renderer?: string;
}

/** Makes (and frees) a throwaway WebGL context to learn whether there is one and what renders it. */
export function probeWebgl(doc: Document | undefined = globalThis.document): WebglProbe {
  const canvas = doc?.createElement('canvas');
  const gl = (canvas?.getContext('webgl2') ?? canvas?.getContext('webgl')) as WebGLRenderingContext | null | undefined;
  if (gl == null) return { available: false };
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  const name = info === null ? undefined : (gl.getParameter(info.UNMASKED_RENDERER_WEBGL) as unknown);
  gl.getExtension('WEBGL_lose_context')?.loseContext(); // free the probe's context now, not at GC
  return typeof name === 'string' ? { available: true, renderer: name } : { available: true };
}

export function isSoftwareRenderer(name: string | undefined): boolean {
  return name !== undefined && SOFTWARE_RENDERER.test(name);
}

async function startWebgl(): Promise<Backend> {
  // WebGL emulated on the CPU compiles a shader per op and shape and runs them far slower than wasm
  // (measured: ~30 s vs ~0.5 s for a 64 px frame in headless Chromium's SwiftShader).
  const probe = probeWebgl();
  // No context now means none for tfjs either (a busy GPU process can refuse one): do not gamble on it.
  if (!probe.available) throw new Error('no WebGL context could be created');
  if (isSoftwareRenderer(probe.renderer)) throw new Error(`WebGL runs in software here (${probe.renderer}); WebAssembly is faster`);
  const backend = await createTfjsBackend({ name: 'webgl' });
  // GPUs that can only render to half floats overflow on VGG features (max 65504): better wasm than noise.
  if (!tf.env().getBool('WEBGL_RENDER_FLOAT32_CAPABLE')) {
    throw new Error('this GPU renders only 16-bit floats, too narrow for the model');
  }
  return backend;
}

async function startWasm(): Promise<Backend> {
  useInlineWasm();
  return createTfjsBackend({ name: 'wasm' });
}

export const BACKENDS: readonly BackendChoice[] = [
  { id: 'webgl', label: 'WebGL (GPU, tfjs)', start: startWebgl },
  { id: 'wasm', label: 'WebAssembly (CPU, tfjs)', start: startWasm },
];

export interface StartedBackend {
  readonly choice: BackendChoice;
  readonly backend: Backend;
  /** Backends tried before it, with why they did not start. */
  readonly skipped: readonly { readonly id: BackendId; readonly reason: string }[];
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Starts the first backend of `order` (ids) that works. Throws one error listing every failure when none does.
 */
export async function startBackend(order: readonly BackendId[] = BACKENDS.map((b) => b.id), table: readonly BackendChoice[] = BACKENDS): Promise<StartedBackend> {
  const skipped: { id: BackendId; reason: string }[] = [];
  for (const id of order) {
    const choice = table.find((b) => b.id === id);
    if (choice === undefined) {
      skipped.push({ id, reason: `unknown backend; use one of ${table.map((b) => b.id).join(', ')}` });
      continue;
    }
    try {
      return { choice, backend: await choice.start(), skipped };
    } catch (error) {
      skipped.push({ id, reason: reasonOf(error) });
    }
  }
  throw new Error(`no backend could start: ${skipped.map((s) => `${s.id}: ${s.reason}`).join('; ')}`);
}

/** A backend order from a `?backend=wasm,webgl` query (the harness and developers use it); default otherwise. */
export function backendOrderFrom(search: string): BackendId[] | undefined {
  const value = new URLSearchParams(search).get('backend');
  if (value === null || value === '') return undefined;
  return value.split(',').map((s) => s.trim()) as BackendId[];
}
