import { describe, expect, it } from 'vitest';
import { DTYPE_BYTES, widenPortable, widenToFloat32 } from './dtype.js';
import type { StorageDtype } from './types.js';

describe('widenToFloat32', () => {
  it('the typed-array path and the DataView (big-endian host) path agree for every dtype, from unaligned input', () => {
    const raw = new Uint8Array(1 + 8 * 64);
    for (let i = 0; i < raw.length; i++) raw[i] = (i * 97 + 13) & 0xff;
    const unaligned = raw.subarray(1);
    for (const dtype of Object.keys(DTYPE_BYTES) as StorageDtype[]) {
      const count = Math.floor(unaligned.length / DTYPE_BYTES[dtype]);
      const fast = widenToFloat32(unaligned, dtype, count);
      const portable = widenPortable(unaligned, dtype, count);
      expect(Array.from(fast), dtype).toEqual(Array.from(portable));
    }
  });

  it('never returns a view of the input', () => {
    const bytes = new Uint8Array(new Float32Array([1, 2]).buffer);
    const out = widenToFloat32(bytes, 'float32', 2);
    bytes.fill(0);
    expect(Array.from(out)).toEqual([1, 2]);
  });

  it('widens int64 beyond 2^32 and negative values', () => {
    const bytes = new Uint8Array(new BigInt64Array([-1n, 2n ** 40n + 3n, -(2n ** 35n)]).buffer);
    expect(Array.from(widenToFloat32(bytes, 'int64', 3))).toEqual([-1, 2 ** 40, -(2 ** 35)]);
  });
});
