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

export function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

export function readZip(input: Uint8Array, options: { file?: string } = {}): Map<string, ZipEntry> {
  const bytes = asBytes(input);
  const label = fileLabel(options.file);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const corrupt = (message: string) => new WeightsError('corrupt', `${label}zip archive: ${message}`, { file: options.file });
  const truncated = (message: string) => new WeightsError('truncated', `${label}zip archive: ${message} (truncated file?)`, { file: options.file });
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
  if (directoryOffset + directorySize > bytes.length) throw truncated('central directory lies beyond the end of the file');

  const entries = new Map<string, ZipEntry>();
  const names = new TextDecoder();
  let at = directoryOffset;
  for (let i = 0; i < count; i++) {
    if (at + 46 > bytes.length || view.getUint32(at, true) !== CENTRAL) throw corrupt(`central directory entry ${i} is malformed`);
    const method = view.getUint16(at + 10, true);
    const crc = view.getUint32(at + 16, true);
    let compressedSize = view.getUint32(at + 20, true);
    let size = view.getUint32(at + 24, true);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    let localOffset = view.getUint32(at + 42, true);
    const name = names.decode(bytes.subarray(at + 46, at + 46 + nameLength));

    // Zip64 extended information: only the fields whose 32-bit slot is saturated are present, in this order.
    let extra = at + 46 + nameLength;
    const extraEnd = extra + extraLength;
    while (extra + 4 <= extraEnd) {
      const id = view.getUint16(extra, true);
      const length = view.getUint16(extra + 2, true);
      if (id === 0x0001) {
        let field = extra + 4;
        if (size === 0xffffffff) (size = u64(field)), (field += 8);
        if (compressedSize === 0xffffffff) (compressedSize = u64(field)), (field += 8);
        if (localOffset === 0xffffffff) localOffset = u64(field);
      }
      extra += 4 + length;
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
    if (localOffset + 30 > bytes.length) throw truncated(`entry \`${name}\` starts beyond the end of the file`);
    if (view.getUint32(localOffset, true) !== LOCAL) throw corrupt(`entry \`${name}\` has no local header at offset ${localOffset}`);
    // The local header's extra field differs from the central one (PyTorch pads it for alignment): use its own lengths.
    const dataStart = localOffset + 30 + view.getUint16(localOffset + 26, true) + view.getUint16(localOffset + 28, true);
    if (dataStart + size > bytes.length) throw truncated(`entry \`${name}\` (${size} bytes) runs past the end of the file`);
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
