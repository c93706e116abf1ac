/**
 * A persistent byte cache for the model files: the Cache API where the page may use it, IndexedDB where
 * not, and nothing where neither works. Figma serves the UI from a data: URL (an opaque origin), where
 * both can be refused; then the plugin still works, it just downloads again (the HTTP cache may help when
 * the model host sends Cache-Control). Each probe failure is kept so the UI can say why nothing is cached.
 */

export type CacheKind = 'cache-api' | 'indexeddb' | 'none';

export interface ByteCache {
  readonly kind: CacheKind;
  /** Why faster kinds were not used (empty when the first one worked). */
  readonly unavailable: readonly string[];
  get(key: string): Promise<Uint8Array | undefined>;
  put(key: string, bytes: Uint8Array): Promise<void>;
  /** Deletes every entry whose key is not in `keep` (older model versions). */
  prune(keep: ReadonlySet<string>): Promise<void>;
}

const CACHE_NAME = 'adaattn-model-v1';
const DB_NAME = 'adaattn-model';
const STORE = 'files';

function reason(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

async function openCacheApi(): Promise<Omit<ByteCache, 'unavailable'>> {
  if (typeof caches === 'undefined') throw new Error('no CacheStorage in this context');
  const cache = await caches.open(CACHE_NAME);
  return {
    kind: 'cache-api',
    async get(key) {
      const response = await cache.match(key);
      return response === undefined ? undefined : new Uint8Array(await response.arrayBuffer());
    },
    async put(key, bytes) {
      await cache.put(key, new Response(bytes as Uint8Array<ArrayBuffer>, { headers: { 'content-type': 'application/octet-stream' } }));
    },
    async prune(keep) {
      for (const request of await cache.keys()) if (!keep.has(request.url)) await cache.delete(request);
    },
  };
}

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB request failed'));
  });
}

async function openIndexedDb(): Promise<Omit<ByteCache, 'unavailable'>> {
  if (typeof indexedDB === 'undefined') throw new Error('no indexedDB in this context');
  const open = indexedDB.open(DB_NAME, 1);
  open.onupgradeneeded = () => open.result.createObjectStore(STORE);
  const db = await request(open);
  const store = (mode: IDBTransactionMode) => db.transaction(STORE, mode).objectStore(STORE);
  return {
    kind: 'indexeddb',
    async get(key) {
      const value: unknown = await request(store('readonly').get(key));
      return value instanceof ArrayBuffer ? new Uint8Array(value) : undefined;
    },
    async put(key, bytes) {
      await request(store('readwrite').put(bytes.slice().buffer, key));
    },
    async prune(keep) {
      const keys = await request(store('readonly').getAllKeys());
      for (const key of keys) if (typeof key === 'string' && !keep.has(key)) await request(store('readwrite').delete(key));
    },
  };
}

const NO_CACHE: Omit<ByteCache, 'unavailable'> = {
  kind: 'none',
  get: async () => undefined,
  put: async () => undefined,
  prune: async () => undefined,
};

/** The first cache kind that opens here. Never rejects. */
export async function openModelCache(): Promise<ByteCache> {
  const unavailable: string[] = [];
  for (const [name, open] of [
    ['Cache API', openCacheApi],
    ['IndexedDB', openIndexedDb],
  ] as const) {
    try {
      return { ...(await open()), unavailable };
    } catch (error) {
      unavailable.push(`${name}: ${reason(error)}`);
    }
  }
  return { ...NO_CACHE, unavailable };
}

/** An in-memory ByteCache, for tests and as a per-session fallback. */
export function memoryCache(kind: CacheKind = 'none'): ByteCache & { readonly entries: Map<string, Uint8Array> } {
  const entries = new Map<string, Uint8Array>();
  return {
    kind,
    unavailable: [],
    entries,
    get: async (key) => entries.get(key)?.slice(),
    put: async (key, bytes) => void entries.set(key, bytes.slice()),
    prune: async (keep) => {
      for (const key of [...entries.keys()]) if (!keep.has(key)) entries.delete(key);
    },
  };
}
