import type * as O from 'obsidian';

type Callback = (...data: unknown[]) => unknown;

/** Obsidian's Events: on() returns a ref that offref()/Plugin.registerEvent() detaches. */
export class Events implements Pick<O.Events, 'on' | 'off' | 'offref' | 'trigger'> {
  private readonly handlers = new Map<string, Set<Callback>>();

  on(name: string, callback: Callback): O.EventRef {
    const set = this.handlers.get(name) ?? new Set();
    set.add(callback);
    this.handlers.set(name, set);
    return { events: this, name, callback } as unknown as O.EventRef;
  }

  off(name: string, callback: Callback): void {
    this.handlers.get(name)?.delete(callback);
  }

  offref(ref: O.EventRef): void {
    const { name, callback } = ref as unknown as { name: string; callback: Callback };
    this.off(name, callback);
  }

  trigger(name: string, ...data: unknown[]): void {
    for (const cb of [...(this.handlers.get(name) ?? [])]) cb(...data);
  }

  listenerCount(name: string): number {
    return this.handlers.get(name)?.size ?? 0;
  }
}
