/**
 * The few protobuf wire-format pieces an ONNX model needs, written without a protobuf library.
 *
 * A message is built as a tree first and serialised once into a single buffer: the weights (tens of MB of
 * raw tensor bytes) are referenced, not copied, until that final write. Field numbers are the caller's.
 */

const WIRE_VARINT = 0;
const WIRE_LEN = 2;
const WIRE_FIXED32 = 5;

type Part =
  { kind: 'bytes'; tag: Uint8Array; data: Uint8Array } | { kind: 'message'; tag: Uint8Array; message: Message; length: Uint8Array };

const textEncoder = new TextEncoder();

/** Unsigned LEB128 of a non-negative safe integer or a bigint (int64 fields take negatives as 2^64 + n). */
function varint(value: number | bigint): Uint8Array {
  let v = typeof value === 'bigint' ? BigInt.asUintN(64, value) : value < 0 ? BigInt.asUintN(64, BigInt(value)) : value;
  const out: number[] = [];
  if (typeof v === 'number') {
    while (v >= 0x80) {
      out.push((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    out.push(v);
  } else {
    while (v >= 0x80n) {
      out.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    out.push(Number(v));
  }
  return Uint8Array.from(out);
}

function tag(field: number, wire: number): Uint8Array {
  return varint(field * 8 + wire);
}

export class Message {
  private readonly parts: Part[] = [];
  private size = -1;

  /** int32/int64/enum/bool field. */
  varint(field: number, value: number | bigint): this {
    return this.push(tag(field, WIRE_VARINT), varint(value));
  }

  string(field: number, value: string): this {
    return this.bytes(field, textEncoder.encode(value));
  }

  /** Length-delimited bytes; `data` is referenced until `encode()`. */
  bytes(field: number, data: Uint8Array): this {
    return this.push(tag(field, WIRE_LEN), data, true);
  }

  float(field: number, value: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    return this.push(tag(field, WIRE_FIXED32), b);
  }

  /** Packed repeated varints (int64 lists such as dims and `ints` attributes). */
  packedVarints(field: number, values: readonly (number | bigint)[]): this {
    const encoded = values.map(varint);
    const data = new Uint8Array(encoded.reduce((n, e) => n + e.length, 0));
    let at = 0;
    for (const e of encoded) {
      data.set(e, at);
      at += e.length;
    }
    return this.bytes(field, data);
  }

  message(field: number, message: Message): this {
    this.size = -1;
    this.parts.push({ kind: 'message', tag: tag(field, WIRE_LEN), message, length: new Uint8Array(0) });
    return this;
  }

  byteLength(): number {
    if (this.size >= 0) return this.size;
    let n = 0;
    for (const p of this.parts) {
      if (p.kind === 'bytes') n += p.tag.length + p.data.length;
      else {
        const len = p.message.byteLength();
        p.length = varint(len);
        n += p.tag.length + p.length.length + len;
      }
    }
    this.size = n;
    return n;
  }

  /** The serialised message in one new buffer. */
  encode(): Uint8Array {
    const out = new Uint8Array(this.byteLength());
    const end = this.writeTo(out, 0);
    if (end !== out.length) throw new Error(`internal: protobuf size mismatch (${end} written, ${out.length} expected)`);
    return out;
  }

  private writeTo(out: Uint8Array, offset: number): number {
    let at = offset;
    this.byteLength(); // fills in nested lengths
    for (const p of this.parts) {
      out.set(p.tag, at);
      at += p.tag.length;
      if (p.kind === 'bytes') {
        out.set(p.data, at);
        at += p.data.length;
      } else {
        out.set(p.length, at);
        at += p.length.length;
        at = p.message.writeTo(out, at);
      }
    }
    return at;
  }

  private push(tagBytes: Uint8Array, value: Uint8Array, lengthDelimited = false): this {
    this.size = -1;
    if (lengthDelimited) {
      const len = varint(value.length);
      const head = new Uint8Array(tagBytes.length + len.length);
      head.set(tagBytes);
      head.set(len, tagBytes.length);
      this.parts.push({ kind: 'bytes', tag: head, data: value });
    } else {
      this.parts.push({ kind: 'bytes', tag: tagBytes, data: value });
    }
    return this;
  }
}
