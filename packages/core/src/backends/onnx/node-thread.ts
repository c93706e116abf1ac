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
 * drops the requests the worker has not started and waits, for at most EXIT_WAIT_MS, until the one in
 * progress (a run, or making a session) has returned (a count in shared memory). A CLI that must stop
 * at once dies by its signal instead (@adaattn/node's cli/main.ts). If the worker dies (out of memory, a
 * crash in native code), every pending and later call on its sessions rejects with a SessionLostError,
 * and the executor drops those sessions from its cache, so the next read makes them again on a new thread.
 */
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { SessionLostError, type RuntimeSession, type RuntimeTensor } from './runtime.js';

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
// shared[0]: requests sent and not yet answered (the main thread adds, this thread subtracts after replying);
// shared[1]: 1 once the process is exiting, when requests not yet started are dropped unanswered.
const shared = new Int32Array(workerData.shared);
const sessions = new Map();
function send(id, body) {
  const transfer = [];
  for (const t of Object.values(body.outputs ?? {})) {
    const b = t.data.buffer;
    if (t.data.byteOffset === 0 && t.data.byteLength === b.byteLength && !transfer.includes(b)) transfer.push(b);
  }
  try { parentPort.postMessage({ id, ...body }, transfer); } catch { parentPort.postMessage({ id, ...body }); }
}
async function handle(r) {
  if (r.op === 'create') {
    sessions.set(r.session, await ort.InferenceSession.create(r.model, r.options));
    return {};
  }
  const session = sessions.get(r.session);
  if (r.op === 'release') {
    sessions.delete(r.session);
    if (session !== undefined) await session.release();
    return {};
  }
  if (session === undefined) throw new Error('internal: no ONNX Runtime session ' + r.session + ' on its thread');
  const feeds = {};
  for (const [name, t] of Object.entries(r.feeds)) feeds[name] = new ort.Tensor(t.type, t.data, t.dims);
  const results = await session.run(feeds);
  const outputs = {};
  for (const [name, t] of Object.entries(results)) outputs[name] = { type: t.type, data: t.data, dims: t.dims };
  return { outputs };
}
// One request at a time, in order: ORT's calls defer their native work (setImmediate), so overlapping
// handlers would interleave, and the count above must only fall once a native call has returned.
let queue = Promise.resolve();
parentPort.on('message', ({ id, request }) => {
  queue = queue.then(async () => {
    try {
      if (Atomics.load(shared, 1) === 0) send(id, await handle(request));
    } catch (error) {
      send(id, { error: error instanceof Error ? error.message : String(error) });
    } finally {
      Atomics.sub(shared, 0, 1);
      Atomics.notify(shared, 0);
    }
  });
});
`;

/** How long the process's exit waits for a run in flight to return (a piece is a few seconds at most). */
export const EXIT_WAIT_MS = 30_000;

/** Threads with a worker alive; the process's 'exit' waits for their calls in flight (one listener for all). */
const live = new Set<OrtThread>();
let exitHookInstalled = false;

function waitForCallsInFlight(): void {
  const deadline = performance.now() + EXIT_WAIT_MS;
  for (const thread of live) thread.drainForExit(deadline);
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
  /** [0]: requests sent and not yet answered by the worker; [1]: 1 once the process exits (see WORKER_SOURCE). */
  private readonly shared = new Int32Array(new SharedArrayBuffer(8));

  constructor(ortPath: string) {
    const source = new URL(`data:text/javascript,${encodeURIComponent(WORKER_SOURCE)}`);
    this.worker = new Worker(source, { workerData: { ortUrl: pathToFileURL(ortPath).href, shared: this.shared.buffer } });
    this.worker.unref();
    this.worker.on('message', (reply: Reply) => this.settle(reply));
    this.worker.on('error', (error) => this.fail(`ONNX Runtime's thread failed: ${error.message}`));
    this.worker.on('exit', (code) => this.fail(`ONNX Runtime's thread stopped (exit code ${code})`));
    live.add(this);
    if (!exitHookInstalled) {
      exitHookInstalled = true;
      process.on('exit', waitForCallsInFlight);
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
      // The feeds are PlainTensors: this runtime's `tensor` makes them (node.ts).
      run: async (feeds) =>
        (await this.call({ op: 'run', session, feeds: feeds as Record<string, PlainTensor> })).outputs as Record<string, RuntimeTensor>,
      release: async () => {
        if (released || this.failure !== undefined) return;
        released = true;
        this.sessions--;
        await this.call({ op: 'release', session });
        if (this.sessions === 0 && this.pending.size === 0) this.stop();
      },
    };
  }

  /**
   * For the process's exit: requests not yet started are dropped, and this blocks until the one in progress
   * (a run, or making a session) has returned from native code, or until `deadline`.
   */
  drainForExit(deadline: number): void {
    Atomics.store(this.shared, 1, 1);
    for (;;) {
      const outstanding = Atomics.load(this.shared, 0);
      const left = deadline - performance.now();
      if (outstanding <= 0 || left <= 0) return;
      Atomics.wait(this.shared, 0, outstanding, left);
    }
  }

  private call(request: Request): Promise<Reply> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise<Reply>((resolve, reject) => {
      if (this.pending.size === 0) this.worker.ref(); // a pending request keeps the process alive
      this.pending.set(id, { resolve, reject });
      Atomics.add(this.shared, 0, 1);
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
    this.failure ??= new SessionLostError(reason);
    for (const waiter of this.pending.values()) waiter.reject(this.failure);
    this.pending.clear();
    this.worker.unref();
  }
}
