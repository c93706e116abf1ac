import { describe, expect, it } from 'vitest';
import { WeightsError } from './errors.js';
import { crc32, readZip } from './zip.js';

/** A one-entry stored archive, written by hand per APPNOTE 6.3 (optionally with zip64 sizes and a comment). */
function archive(name: string, data: Uint8Array, { zip64 = false, comment = '' } = {}): Uint8Array {
  const nameBytes = new TextEncoder().encode(name);
  const parts: number[] = [];
  const u16 = (n: number) => parts.push(n & 0xff, (n >>> 8) & 0xff);
  const u32 = (n: number) => parts.push(n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff);
  const u64 = (n: number) => (u32(n >>> 0), u32(Math.floor(n / 2 ** 32)));
  const crc = crc32(data);
  // local header with 3 bytes of padding in its extra field, as PyTorch pads for alignment
  u32(0x04034b50); u16(20); u16(0); u16(0); u16(0); u16(0); u32(crc); u32(data.length); u32(data.length);
  u16(nameBytes.length); u16(7); parts.push(...nameBytes); u16(0xcafe); u16(3); parts.push(0, 0, 0);
  parts.push(...data);
  const directoryOffset = parts.length;
  u32(0x02014b50); u16(45); u16(45); u16(0); u16(0); u16(0); u16(0); u32(crc);
  u32(zip64 ? 0xffffffff : data.length); u32(zip64 ? 0xffffffff : data.length);
  u16(nameBytes.length); u16(zip64 ? 28 : 0); u16(0); u16(0); u16(0); u32(0); u32(zip64 ? 0xffffffff : 0);
  parts.push(...nameBytes);
  if (zip64) (u16(1), u16(24), u64(data.length), u64(data.length), u64(0));
  const directorySize = parts.length - directoryOffset;
  if (zip64) {
    const record = parts.length;
    u32(0x06064b50); u64(44); u16(45); u16(45); u32(0); u32(0); u64(1); u64(1); u64(directorySize); u64(directoryOffset);
    u32(0x07064b50); u32(0); u64(record); u32(1);
  }
  const commentBytes = new TextEncoder().encode(comment);
  u32(0x06054b50); u16(0); u16(0); u16(zip64 ? 0xffff : 1); u16(zip64 ? 0xffff : 1);
  u32(zip64 ? 0xffffffff : directorySize); u32(zip64 ? 0xffffffff : directoryOffset); u16(commentBytes.length);
  parts.push(...commentBytes);
  return Uint8Array.from(parts);
}

describe('zip', () => {
  it('computes the standard CRC-32 check value', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });

  it('reads a stored entry, using the local header’s own extra length', () => {
    const entries = readZip(archive('a/data.pkl', Uint8Array.from([1, 2, 3])));
    expect(Array.from(entries.get('a/data.pkl')!.data)).toEqual([1, 2, 3]);
  });

  it('finds the end record behind an archive comment', () => {
    const entries = readZip(archive('x', Uint8Array.from([9]), { comment: 'PK\u0005\u0006 not a record' }));
    expect(Array.from(entries.get('x')!.data)).toEqual([9]);
  });

  it('reads zip64 sizes and offsets', () => {
    const entries = readZip(archive('big', Uint8Array.from([4, 5]), { zip64: true }));
    expect(Array.from(entries.get('big')!.data)).toEqual([4, 5]);
  });

  it('rejects a CRC mismatch as corrupt, naming the file', () => {
    const bytes = archive('x', Uint8Array.from([1, 2, 3]));
    bytes[bytes.indexOf(1, 30)] = 7;
    try {
      readZip(bytes, { file: 'f.pth' });
      throw new Error('expected a WeightsError');
    } catch (e) {
      expect(e).toBeInstanceOf(WeightsError);
      expect((e as WeightsError).code).toBe('corrupt');
      expect((e as WeightsError).message).toMatch(/^f\.pth: zip archive: entry `x` fails its CRC-32 check/);
    }
  });
});
