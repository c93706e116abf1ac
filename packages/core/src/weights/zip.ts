/**
 * A minimal zip reader for PyTorch ≥ 1.6 checkpoints: central directory (zip64 included), stored entries only.
 *
 * PyTorch writes every record uncompressed (and 64-byte aligned) so tensors can be memory-mapped; a deflated
 * entry means the archive was re-zipped by another tool, which we refuse with a message instead of shipping an
 * inflater in core. CRC-32 is checked so a corrupted download fails here rather than as garbage weights.
 */
import { asBytes } from './dtype.js';
import { fileLabel, WeightsError } from './errors.js';

export interface ZipEntry {
  readonly name: string;
  /** A view into the archive bytes (not a copy). */
  readonly data: Uint8Array;
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

/** More central-directory entries than any checkpoint has (torch writes one per storage, plus four). */
export const MAX_ZIP_ENTRIES = 1 << 20;

/** A central-directory entry's bytes are at least this long. */
const CENTRAL_HEADER_BYTES = 46;

export function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

/**
 * Reads the archive's entries. Bounded by the file: every offset and length is checked before it is read, the
 * entries' local records must not overlap one another or the central directory (so the CRC pass reads each
 * byte once and the entries' total size cannot exceed the file's), and names must be unique.
 */
export function readZip(input: Uint8Array, options: { file?: string } = {}): Map<string, ZipEntry> {
  const bytes = asBytes(input);
  const label = fileLabel(options.file);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const corrupt = (message: string) => new WeightsError('corrupt', `${label}zip archive: ${message}`, { file: options.file });
  const overlap = (a: string, b: string, at: number) =>
    corrupt(`entries \`${a}\` and \`${b}\` overlap (at byte ${at}); an archive whose entries share data is malformed or hostile`);
  const truncated = (message: string) =>
    new WeightsError('truncated', `${label}zip archive: ${message} (truncated file?)`, { file: options.file });
  const u64 = (at: number) => {
    const high = view.getUint32(at + 4, true);
    if (high > 0x1fffff) throw corrupt('a 64-bit size or offset is implausibly large');
    return high * 2 ** 32 + view.getUint32(at, true);
  };

  // The end-of-central-directory record sits in the last 22 + 65535 (max comment) bytes.
  let eocd = -1;
  for (let at = bytes.length - 22; at >= Math.max(0, bytes.length - 22 - 65535); at--) {
    if (view.getUint32(at, true) === EOCD) {
      eocd = at;
      break;
    }
  }
  if (eocd < 0) throw truncated(`no end-of-central-directory record in the last ${Math.min(bytes.length, 65557)} bytes`);

  let count = view.getUint16(eocd + 10, true);
  let directorySize = view.getUint32(eocd + 12, true);
  let directoryOffset = view.getUint32(eocd + 16, true);
  if (count === 0xffff || directorySize === 0xffffffff || directoryOffset === 0xffffffff) {
    const locator = eocd - 20;
    if (locator < 0 || view.getUint32(locator, true) !== ZIP64_LOCATOR) throw corrupt('zip64 sizes without a zip64 locator');
    const record = u64(locator + 8);
    if (record + 56 > bytes.length || view.getUint32(record, true) !== ZIP64_EOCD) throw corrupt('zip64 end record missing');
    count = u64(record + 32);
    directorySize = u64(record + 40);
    directoryOffset = u64(record + 48);
  }
  const directoryEnd = directoryOffset + directorySize;
  if (directoryEnd > bytes.length) throw truncated('central directory lies beyond the end of the file');
  if (count > MAX_ZIP_ENTRIES) {
    throw new WeightsError('limit-exceeded', `${label}zip archive: ${count} entries, more than this reader accepts (${MAX_ZIP_ENTRIES})`, {
      file: options.file,
    });
  }
  if (count * CENTRAL_HEADER_BYTES > directorySize)
    throw corrupt(`${count} entries cannot fit in a ${directorySize}-byte central directory`);

  interface Located {
    readonly name: string;
    readonly crc: number;
    /** The local header's offset: the entry occupies [start, dataStart + size). */
    readonly start: number;
    readonly dataStart: number;
    readonly size: number;
  }
  const located: Located[] = [];
  const seen = new Set<string>();
  // Local header offsets seen so far: entries aliasing one record are caught here, at the second one, rather
  // than after the whole directory is read (the sort below catches partial overlaps).
  const starts = new Map<number, string>();
  const names = new TextDecoder();
  let at = directoryOffset;
  for (let i = 0; i < count; i++) {
    if (at + CENTRAL_HEADER_BYTES > directoryEnd || view.getUint32(at, true) !== CENTRAL)
      throw corrupt(`central directory entry ${i} is malformed`);
    const method = view.getUint16(at + 10, true);
    const crc = view.getUint32(at + 16, true);
    let compressedSize = view.getUint32(at + 20, true);
    let size = view.getUint32(at + 24, true);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    let localOffset = view.getUint32(at + 42, true);
    const nameStart = at + CENTRAL_HEADER_BYTES;
    let extra = nameStart + nameLength;
    const extraEnd = extra + extraLength;
    if (extraEnd + commentLength > directoryEnd) {
      throw corrupt(
        `central directory entry ${i}'s name, extra field or comment (${nameLength} + ${extraLength} + ${commentLength} bytes) runs past the directory`,
      );
    }
    const name = names.decode(bytes.subarray(nameStart, extra));

    // Zip64 extended information: only the fields whose 32-bit slot is saturated are present, in this order.
    while (extra < extraEnd) {
      if (extra + 4 > extraEnd) throw corrupt(`entry \`${name}\` has a truncated extra field`);
      const id = view.getUint16(extra, true);
      const length = view.getUint16(extra + 2, true);
      const fieldEnd = extra + 4 + length;
      if (fieldEnd > extraEnd)
        throw corrupt(`entry \`${name}\` has an extra field of ${length} bytes that runs past its ${extraLength}-byte extra area`);
      if (id === 0x0001) {
        let field = extra + 4;
        const next = () => {
          if (field + 8 > fieldEnd) throw corrupt(`entry \`${name}\` has a zip64 extra field too short for its saturated sizes`);
          field += 8;
          return u64(field - 8);
        };
        if (size === 0xffffffff) size = next();
        if (compressedSize === 0xffffffff) compressedSize = next();
        if (localOffset === 0xffffffff) localOffset = next();
      }
      extra = fieldEnd;
    }
    at = extraEnd + commentLength;

    if (method !== 0) {
      throw new WeightsError(
        'unsupported-format',
        `${label}zip entry \`${name}\` is compressed (method ${method}); PyTorch stores entries uncompressed, so this archive was re-packed by another tool — re-save it with torch.save`,
        { file: options.file },
      );
    }
    if (compressedSize !== size) throw corrupt(`stored entry \`${name}\` has different compressed and uncompressed sizes`);
    if (seen.has(name)) throw corrupt(`entry \`${name}\` appears twice`);
    seen.add(name);
    const alias = starts.get(localOffset);
    if (alias !== undefined) throw overlap(alias, name, localOffset);
    starts.set(localOffset, name);
    if (localOffset + 30 > bytes.length) throw truncated(`entry \`${name}\` starts beyond the end of the file`);
    if (view.getUint32(localOffset, true) !== LOCAL) throw corrupt(`entry \`${name}\` has no local header at offset ${localOffset}`);
    // The local header's extra field differs from the central one (PyTorch pads it for alignment): use its own lengths.
    const dataStart = localOffset + 30 + view.getUint16(localOffset + 26, true) + view.getUint16(localOffset + 28, true);
    if (dataStart + size > bytes.length) throw truncated(`entry \`${name}\` (${size} bytes) runs past the end of the file`);
    located.push({ name, crc, start: localOffset, dataStart, size });
  }

  // Entries may not share bytes with each other or the directory: this is what bounds the CRC pass (and any
  // later copy) by the file size, whatever the directory claims.
  const byStart = [...located].sort((a, b) => a.start - b.start);
  let previous: Located | undefined;
  for (const entry of byStart) {
    if (previous !== undefined && entry.start < previous.dataStart + previous.size) {
      throw overlap(previous.name, entry.name, entry.start);
    }
    if (entry.start < directoryEnd && entry.dataStart + entry.size > directoryOffset) {
      throw corrupt(`entry \`${entry.name}\` overlaps the central directory`);
    }
    previous = entry;
  }

  const entries = new Map<string, ZipEntry>();
  for (const { name, crc, dataStart, size } of located) {
    const data = bytes.subarray(dataStart, dataStart + size);
    if (crc32(data) !== crc) throw corrupt(`entry \`${name}\` fails its CRC-32 check (corrupted download?)`);
    entries.set(name, { name, data });
  }
  return entries;
}

let crcTable: Uint32Array | undefined;

export function crc32(data: Uint8Array): number {
  if (crcTable === undefined) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  const table = crcTable;
  let crc = 0xffffffff;
  for (let i = 0; i < data.length; i++) crc = table[(crc ^ data[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
