/**
 * Hand-assembles pickles and legacy .pth streams for tests: the cases torch 1.13 can no longer write
 * (Python 2 OrderedDicts, pre-0.4 storage views, `_rebuild_tensor` v1) and hostile inputs.
 */
export class PickleWriter {
  private readonly out: number[] = [];

  op(...bytes: number[]): this {
    this.out.push(...bytes);
    return this;
  }
  proto(version = 2): this {
    return this.op(0x80, version);
  }
  global(module: string, name: string): this {
    return this.op(0x63, ...ascii(`${module}\n${name}\n`));
  }
  mark(): this {
    return this.op(0x28);
  }
  tuple(): this {
    return this.op(0x74);
  }
  emptyTuple(): this {
    return this.op(0x29);
  }
  emptyDict(): this {
    return this.op(0x7d);
  }
  emptyList(): this {
    return this.op(0x5d);
  }
  list(): this {
    return this.op(0x6c);
  }
  setitems(): this {
    return this.op(0x75);
  }
  reduce(): this {
    return this.op(0x52);
  }
  build(): this {
    return this.op(0x62);
  }
  binpersid(): this {
    return this.op(0x51);
  }
  none(): this {
    return this.op(0x4e);
  }
  bool(value: boolean): this {
    return this.op(value ? 0x88 : 0x89);
  }
  stop(): this {
    return this.op(0x2e);
  }
  /** BINUNICODE (Python 3 str). */
  str(s: string): this {
    const b = new TextEncoder().encode(s);
    return this.op(0x58, ...u32(b.length), ...b);
  }
  /** SHORT_BINSTRING (Python 2 str). */
  py2str(s: string): this {
    return this.op(0x55, s.length, ...ascii(s));
  }
  int(n: number): this {
    if (n >= 0 && n < 256) return this.op(0x4b, n);
    if (n >= 0 && n < 65536) return this.op(0x4d, n & 0xff, n >> 8);
    return this.op(0x4a, ...u32(n >>> 0));
  }
  long1(value: bigint): this {
    const bytes: number[] = [];
    let v = value;
    do {
      bytes.push(Number(v & 0xffn));
      v >>= 8n;
    } while (!(v === 0n && (bytes[bytes.length - 1] & 0x80) === 0) && !(v === -1n && (bytes[bytes.length - 1] & 0x80) !== 0));
    return this.op(0x8a, bytes.length, ...bytes);
  }
  /** LONG4 with a raw little-endian two's-complement body. */
  long4(body: Uint8Array): this {
    this.op(0x8b, ...u32(body.length));
    for (const b of body) this.out.push(b);
    return this;
  }
  appends(): this {
    return this.op(0x65);
  }
  /** A tuple of small ints. */
  ints(values: number[]): this {
    this.mark();
    for (const v of values) this.int(v);
    return this.tuple();
  }
  bytes(): Uint8Array {
    return Uint8Array.from(this.out);
  }
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** The three header pickles of a legacy .pth file (magic, protocol 1001, sys_info). */
export function legacyHeader(): Uint8Array {
  const magic = new PickleWriter().proto().long1(0x1950a86a20f9469cfc6cn).stop().bytes();
  const protocol = new PickleWriter().proto().int(1001).stop().bytes();
  const sysInfo = new PickleWriter().proto().emptyDict().mark().str('little_endian').bool(true).setitems().stop().bytes();
  return concat(magic, protocol, sysInfo);
}

/** A storage record of a legacy file: int64 element count, then float32 values. */
export function legacyFloatStorage(values: number[]): Uint8Array {
  const out = new Uint8Array(8 + 4 * values.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, values.length, true);
  values.forEach((v, i) => view.setFloat32(8 + 4 * i, v, true));
  return out;
}

export interface TensorSpec {
  readonly size: readonly number[];
  readonly stride: readonly number[];
  readonly offset: number;
  /** Storage key and element count. */
  readonly storage: readonly [string, number];
  /** torch storage class (default FloatStorage). */
  readonly type?: string;
}

/**
 * An OrderedDict state_dict pickle of `_rebuild_tensor_v2` tensors, as torch.save writes it: zip persistent ids
 * have five fields, legacy ones a sixth (view metadata, None).
 */
export function stateDictPickle(items: ReadonlyArray<readonly [string, TensorSpec]>, format: 'zip' | 'legacy'): Uint8Array {
  const w = new PickleWriter().proto().global('collections', 'OrderedDict').emptyTuple().reduce().mark();
  for (const [key, t] of items) {
    w.str(key).global('torch._utils', '_rebuild_tensor_v2');
    w.mark()
      .mark()
      .str('storage')
      .global('torch', t.type ?? 'FloatStorage')
      .str(t.storage[0])
      .str('cpu')
      .int(t.storage[1]);
    if (format === 'legacy') w.none();
    w.tuple().binpersid();
    w.int(t.offset)
      .ints([...t.size])
      .ints([...t.stride])
      .bool(false)
      .global('collections', 'OrderedDict')
      .emptyTuple()
      .reduce()
      .tuple()
      .reduce();
  }
  return w.setitems().stop().bytes();
}

/** A legacy (torch < 1.6) .pth: header, state_dict, key list, then each float32 storage. */
export function legacyPth(
  items: ReadonlyArray<readonly [string, TensorSpec]>,
  storages: ReadonlyArray<readonly [string, readonly number[]]>,
): Uint8Array {
  const keys = new PickleWriter().proto().mark();
  for (const [key] of storages) keys.str(key);
  return concat(
    legacyHeader(),
    stateDictPickle(items, 'legacy'),
    keys.list().stop().bytes(),
    ...storages.map(([, values]) => legacyFloatStorage([...values])),
  );
}

function ascii(s: string): number[] {
  return Array.from(s, (c) => c.charCodeAt(0));
}

function u32(n: number): number[] {
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
}
