/**
 * onnxruntime-node on a thread of its own, so that a run never blocks the caller's event loop.
 *
 * onnxruntime-node 1.30's `run` is synchronous underneath its promise: on the main thread it froze the event
 * loop for a whole graph, so an AbortSignal, a second Ctrl-C or a progress line waited for it (6.7 s at
 * 2048² in pieces, 24 s at 1024² in one graph; issue 19). Here sessions live in a worker thread that owns
 * its own copy of the addon; the executor's `abortable` rejects the moment the signal fires, and the run in
 * flight (one piece) finishes on the worker and is dropped. Inputs are copied to the worker (the executor
 * may feed the same arrays again); outputs are transferred back without a copy where ORT's buffer allows.
 *
 * The worker holds the process open only while a request is pending, so an idle backend never keeps Node
 * alive. Exiting the process while a run is in flight would stop the worker under ORT's feet, and
 * onnxruntime-node 1.30 then aborts the process (exit 134) when the run returns: so the process's 'exit'
 * waits, for at most EXIT_WAIT_MS, until the call in flight (a run, or making a session) has returned (a flag in shared memory). A CLI
 * that must stop at once dies by its signal instead (@adaattn/node's cli/exit.ts). If the worker dies (out of memory, a crash in native code), every pending and later call rejects
 * with the reason instead of hanging.
 */
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { RuntimeSession, RuntimeTensor } from './runtime.js';

/** Plain data that crosses to the worker: a tensor before ORT wraps it. */
export interface PlainTensor {
  readonly type: 'float32' | 'int64';
  readonly data: Float32Array | BigInt64Array;
  readonly dims: readonly number[];
}

type Request =
  | { readonly op: 'create'; readonly session: number; readonly model: Uint8Array; readonly options: unknown }
  | { readonly op: 'run'; readonly session: number; readonly feeds: Record<string, PlainTensor> }
  | { readonly op: 'release'; readonly session: number };

type Reply = { readonly id: number; readonly error?: string; readonly outputs?: Record<string, PlainTensor> };

// An ES module run from a data: URL: a source string needs no file beside the compiled module, so it works
// the same from dist/, from vitest's sources and inside a bundle, whatever --input-type the process has.
const WORKER_SOURCE = `
import { parentPort, workerData } from 'node:worker_threads';
const loaded = await import(workerData.ortUrl);
const ort = loaded.default?.InferenceSession ? loaded.default : loaded;
const busy = new Int32Array(workerData.busy);
const sessions = new Map();
// busy[0] is 1 while ORT's native code may be on this thread (the process's exit waits for it to clear).
async function inNative(work) {
  Atomics.store(busy, 0, 1);
  try {
    return await work();
  } finally {
    Atomics.store(busy, 0, 0);
    Atomics.notify(busy, 0);
  }
}
function send(id, body) {
  const transfer = [];
  for (const t of Object.values(body.outputs ?? {})) {
    const b = t.data.buffer;
    if (t.data.byteOffset === 0 && t.data.byteLength === b.byteLength && !transfer.includes(b)) transfer.push(b);
  }
  try { parentPort.postMessage({ id, ...body }, transfer); } catch { parentPort.postMessage({ id, ...body }); }
}
parentPort.on('message', async ({ id, request: r }) => {
  try {
    if (r.op === 'create') {
      sessions.set(r.session, await inNative(() => ort.InferenceSession.create(r.model, r.options)));
      send(id, {});
    } else if (r.op === 'run') {
      const session = sessions.get(r.session);
      if (session === undefined) throw new Error('internal: no ONNX Runtime session ' + r.session + ' on its thread');
      const feeds = {};
      for (const [name, t] of Object.entries(r.feeds)) feeds[name] = new ort.Tensor(t.type, t.data, t.dims);
      const results = await inNative(() => session.run(feeds));
      const outputs = {};
      for (const [name, t] of Object.entries(results)) outputs[name] = { type: t.type, data: t.data, dims: t.dims };
      send(id, { outputs });
    } else if (r.op === 'release') {
      const session = sessions.get(r.session);
      sessions.delete(r.session);
      if (session !== undefined) await inNative(() => session.release());
      send(id, {});
    }
  } catch (error) {
    send(id, { error: error instanceof Error ? error.message : String(error) });
  }
});
`;

/** How long the process's exit waits for a run in flight to return (a piece is a few seconds at most). */
export const EXIT_WAIT_MS = 30_000;

/** Threads with a worker alive; the process's 'exit' waits for their runs in flight (one listener for all). */
const live = new Set<OrtThread>();
let exitHookInstalled = false;

function waitForRunsInFlight(): void {
  for (const thread of live) thread.waitForRunInFlight();
}

/**
 * One worker thread running onnxruntime-node (loaded from `ortPath`), and the sessions made on it. The
 * worker stops when its last session is released and nothing is pending; `closed` then tells the owner to
 * make a new one for the next session.
 */
export class OrtThread {
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve: (reply: Reply) => void; reject: (error: Error) => void }>();
  private nextId = 0;
  private nextSession = 0;
  private sessions = 0;
  private failure: Error | undefined;
  /** [0] is 1 while the worker is inside ORT (creating, running or releasing a session). */
  private readonly busy = new Int32Array(new SharedArrayBuffer(4));

  constructor(ortPath: string) {
    const source = new URL(`data:text/javascript,${encodeURIComponent(WORKER_SOURCE)}`);
    this.worker = new Worker(source, { workerData: { ortUrl: pathToFileURL(ortPath).href, busy: this.busy.buffer } });
    this.worker.unref();
    this.worker.on('message', (reply: Reply) => this.settle(reply));
    this.worker.on('error', (error) => this.fail(`ONNX Runtime's thread failed: ${error.message}`));
    this.worker.on('exit', (code) => this.fail(`ONNX Runtime's thread stopped (exit code ${code})`));
    live.add(this);
    if (!exitHookInstalled) {
      exitHookInstalled = true;
      process.on('exit', waitForRunsInFlight);
    }
  }

  /** True once the worker has stopped (idle with no sessions, or failed): make a new thread. */
  get closed(): boolean {
    return this.failure !== undefined;
  }

  async createSession(model: Uint8Array, options: unknown): Promise<RuntimeSession> {
    const session = this.nextSession++;
    this.sessions++;
    try {
      await this.call({ op: 'create', session, model, options });
    } catch (error) {
      this.sessions--;
      throw error;
    }
    let released = false;
    return {
      run: async (feeds) => {
        const plain: Record<string, PlainTensor> = {};
        for (const [name, t] of Object.entries(feeds)) plain[name] = t as PlainTensor;
        return (await this.call({ op: 'run', session, feeds: plain })).outputs as Record<string, RuntimeTensor>;
      },
      release: async () => {
        if (released || this.failure !== undefined) return;
        released = true;
        this.sessions--;
        await this.call({ op: 'release', session });
        if (this.sessions === 0 && this.pending.size === 0) this.stop();
      },
    };
  }

  /** Blocks until the worker is out of session.run (for the process's exit; bounded by EXIT_WAIT_MS). */
  waitForRunInFlight(): void {
    Atomics.wait(this.busy, 0, 1, EXIT_WAIT_MS);
  }

  private call(request: Request): Promise<Reply> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise<Reply>((resolve, reject) => {
      if (this.pending.size === 0) this.worker.ref(); // a pending request keeps the process alive
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, request });
    });
  }

  private settle(reply: Reply): void {
    const waiter = this.pending.get(reply.id);
    if (waiter === undefined) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0) this.worker.unref();
    if (reply.error !== undefined) waiter.reject(new Error(reply.error));
    else waiter.resolve(reply);
  }

  /** Idle and without sessions: the worker goes (it is between messages, so this is clean). */
  private stop(): void {
    this.fail("ONNX Runtime's thread was stopped (its last session was released)");
    void this.worker.terminate();
  }

  private fail(reason: string): void {
    live.delete(this);
    this.failure ??= new Error(reason);
    for (const waiter of this.pending.values()) waiter.reject(this.failure);
    this.pending.clear();
    this.worker.unref();
  }
}
