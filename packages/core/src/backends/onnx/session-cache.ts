/**
 * ONNX Runtime sessions by graph key, least recently used first out.
 *
 * Making a session costs far more than running a small one (parsing, graph optimisation, weight
 * pre-packing), and a stylizer replays the same graphs (the pieces of one read per image size, with or
 * without a cached style), so sessions are kept. A session that embeds a constant (weights) is released
 * when that constant is disposed, and the oldest sessions go when the entries' sizes sum to more than
 * `capacity`. An entry's size is the share of the model's weights it embeds (at least MIN_UNITS): a
 * whole-model graph counts about 1, each piece of a read its part, so the capacity means "graphs' worth of
 * weights" however finely reads are cut. A session is never released while a run holds it: the release
 * waits for the run to end.
 */
import type { RuntimeSession } from './runtime.js';

interface Entry {
  readonly session: Promise<RuntimeSession>;
  readonly constants: readonly number[];
  readonly units: number;
  users: number;
  evicted: boolean;
}

/** The least an entry counts for: a graph without weights still holds a session and its arena. */
export const MIN_UNITS = 1 / 64;

export interface Lease {
  readonly session: Promise<RuntimeSession>;
  /** Call once the run is over (success or failure). */
  done(): void;
}

export class SessionCache {
  private readonly entries = new Map<string, Entry>();
  private readonly capacity: number;
  private units = 0;

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  get size(): number {
    return this.entries.size;
  }

  /**
   * The session for `key`, made by `create` on a miss, held until `done()`. A failed creation is not
   * cached. `units`: the entry's size (see above; default 1).
   */
  acquire(key: string, constants: readonly number[], create: () => Promise<RuntimeSession>, units = 1): Lease {
    let entry = this.entries.get(key);
    if (entry !== undefined) {
      this.entries.delete(key); // re-insert: Map order is recency order
      this.entries.set(key, entry);
    } else {
      const session = create();
      const created: Entry = { session, constants, units: Math.max(MIN_UNITS, units), users: 0, evicted: false };
      entry = created;
      this.entries.set(key, created);
      this.units += created.units;
      session.catch(() => {
        if (this.entries.get(key) === created) this.remove(key, created);
      });
    }
    entry.users++;
    const held = entry;
    // The newest entry stays even when it alone is over capacity.
    while (this.units > this.capacity && this.entries.size > 1) this.evict(this.entries.keys().next().value as string);
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

  /** Forgets `key`'s session (its runtime is gone): the next acquire makes it again. */
  discard(key: string): void {
    this.evict(key);
  }

  clear(): void {
    for (const key of [...this.entries.keys()]) this.evict(key);
  }

  private evict(key: string): void {
    const entry = this.entries.get(key);
    if (entry === undefined) return;
    this.remove(key, entry);
    entry.evicted = true;
    if (entry.users === 0) release(entry);
  }

  private remove(key: string, entry: Entry): void {
    this.entries.delete(key);
    this.units -= entry.units;
  }
}

function release(entry: Entry): void {
  entry.session.then((s) => s.release()).catch(() => undefined);
}
