import { describe, expect, it } from 'vitest';
import { WeightsError } from './errors.js';
import { storedZip, type ZipWriterOptions } from './test-utils/zip-writer.js';
import { crc32, readZip } from './zip.js';

function archive(name: string, data: Uint8Array, options: ZipWriterOptions = {}): Uint8Array {
  return storedZip([{ name, data }], options);
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
