/**
 * Seeded mutations for the loaders' fuzz test: generic damage (truncation, byte flips, repeated slices) and
 * format-aware damage (inflated length fields of zip records, pickle opcodes and safetensors headers, repeated
 * zip entries). Deterministic: the same seed gives the same bytes on every machine.
 */

export type Rand = () => number;

/** A seeded damage: new bytes from old (the input is never modified). */
export type Mutation = (bytes: Uint8Array, rand: Rand) => Uint8Array;

/** mulberry32: a tiny, well-mixed 32-bit PRNG. */
export function seeded(seed: number): Rand {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

const int = (rand: Rand, n: number) => Math.floor(rand() * n);

/** Values that break length arithmetic: saturated, sign-flipping, just past the file, huge. */
function hostileLength(rand: Rand, fileLength: number): number {
  const menu = [
    0xffffffff,
    0x7fffffff,
    0x80000000,
    fileLength,
    fileLength + 1,
    fileLength * 2,
    0x10000,
    0xffff,
    1 << 30,
    int(rand, 2 ** 32),
  ];
  return menu[int(rand, menu.length)] >>> 0;
}

export function truncate(bytes: Uint8Array, rand: Rand): Uint8Array {
  return bytes.slice(0, int(rand, bytes.length));
}

export function flipBytes(bytes: Uint8Array, rand: Rand): Uint8Array {
  const out = bytes.slice();
  for (let n = 1 + int(rand, 8); n > 0; n--) out[int(rand, out.length)] ^= 1 + int(rand, 255);
  return out;
}

/** A slice of the file inserted again right after itself. */
export function repeatSlice(bytes: Uint8Array, rand: Rand): Uint8Array {
  const start = int(rand, bytes.length);
  const end = Math.min(bytes.length, start + 1 + int(rand, 256));
  const out = new Uint8Array(bytes.length + end - start);
  out.set(bytes.subarray(0, end));
  out.set(bytes.subarray(start), end);
  return out;
}

/** Writes a hostile u32 at one of `offsets` (the format's length and offset fields). */
export function inflateField(bytes: Uint8Array, rand: Rand, offsets: readonly number[]): Uint8Array {
  const out = bytes.slice();
  const usable = offsets.filter((o) => o + 4 <= out.length);
  const at = usable.length > 0 ? usable[int(rand, usable.length)] : int(rand, Math.max(1, out.length - 4));
  new DataView(out.buffer).setUint32(at, hostileLength(rand, bytes.length), true);
  return out;
}

const SIGNATURES = { local: 0x04034b50, central: 0x02014b50, end: 0x06054b50 };

function signatureOffsets(bytes: Uint8Array, signature: number): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const found: number[] = [];
  for (let at = 0; at + 4 <= bytes.length; at++) if (view.getUint32(at, true) === signature) found.push(at);
  return found;
}

/** Every size, length, count and offset field of a zip's local headers, central directory and end record. */
export function zipFields(bytes: Uint8Array): number[] {
  const fields: number[] = [];
  for (const at of signatureOffsets(bytes, SIGNATURES.local)) fields.push(at + 18, at + 22, at + 26);
  for (const at of signatureOffsets(bytes, SIGNATURES.central)) fields.push(at + 20, at + 24, at + 28, at + 30, at + 42);
  for (const at of signatureOffsets(bytes, SIGNATURES.end)) fields.push(at + 8, at + 10, at + 12, at + 16);
  return fields;
}

/**
 * One central-directory entry repeated: inserted again after itself, with the end record's counts and
 * directory size raised to match, so the archive stays well-formed apart from the repetition.
 */
export function repeatZipEntry(bytes: Uint8Array, rand: Rand): Uint8Array {
  const centrals = signatureOffsets(bytes, SIGNATURES.central);
  const ends = signatureOffsets(bytes, SIGNATURES.end);
  if (centrals.length === 0 || ends.length === 0) return repeatSlice(bytes, rand);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const at = centrals[int(rand, centrals.length)];
  const length = 46 + view.getUint16(at + 28, true) + view.getUint16(at + 30, true) + view.getUint16(at + 32, true);
  const copies = 1 + int(rand, 3);
  const out = new Uint8Array(bytes.length + copies * length);
  out.set(bytes.subarray(0, at + length));
  for (let c = 1; c <= copies; c++) out.set(bytes.subarray(at, at + length), at + c * length);
  out.set(bytes.subarray(at + length), at + (copies + 1) * length);
  const end = ends[ends.length - 1] + copies * length;
  const outView = new DataView(out.buffer);
  outView.setUint16(end + 8, outView.getUint16(end + 8, true) + copies, true);
  outView.setUint16(end + 10, outView.getUint16(end + 10, true) + copies, true);
  outView.setUint32(end + 12, outView.getUint32(end + 12, true) + copies * length, true);
  return out;
}

/** Opcodes followed by a 4-byte length or index (BINUNICODE, BINBYTES, BINSTRING, LONG4, LONG_BINPUT/GET, BININT). */
const PICKLE_U32_OPCODES = new Set([0x58, 0x42, 0x54, 0x8b, 0x72, 0x6a, 0x4a]);

/** Where a pickle (anywhere in the bytes: legacy files hold several) may carry a 4-byte length. */
export function pickleFields(bytes: Uint8Array): number[] {
  const fields: number[] = [];
  for (let at = 0; at + 5 <= bytes.length; at++) if (PICKLE_U32_OPCODES.has(bytes[at])) fields.push(at + 1);
  return fields;
}

/** The safetensors header length, and every integer in its JSON (shapes, offsets) replaced by a hostile one. */
export function inflateSafetensors(bytes: Uint8Array, rand: Rand): Uint8Array {
  if (rand() < 0.3 || bytes.length < 8) return inflateField(bytes, rand, [0, 4]);
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, true);
  const header = new TextDecoder().decode(bytes.subarray(8, 8 + headerLength));
  const inflated = inflateJsonNumber(header, rand);
  const json = new TextEncoder().encode(inflated);
  const out = new Uint8Array(8 + json.length + bytes.length - 8 - headerLength);
  new DataView(out.buffer).setUint32(0, json.length, true);
  out.set(json, 8);
  out.set(bytes.subarray(8 + headerLength), 8 + json.length);
  return out;
}

/** One number of a JSON text replaced by a hostile value (huge, negative, fractional, beyond 2^53, nested 10,000 deep). */
export function inflateJsonNumber(text: string, rand: Rand): string {
  const numbers = [...text.matchAll(/-?\d+(\.\d+)?(e[+-]?\d+)?/gi)];
  if (numbers.length === 0) return text;
  const pick = numbers[int(rand, numbers.length)];
  const menu = [
    '4294967295',
    '9007199254740993',
    '1e308',
    '-1',
    '0.5',
    '1073741824',
    '0',
    String(int(rand, 2 ** 31)),
    `${'['.repeat(1e4)}${']'.repeat(1e4)}`,
  ];
  return text.slice(0, pick.index) + menu[int(rand, menu.length)] + text.slice(pick.index! + pick[0].length);
}

/**
 * Mutates the bytes of one zip entry in place (same length) with `mutate`, then rewrites its CRC-32 in the
 * local and central headers, so the damage reaches the parser behind the CRC check (data.pkl's unpickler).
 */
export function resealedZipEntry(
  bytes: Uint8Array,
  rand: Rand,
  name: RegExp,
  mutate: Mutation,
  crc32: (data: Uint8Array) => number,
): Uint8Array {
  const out = bytes.slice();
  const view = new DataView(out.buffer);
  const names = new TextDecoder();
  for (const central of signatureOffsets(out, SIGNATURES.central)) {
    const entryName = names.decode(out.subarray(central + 46, central + 46 + view.getUint16(central + 28, true)));
    if (!name.test(entryName)) continue;
    const local = view.getUint32(central + 42, true);
    const size = view.getUint32(central + 24, true);
    const start = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
    const data = mutate(out.slice(start, start + size), rand).subarray(0, size);
    out.set(data, start);
    const crc = crc32(out.subarray(start, start + size));
    view.setUint32(local + 14, crc, true);
    view.setUint32(central + 16, crc, true);
    return out;
  }
  return out;
}
