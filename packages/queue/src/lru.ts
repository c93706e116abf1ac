/** A small least-recently-used map whose evicted values are disposed (encoded styles hold backend memory). */
export class Lru<V> {
  readonly #entries = new Map<string, Promise<V>>();
  constructor(
    readonly capacity: number,
    private readonly dispose: (value: V) => void,
  ) {}

  /**
   * The value for `key`, made by `make` on a miss. The promise is cached, so concurrent jobs with one style
   * encode it once; a failed `make` is not cached.
   */
  get(key: string, make: () => Promise<V>): Promise<V> {
    const hit = this.#entries.get(key);
    if (hit !== undefined) {
      this.#entries.delete(key);
      this.#entries.set(key, hit);
      return hit;
    }
    const made = make();
    this.#entries.set(key, made);
    made.catch(() => {
      if (this.#entries.get(key) === made) this.#entries.delete(key);
    });
    while (this.#entries.size > this.capacity) {
      const [oldest, value] = this.#entries.entries().next().value as [string, Promise<V>];
      this.#entries.delete(oldest);
      value.then(this.dispose, () => undefined);
    }
    return made;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Disposes every value. */
  async clear(): Promise<void> {
    const values = [...this.#entries.values()];
    this.#entries.clear();
    for (const v of await Promise.allSettled(values)) if (v.status === 'fulfilled') this.dispose(v.value);
  }
}
