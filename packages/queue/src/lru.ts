/**
 * A small least-recently-used cache whose evicted values are disposed (encoded styles hold backend memory),
 * but never while a job still uses them: a value is disposed once it is both evicted and released.
 */
interface Entry<V> {
  readonly value: Promise<V>;
  users: number;
  evicted: boolean;
}

export class Lru<V> {
  readonly #entries = new Map<string, Entry<V>>();
  constructor(
    readonly capacity: number,
    private readonly dispose: (value: V) => void,
  ) {}

  /**
   * Runs `fn` with the value for `key`, made by `make` on a miss. Concurrent jobs with one key share one
   * `make` (a style is encoded once); a failed `make` is not cached.
   */
  async use<T>(key: string, make: () => Promise<V>, fn: (value: V) => Promise<T>): Promise<T> {
    let entry = this.#entries.get(key);
    if (entry !== undefined)
      this.#entries.delete(key); // re-inserted below as the most recent
    else {
      entry = { value: make(), users: 0, evicted: false };
      const made = entry;
      made.value.catch(() => {
        if (this.#entries.get(key) === made) this.#entries.delete(key);
      });
    }
    this.#entries.set(key, entry);
    entry.users++;
    this.#evict();
    try {
      return await fn(await entry.value);
    } finally {
      entry.users--;
      this.#release(entry);
    }
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Evicts everything; values in use are disposed when their jobs end. */
  async clear(): Promise<void> {
    const entries = [...this.#entries.values()];
    this.#entries.clear();
    for (const e of entries) {
      e.evicted = true;
      this.#release(e);
    }
    await Promise.allSettled(entries.map((e) => e.value));
  }

  #evict(): void {
    while (this.#entries.size > this.capacity) {
      const [oldest, entry] = this.#entries.entries().next().value as [string, Entry<V>];
      this.#entries.delete(oldest);
      entry.evicted = true;
      this.#release(entry);
    }
  }

  #release(entry: Entry<V>): void {
    if (entry.evicted && entry.users === 0) entry.value.then(this.dispose, () => undefined);
  }
}
