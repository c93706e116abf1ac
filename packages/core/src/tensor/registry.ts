/**
 * Backends by name, so fallback is data: `resolveBackend(['tfjs-tensorflow', 'tfjs-wasm'])` tries each in
 * turn and reports every failure in one error (the pattern of onnxruntime-common's backend-impl.ts). Core's
 * own runtimes, the Node SDK and both plugins register their rows in a BackendRegistry.
 *
 * A runtime registers an async factory, so importing it costs nothing until it is chosen. By default each
 * factory runs at most once per registry: concurrent and later requests share its result, and a backend that
 * failed is not retried. A registry made with another `reuse` policy passes each request's options to the
 * factory and shares a start only between requests whose options give the same key (or never).
 */
import { BackendError, reasonOf, type BackendFailure } from '../errors.js';
import type { Backend } from './backend.js';

export type BackendFactory<O = void> = (options: O) => Promise<Backend>;

/**
 * Which starts a registry shares: `'once'` (one start per name), `'never'` (a fresh backend per request, e.g.
 * Node's stylizers, each with its own thread count), or a key per options. A non-empty key also prefixes the
 * name in failure reports (`auto:tfjs-webgl`), since one row may fail under one key and start under another.
 */
export type ReusePolicy<O> = 'once' | 'never' | ((options: O) => string);

interface Entry<O> {
  readonly factory: BackendFactory<O>;
  readonly priority: number;
  readonly started: Map<string, Promise<Backend>>;
}

/** A started backend, the row it came from, and the rows tried before it with why they failed. */
export interface ResolvedBackend {
  readonly name: string;
  readonly backend: Backend;
  readonly failures: readonly BackendFailure[];
}

export class BackendRegistry<O = void> {
  private readonly entries = new Map<string, Entry<O>>();

  constructor(private readonly reuse: ReusePolicy<O> = 'once') {}

  /** Registers (or replaces, if not yet started) `name`. Higher priority is tried first by `resolve()`. */
  register(name: string, factory: BackendFactory<O>, priority = 0): void {
    const existing = this.entries.get(name);
    if (existing !== undefined && existing.started.size > 0) return; // already in use: keep the instance callers hold
    this.entries.set(name, { factory, priority, started: new Map() });
  }

  /** Registered names, highest priority first. */
  names(): string[] {
    return [...this.entries.entries()].sort((a, b) => b[1].priority - a[1].priority).map(([name]) => name);
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  /**
   * The first of `names` (default: every registered backend, by priority) that starts.
   * Throws `unknown-backend` naming the valid names when a name is not registered, and
   * `backend-unavailable` listing each failure when none starts.
   */
  async resolve(names?: readonly string[], options?: O): Promise<Backend> {
    return (await this.resolveNamed(names, options)).backend;
  }

  /** As `resolve`, also saying which row started and why the ones before it did not. */
  async resolveNamed(names?: readonly string[], options?: O): Promise<ResolvedBackend> {
    const order = names ?? this.names();
    const unknown = order.filter((n) => !this.entries.has(n));
    if (unknown.length > 0) {
      throw new BackendError(
        'unknown-backend',
        `unknown backend ${unknown.map((n) => `'${n}'`).join(', ')}; registered: ${this.names().join(', ') || '(none: import a backend such as @adaattn/core/backends/tfjs first)'}`,
      );
    }
    const key = this.reuse === 'once' || this.reuse === 'never' ? '' : this.reuse(options as O);
    const failures: BackendFailure[] = [];
    for (const name of order) {
      try {
        return { name, backend: await this.start(name, key, options as O), failures };
      } catch (error) {
        failures.push({ name: key === '' ? name : `${key}:${name}`, reason: reasonOf(error) });
      }
    }
    const lines = failures.map((f) => `  ${f.name}: ${f.reason}`).join('\n');
    throw new BackendError(
      'backend-unavailable',
      order.length === 0 ? 'no backend is registered' : `no backend could start:\n${lines}`,
      failures,
    );
  }

  private start(name: string, key: string, options: O): Promise<Backend> {
    const entry = this.entries.get(name) as Entry<O>;
    if (this.reuse === 'never') return entry.factory(options);
    let started = entry.started.get(key);
    if (started === undefined) {
      started = entry.factory(options);
      entry.started.set(key, started);
    }
    return started;
  }
}

/** The process-wide registry that runtimes register into on import. */
export const backends = new BackendRegistry();

export function registerBackend(name: string, factory: BackendFactory, priority = 0): void {
  backends.register(name, factory, priority);
}

export function resolveBackend(names?: readonly string[]): Promise<Backend> {
  return backends.resolve(names);
}
