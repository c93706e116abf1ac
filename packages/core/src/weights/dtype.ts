/**
 * Storage dtypes: their sizes and the one routine that widens little-endian stored elements to float32.
 * Shared by the safetensors and .pth readers so both formats widen identically.
 */
import { fileLabel, WeightsError } from './errors.js';
import { float16ToFloat32Array as halfBits } from './float16.js';
import type { StorageDtype } from './types.js';

export const DTYPE_BYTES: Readonly<Record<StorageDtype, number>> = {
  float64: 8,
  float32: 4,
  float16: 2,
  bfloat16: 2,
  int64: 8,
  int32: 4,
  int16: 2,
  int8: 1,
  uint8: 1,
  bool: 1,
};

export const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Widens `count` little-endian elements starting at `bytes[0]` to a new Float32Array (never a view of
 * `bytes`, so the caller may drop the file buffer). `bytes` must hold at least `count` elements.
 */
export function widenToFloat32(bytes: Uint8Array, dtype: StorageDtype, count: number): Float32Array {
  const size = DTYPE_BYTES[dtype];
  if (!HOST_LITTLE_ENDIAN) return widenPortable(bytes, dtype, count);
  // Copying first gives an aligned buffer whatever bytes.byteOffset is, which typed-array views require.
  // (An explicit copy: Node's Buffer.slice returns a view, not a copy.)
  const copy = new Uint8Array(count * size);
  copy.set(bytes.subarray(0, count * size));
  const buffer = copy.buffer;
  switch (dtype) {
    case 'float32':
      return new Float32Array(buffer, 0, count);
    case 'float64':
      return Float32Array.from(new Float64Array(buffer, 0, count));
    case 'float16':
      return halfBits(new Uint16Array(buffer, 0, count));
    case 'bfloat16': {
      const bits = new Uint16Array(buffer, 0, count);
      const out = new Float32Array(count);
      const outBits = new Uint32Array(out.buffer);
      for (let i = 0; i < count; i++) outBits[i] = bits[i] << 16;
      return out;
    }
    case 'int64': {
      const words = new Int32Array(buffer, 0, count * 2);
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = (words[2 * i] >>> 0) + words[2 * i + 1] * 4294967296;
      return out;
    }
    case 'int32':
      return Float32Array.from(new Int32Array(buffer, 0, count));
    case 'int16':
      return Float32Array.from(new Int16Array(buffer, 0, count));
    case 'int8':
      return Float32Array.from(new Int8Array(buffer, 0, count));
    case 'uint8':
    case 'bool':
      return Float32Array.from(copy);
  }
}

/** Big-endian hosts are rare but real (some embedded browsers): read element by element through a DataView. Exported for tests. */
export function widenPortable(bytes: Uint8Array, dtype: StorageDtype, count: number): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(count);
  const bits16 = new Uint16Array(count);
  for (let i = 0; i < count; i++) {
    switch (dtype) {
      case 'float64':
        out[i] = view.getFloat64(i * 8, true);
        break;
      case 'float32':
        out[i] = view.getFloat32(i * 4, true);
        break;
      case 'float16':
        bits16[i] = view.getUint16(i * 2, true);
        break;
      case 'bfloat16':
        out[i] = new Float32Array(new Uint32Array([view.getUint16(i * 2, true) << 16]).buffer)[0];
        break;
      case 'int64':
        out[i] = Number(view.getBigInt64(i * 8, true));
        break;
      case 'int32':
        out[i] = view.getInt32(i * 4, true);
        break;
      case 'int16':
        out[i] = view.getInt16(i * 2, true);
        break;
      case 'int8':
        out[i] = view.getInt8(i);
        break;
      case 'uint8':
      case 'bool':
        out[i] = view.getUint8(i);
        break;
    }
  }
  return dtype === 'float16' ? halfBits(bits16) : out;
}

/**
 * A plain Uint8Array view of the caller's bytes. Node's Buffer is a Uint8Array whose `slice` does not copy;
 * viewing it as a plain Uint8Array makes `slice` copy as everywhere else.
 */
export function asBytes(input: Uint8Array | ArrayBuffer): Uint8Array {
  return input instanceof Uint8Array ? new Uint8Array(input.buffer, input.byteOffset, input.byteLength) : new Uint8Array(input);
}

/** The dtypes whose values can be NaN or ±Infinity. */
const FLOATING: ReadonlySet<StorageDtype> = new Set(['float64', 'float32', 'float16', 'bfloat16']);

/**
 * Throws 'non-finite' at the first NaN or ±Infinity of a tensor read from `dtype` storage: such weights give an
 * all-black or garbage picture with no other sign, so every reader refuses them unless asked not to.
 */
export function assertFinite(data: Float32Array, dtype: StorageDtype, key: string, file: string | undefined): void {
  if (!FLOATING.has(dtype)) return;
  for (let i = 0; i < data.length; i++) {
    // x - x is 0 for finite x and NaN for NaN and ±Infinity: one comparison per element.
    if (data[i] - data[i] !== 0) {
      throw new WeightsError(
        'non-finite',
        `${fileLabel(file)}tensor \`${key}\` holds ${data[i]} at index ${i}; weights must be finite (a diverged training run or a damaged export?)`,
        { file },
      );
    }
  }
}
