/**
 * IEEE 754 binary16 and bfloat16 conversions, bit-exact and independent of `Math.f16round` (not in Node 20).
 *
 * Weights are stored as float16 for small downloads and always computed in float32, so the reader path
 * (half → float) is a table lookup and the writer path (float → half) rounds to nearest, ties to even,
 * exactly as numpy/PyTorch do, including subnormals, infinities and NaN.
 */

const scratch = new ArrayBuffer(4);
const scratchF32 = new Float32Array(scratch);
const scratchU32 = new Uint32Array(scratch);

/** Decodes one float16 bit pattern. */
export function float16BitsToFloat32(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >>> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24; // zero or subnormal
  if (exponent === 0x1f) return mantissa === 0 ? sign * Infinity : NaN;
  return sign * (1024 + mantissa) * 2 ** (exponent - 25);
}

// All 65536 half values, built once on first use: decoding a 20 MB layer is then one lookup per element.
let halfTable: Float32Array | undefined;
function table(): Float32Array {
  if (halfTable === undefined) {
    halfTable = new Float32Array(65536);
    for (let i = 0; i < 65536; i++) halfTable[i] = float16BitsToFloat32(i);
  }
  return halfTable;
}

/**
 * Encodes a number as the nearest float16 (ties to even). Values beyond the float16 range become ±Infinity,
 * values below half the smallest subnormal become ±0, NaN stays a (quiet) NaN.
 */
export function float32ToFloat16Bits(value: number): number {
  scratchF32[0] = value; // first round to float32, as the stored weights are float32
  const x = scratchU32[0];
  const sign = (x >>> 16) & 0x8000;
  const exponent = (x >>> 23) & 0xff;
  const mantissa = x & 0x7fffff;

  if (exponent === 0xff) {
    // Keep the top payload bits and force the quiet bit so a NaN never turns into Infinity.
    return mantissa === 0 ? sign | 0x7c00 : sign | 0x7e00 | (mantissa >>> 13);
  }
  const halfExponent = exponent - 127 + 15;
  if (halfExponent >= 0x1f) return sign | 0x7c00;

  if (halfExponent <= 0) {
    // Result is subnormal (or zero): value = significand · 2^(exponent−150), half subnormal unit = 2^−24.
    if (halfExponent < -10) return sign; // below half of the smallest subnormal
    const significand = mantissa | 0x800000;
    const shift = 14 - halfExponent; // 14..24
    let half = significand >>> shift;
    const remainder = significand & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (remainder > halfway || (remainder === halfway && (half & 1) === 1)) half++; // may carry into the smallest normal: still correct
    return sign | half;
  }

  let half = sign | (halfExponent << 10) | (mantissa >>> 13);
  const remainder = mantissa & 0x1fff;
  // A carry out of the mantissa increments the exponent, and out of the largest finite value gives Infinity: both right.
  if (remainder > 0x1000 || (remainder === 0x1000 && (half & 1) === 1)) half++;
  return half;
}

/** Decodes a whole array of float16 bit patterns. */
export function float16ToFloat32Array(bits: Uint16Array): Float32Array {
  const lookup = table();
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = lookup[bits[i]];
  return out;
}

/** Encodes a whole array; see `float32ToFloat16Bits` for rounding. */
export function float32ToFloat16Array(values: ArrayLike<number>): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = float32ToFloat16Bits(values[i]);
  return out;
}

/** bfloat16 is the top half of a float32, so widening is a shift. */
export function bfloat16BitsToFloat32(bits: number): number {
  scratchU32[0] = (bits & 0xffff) << 16;
  return scratchF32[0];
}

export function bfloat16ToFloat32Array(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  const outBits = new Uint32Array(out.buffer);
  for (let i = 0; i < bits.length; i++) outBits[i] = bits[i] << 16;
  return out;
}

/** Largest finite float16, for callers that want to check a range before writing. */
export const FLOAT16_MAX = 65504;
