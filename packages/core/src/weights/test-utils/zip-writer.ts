/**
 * Hand-written stored (uncompressed) zip archives per APPNOTE 6.3, as PyTorch writes them, plus the damage
 * hostile tests need: central-directory aliases of one record, arbitrary central extra fields.
 */
import { crc32 } from '../zip.js';

export interface ZipWriterEntry {
  readonly name: string;
  readonly data: Uint8Array;
}

export interface ZipWriterOptions {
  /** Sizes and offsets in a zip64 extra field (and a zip64 end record). */
  readonly zip64?: boolean;
  readonly comment?: string;
  /** Extra central-directory entries, named `<first name>.<i>`, that all point at the first record. */
  readonly aliasesOfFirst?: number;
  /** The central extra field of entry `i` (replaces the zip64 one). */
  readonly centralExtra?: (index: number) => Uint8Array | undefined;
}

export function storedZip(entries: readonly ZipWriterEntry[], options: ZipWriterOptions = {}): Uint8Array {
  const zip64 = options.zip64 === true;
  const encoder = new TextEncoder();
  const chunks: Uint8Array[] = [];
  let length = 0;
  const small: number[] = [];
  const flush = () => {
    if (small.length === 0) return;
    chunks.push(Uint8Array.from(small));
    length += small.length;
    small.length = 0;
  };
  const u16 = (n: number) => small.push(n & 0xff, (n >>> 8) & 0xff);
  const u32 = (n: number) => small.push(n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff);
  const u64 = (n: number) => (u32(n >>> 0), u32(Math.floor(n / 2 ** 32)));
  const raw = (bytes: Uint8Array) => (flush(), chunks.push(bytes), (length += bytes.length));
  const here = () => length + small.length;

  const records: Array<{ name: Uint8Array; crc: number; size: number; offset: number }> = [];
  for (const entry of entries) {
    const name = encoder.encode(entry.name);
    const crc = crc32(entry.data);
    const offset = here();
    // Local header with 3 bytes of padding in its extra field, as PyTorch pads for alignment.
    u32(0x04034b50);
    u16(20);
    u16(0);
    u16(0);
    u16(0);
    u16(0);
    u32(crc);
    u32(entry.data.length);
    u32(entry.data.length);
    u16(name.length);
    u16(7);
    raw(name);
    u16(0xcafe);
    u16(3);
    small.push(0, 0, 0);
    raw(entry.data);
    records.push({ name, crc, size: entry.data.length, offset });
  }
  const aliases = options.aliasesOfFirst ?? 0;
  for (let i = 0; i < aliases; i++) records.push({ ...records[0], name: encoder.encode(`${entries[0].name}.${i}`) });

  const directoryOffset = here();
  records.forEach((r, i) => {
    const extra = options.centralExtra?.(i);
    u32(0x02014b50);
    u16(45);
    u16(45);
    u16(0);
    u16(0);
    u16(0);
    u16(0);
    u32(r.crc);
    u32(zip64 ? 0xffffffff : r.size);
    u32(zip64 ? 0xffffffff : r.size);
    u16(r.name.length);
    u16(extra?.length ?? (zip64 ? 28 : 0));
    u16(0);
    u16(0);
    u16(0);
    u32(0);
    u32(zip64 ? 0xffffffff : r.offset);
    raw(r.name);
    if (extra !== undefined) raw(extra);
    else if (zip64) {
      u16(1);
      u16(24);
      u64(r.size);
      u64(r.size);
      u64(r.offset);
    }
  });
  const directorySize = here() - directoryOffset;
  const count = records.length;
  if (zip64) {
    const record = here();
    u32(0x06064b50);
    u64(44);
    u16(45);
    u16(45);
    u32(0);
    u32(0);
    u64(count);
    u64(count);
    u64(directorySize);
    u64(directoryOffset);
    u32(0x07064b50);
    u32(0);
    u64(record);
    u32(1);
  }
  const comment = encoder.encode(options.comment ?? '');
  u32(0x06054b50);
  u16(0);
  u16(0);
  u16(zip64 ? 0xffff : count);
  u16(zip64 ? 0xffff : count);
  u32(zip64 ? 0xffffffff : directorySize);
  u32(zip64 ? 0xffffffff : directoryOffset);
  u16(comment.length);
  raw(comment);
  flush();
  const out = new Uint8Array(length);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
