/**
 * Backends by name, so fallback is data: `resolveBackend(['tfjs-tensorflow', 'tfjs-wasm'])` tries each in
 * turn and reports every failure in one error (the pattern of onnxruntime-common's backend-impl.ts).
 *
 * A runtime registers an async factory, so importing it costs nothing until it is chosen. Each factory
 * runs at most once per registry: concurrent and later requests share its result, and a backend that
 * failed is not retried.
 */
import { BackendError, reasonOf, type BackendFailure } from '../errors.js';
import type { Backend } from './backend.js';

export type BackendFactory = () => Promise<Backend>;

interface Entry {
  readonly factory: BackendFactory;
  readonly priority: number;
  started?: Promise<Backend>;
}

export class BackendRegistry {
  private readonly entries = new Map<string, Entry>();

  /** Registers (or replaces, if not yet started) `name`. Higher priority is tried first by `resolve()`. */
  register(name: string, factory: BackendFactory, priority = 0): void {
    const existing = this.entries.get(name);
    if (existing?.started !== undefined) return; // already in use: keep the instance callers hold
    this.entries.set(name, { factory, priority });
  }

  /** Registered names, highest priority first. */
  names(): string[] {
    return [...this.entries.entries()].sort((a, b) => b[1].priority - a[1].priority).map(([name]) => name);
  }

  /**
   * The first of `names` (default: every registered backend, by priority) that starts.
   * Throws `unknown-backend` naming the valid names when a name is not registered, and
   * `backend-unavailable` listing each failure when none starts.
   */
  async resolve(names?: readonly string[]): Promise<Backend> {
    const order = names ?? this.names();
    const unknown = order.filter((n) => !this.entries.has(n));
    if (unknown.length > 0) {
      throw new BackendError(
        'unknown-backend',
        `unknown backend ${unknown.map((n) => `'${n}'`).join(', ')}; registered: ${this.names().join(', ') || '(none: import a backend such as @adaattn/core/backends/tfjs first)'}`,
      );
    }
    const failures: BackendFailure[] = [];
    for (const name of order) {
      try {
        return await this.start(name);
      } catch (error) {
        failures.push({ name, reason: reasonOf(error) });
      }
    }
    const lines = failures.map((f) => `  ${f.name}: ${f.reason}`).join('\n');
    throw new BackendError('backend-unavailable', order.length === 0 ? 'no backend is registered' : `no backend could start:\n${lines}`, failures);
  }

  private start(name: string): Promise<Backend> {
    const entry = this.entries.get(name) as Entry;
    entry.started ??= entry.factory();
    return entry.started;
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
