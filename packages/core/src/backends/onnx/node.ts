/**
 * `@adaattn/core/backends/onnx/node`: the ONNX backend on onnxruntime-node (native CPU, several
 * times faster than tfjs-wasm; docs/BENCHMARKS.md), optionally its CUDA execution provider.
 *
 * onnxruntime-node is an optional peer dependency, loaded when the backend is created. Importing this
 * module registers 'onnx-node' with the core registry, ahead of every tfjs backend.
 */
import { createRequire } from 'node:module';
import type * as OrtNode from 'onnxruntime-node';
import { BackendError, InvalidArgumentError, reasonOf } from '../../errors.js';
import type { Backend } from '../../tensor/backend.js';
import { registerBackend } from '../../tensor/registry.js';
import { createOnnxBackendFrom, type OnnxGraphOptions } from './create.js';
import { OrtThread, type PlainTensor } from './node-thread.js';
import { arenaFor, probeBlockSize, sessionExtra, type OnnxRuntime, type RuntimeSession } from './runtime.js';

export interface OnnxNodeOptions extends OnnxGraphOptions {
  /**
   * 'cpu' (default) or 'cuda': ONNX Runtime's CUDA execution provider, which needs an NVIDIA driver, CUDA 12
   * and cuDNN 9, and onnxruntime-node's CUDA binaries (installed by its postinstall unless
   * `onnxruntime-node-install=skip`). Operations CUDA lacks fall back to the CPU.
   */
  readonly device?: 'cpu' | 'cuda';
  /** Threads for one operation (ORT intraOpNumThreads). Default: ONNX Runtime's (one per physical core). */
  readonly threads?: number;
  /**
   * Where ONNX Runtime runs on the CPU: 'worker' (default), a thread of its own, so the caller's event loop
   * keeps turning, an abort rejects at once and a second Ctrl-C exits; or 'main', the calling thread (each
   * run then blocks it until the piece is done). The CUDA provider always runs on the calling thread.
   */
  readonly thread?: 'worker' | 'main';
  /**
   * Whether graphs name ONNX Runtime's blocked (NCHWc) CPU kernels themselves, so that reflection padding,
   * pooling and upsampling between convolutions stay in the blocked layout (default true; CPU only). The
   * same numbers either way; false leaves the layout to ORT's own pass (for comparing: the `onnx-nchw`
   * runtime of tools/bench/run.mjs, `profile.mjs --nchw`).
   */
  readonly blockedLayout?: boolean;
  /** Further ONNX Runtime session options, applied over ours (e.g. `enableProfiling` to find where time goes). */
  readonly sessionOptions?: OrtNode.InferenceSession.SessionOptions;
}

const PACKAGE = 'onnxruntime-node';

/** A specifier in a variable, so bundlers leave the optional package alone. */
function importOptional(specifier: string): Promise<unknown> {
  return import(specifier);
}

async function loadOrt(): Promise<typeof OrtNode> {
  try {
    return (await importOptional(PACKAGE)) as typeof OrtNode;
  } catch (error) {
    throw new Error(
      `${PACKAGE} could not be loaded (${reasonOf(error)}); install it with \`npm install ${PACKAGE}@1.30.0\`, or use a tfjs backend`,
    );
  }
}

/** The session options every onnx-node session is created with (exported for its test). */
export function onnxNodeSessionOptions(options: OnnxNodeOptions): OrtNode.InferenceSession.SessionOptions {
  const threads = options.threads;
  if (threads !== undefined && !(Number.isInteger(threads) && threads >= 1))
    throw new InvalidArgumentError(`threads must be a positive integer, got ${threads}`);
  return {
    executionProviders: options.device === 'cuda' ? ['cuda', 'cpu'] : ['cpu'],
    // 'all' includes the layout pass that turns convolutions with constant weights into NCHWc kernels.
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    interOpNumThreads: 1,
    ...(threads === undefined ? {} : { intraOpNumThreads: threads }),
    // The arena and memory patterns plan one reusable block per run from value lifetimes: a chunk's
    // [rows × style positions] matrices are dead (and their memory reused) before the next chunk's.
    enableCpuMemArena: true,
    enableMemPattern: true,
    logSeverityLevel: 3, // ORT warns about every unused initializer and fallback node otherwise
    ...options.sessionOptions,
    extra: sessionExtra(options.sessionOptions?.extra),
  };
}

export async function createOnnxNodeBackend(options: OnnxNodeOptions = {}): Promise<Backend> {
  if (options.thread !== undefined && options.thread !== 'worker' && options.thread !== 'main')
    throw new InvalidArgumentError(`thread must be 'worker' or 'main', got ${String(options.thread)}`);
  const name = options.device === 'cuda' ? 'onnx-node-cuda' : 'onnx-node';
  try {
    // Loaded here even when the worker thread runs it: a missing or broken addon must fail the backend's
    // creation, so that 'auto' falls back to the next backend instead of failing at the first read.
    const ort = await loadOrt();
    const settings = onnxNodeSessionOptions(options);
    const runtime =
      options.device !== 'cuda' && options.thread !== 'main' ? threadRuntime(name, settings) : mainRuntime(ort, name, settings);
    if (options.device === 'cuda') await probeCuda(ort, settings);
    const blockSize = options.device === 'cuda' || options.blockedLayout === false ? 1 : await cpuBlockSize(ort);
    return createOnnxBackendFrom({ ...runtime, blockSize }, options);
  } catch (error) {
    throw new BackendError('backend-unavailable', `${name}: ${reasonOf(error)}`, [{ name, reason: reasonOf(error) }], { cause: error });
  }
}

let probedBlockSize: Promise<number> | undefined;

/**
 * ONNX Runtime's NCHWc block size on this CPU, probed once per process (it is the CPU's, the same on every
 * thread and for every backend): on the calling thread, so the worker still starts with the first graph,
 * and with our session options only (a caller's profiling or providers have no business with the probe).
 */
function cpuBlockSize(ort: typeof OrtNode): Promise<number> {
  probedBlockSize ??= probeBlockSize(mainRuntime(ort, 'onnx-node', onnxNodeSessionOptions({})));
  return probedBlockSize;
}

function mainRuntime(ort: typeof OrtNode, name: string, settings: OrtNode.InferenceSession.SessionOptions): OnnxRuntime {
  return {
    name,
    blocksCaller: true,
    createSession: async (model, hints) =>
      (await ort.InferenceSession.create(model, arenaFor(settings, hints.peakBytes))) as RuntimeSession,
    tensor: (type, data, dims) => new ort.Tensor(type, data, dims),
  };
}

/** The same package, loaded again on a worker thread (node-thread.ts); started on the first session. */
function threadRuntime(name: string, settings: OrtNode.InferenceSession.SessionOptions): OnnxRuntime {
  const ortPath = createRequire(import.meta.url).resolve(PACKAGE);
  let thread: OrtThread | undefined;
  return {
    name,
    blocksCaller: false,
    createSession: (model, hints) => {
      if (thread === undefined || thread.closed) thread = new OrtThread(ortPath);
      return thread.createSession(model, arenaFor(settings, hints.peakBytes));
    },
    tensor: (type, data, dims): PlainTensor => ({ type, data, dims }),
  };
}

/** Fails early, with ORT's reason, when the CUDA provider cannot start (rather than at the first read). */
async function probeCuda(ort: typeof OrtNode, settings: OrtNode.InferenceSession.SessionOptions): Promise<void> {
  const { PROBE_MODEL } = await import('./onnx-model.js');
  // ORT logs a missing CUDA library through its process-wide logger, before our error says the same in one
  // line; that logger is set up by the first session, and this probe usually is the first.
  if (ort.env.logLevel === undefined || ort.env.logLevel === 'warning') ort.env.logLevel = 'fatal';
  const session = await ort.InferenceSession.create(PROBE_MODEL, { ...settings, executionProviders: ['cuda'], logSeverityLevel: 4 });
  await session.release();
}

registerBackend('onnx-node', () => createOnnxNodeBackend(), 40);
