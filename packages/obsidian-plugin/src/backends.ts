/**
 * The one table of inference runtimes the bundle carries, and the user's choice among them.
 *
 * Adding a runtime is one row in RUNTIMES; 'auto' tries the rows marked `auto` in table order, fastest
 * first, and reports every failure in one error (core's BackendRegistry). The GPU rows come first; on the
 * CPU, tfjs's inlined wasm comes before ONNX Runtime's, which is level with it as the plugin calls it and
 * needs a 14 MB download (docs/BENCHMARKS.md, "The plugins' engines").
 * tfjs rows import their module only when that runtime is chosen, so loading the plugin costs nothing; the
 * ONNX Runtime rows' modules are in main.js, their binaries downloaded on first start.
 * A row's start() learns whether 'auto' or the user chose it: 'auto' may decline a runtime that works but
 * would be slower than the next one (WebGL or WebGPU drawn by a software rasterizer, 10–100× slower than wasm).
 */
import { BackendRegistry, type Backend } from '@adaattn/core';
import { startOnnxWebBackend } from '@adaattn/core/browser/onnx';

interface RuntimeRow {
  readonly label: string;
  /** Tried by 'auto' (in table order). */
  readonly auto: boolean;
  readonly start: (purpose: StartPurpose) => Promise<Backend>;
}

export type StartPurpose = 'auto' | 'chosen';

export const RUNTIMES = {
  'onnx-webgpu': {
    label: 'WebGPU (GPU, ONNX Runtime)',
    auto: true,
    // A software adapter is 100× slower than wasm: 'auto' passes it over, a user who chose WebGPU gets it.
    start: (purpose: StartPurpose) => startOnnxWebBackend('webgpu', { allowSoftwareGpu: purpose === 'chosen' }),
  },
  'tfjs-webgl': {
    label: 'WebGL (GPU)',
    auto: true,
    start: (purpose: StartPurpose) => import('./runtimes/tfjs').then((m) => m.startTfjs('webgl', purpose)),
  },
  'tfjs-wasm': {
    label: 'WebAssembly (CPU, tfjs; works offline)',
    auto: true,
    start: (purpose: StartPurpose) => import('./runtimes/tfjs').then((m) => m.startTfjs('wasm', purpose)),
  },
  'onnx-wasm': {
    label: 'WebAssembly (CPU, ONNX Runtime; 14 MB download on first use)',
    auto: true,
    start: () => startOnnxWebBackend('wasm'),
  },
  'tfjs-cpu': {
    label: 'Plain JavaScript (very slow; for troubleshooting)',
    auto: false,
    start: (purpose: StartPurpose) => import('./runtimes/tfjs').then((m) => m.startTfjs('cpu', purpose)),
  },
} as const satisfies Record<string, RuntimeRow>;

export type RuntimeName = keyof typeof RUNTIMES;
export type BackendChoice = 'auto' | RuntimeName;

const runtimeNames = Object.keys(RUNTIMES) as RuntimeName[];

/** What the settings dropdown offers: 'auto' first, then each runtime on its own. */
export const BACKEND_CHOICES: Readonly<Record<BackendChoice, { readonly label: string; readonly order: readonly RuntimeName[] }>> = {
  auto: {
    label: 'Automatic (the fastest that starts: WebGPU, WebGL, then WebAssembly)',
    order: runtimeNames.filter((n) => RUNTIMES[n].auto),
  },
  ...(Object.fromEntries(runtimeNames.map((n) => [n, { label: RUNTIMES[n].label, order: [n] }])) as Record<
    RuntimeName,
    { label: string; order: RuntimeName[] }
  >),
};

/**
 * Starts runtimes at most once per plugin load and purpose (a runtime that failed is not retried: WebGL
 * missing now is missing until restart, and ONNX Runtime Web cannot start again in a window where its
 * first start failed, e.g. offline) and hands back the first of `choice`'s order that starts. The
 * purpose is the registry's reuse key, since 'auto' may decline what an explicit choice accepts; failures
 * under 'auto' are reported as `auto:<name>`.
 */
export class Runtimes {
  private readonly registry = new BackendRegistry<StartPurpose>((purpose) => (purpose === 'auto' ? 'auto' : ''));

  constructor(rows: Readonly<Record<string, Pick<RuntimeRow, 'auto' | 'start'>>> = RUNTIMES) {
    for (const [name, row] of Object.entries(rows)) this.registry.register(name, (purpose) => row.start(purpose));
  }

  resolve(choice: BackendChoice): Promise<Backend> {
    return this.registry.resolve(BACKEND_CHOICES[choice].order, choice === 'auto' ? 'auto' : 'chosen');
  }
}
