/**
 * ONNX Runtime sessions by graph key, least recently used first out.
 *
 * Making a session costs far more than running a small one (parsing, graph optimisation, weight
 * pre-packing), and a stylizer replays the same few graphs (one per image size, with or without a cached
 * style), so sessions are kept. A session that embeds a constant (weights) is released when that constant
 * is disposed, and the oldest session goes when there are more than `capacity`. A session is never
 * released while a run holds it: the release waits for the run to end.
 */
import type { RuntimeSession } from './runtime.js';

interface Entry {
  readonly session: Promise<RuntimeSession>;
  readonly constants: readonly number[];
  users: number;
  evicted: boolean;
}

export interface Lease {
  readonly session: Promise<RuntimeSession>;
  /** Call once the run is over (success or failure). */
  done(): void;
}

export class SessionCache {
  private readonly entries = new Map<string, Entry>();
  private readonly capacity: number;

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The session for `key`, made by `create` on a miss, held until `done()`. A failed creation is not cached. */
  acquire(key: string, constants: readonly number[], create: () => Promise<RuntimeSession>): Lease {
    let entry = this.entries.get(key);
    if (entry !== undefined) {
      this.entries.delete(key); // re-insert: Map order is recency order
      this.entries.set(key, entry);
    } else {
      const session = create();
      const created: Entry = { session, constants, users: 0, evicted: false };
      entry = created;
      this.entries.set(key, created);
      session.catch(() => {
        if (this.entries.get(key) === created) this.entries.delete(key);
      });
    }
    entry.users++;
    const held = entry;
    while (this.entries.size > this.capacity) this.evict(this.entries.keys().next().value as string);
    let finished = false;
    return {
      session: held.session,
      done: () => {
        if (finished) return;
        finished = true;
        held.users--;
        if (held.evicted && held.users === 0) release(held);
      },
    };
  }

  /** Releases every session that embeds the constant `id`. */
  dropConstant(id: number): void {
    for (const [key, entry] of this.entries) if (entry.constants.includes(id)) this.evict(key);
  }

  clear(): void {
    for (const key of [...this.entries.keys()]) this.evict(key);
  }

  private evict(key: string): void {
    const entry = this.entries.get(key);
    if (entry === undefined) return;
    this.entries.delete(key);
    entry.evicted = true;
    if (entry.users === 0) release(entry);
  }
}

function release(entry: Entry): void {
  entry.session.then((s) => s.release()).catch(() => undefined);
}
