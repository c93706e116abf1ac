/**
 * PyTorch's source-index rule for `interpolate(mode='nearest')` (aten/src/ATen/native/UpSample.h,
 * nearest_idx): identity when sizes match, `dst >> 1` when doubling, otherwise
 * min(floorf(dst · (float)(in / out)), in − 1) with the scale and the product rounded to float32.
 * The float32 rounding matters: 2 → 82 maps dst 41 to 0, not to 1 as exact arithmetic would.
 */
export function nearestSourceIndices(inSize: number, outSize: number): Int32Array {
  const out = new Int32Array(outSize);
  if (outSize === inSize) {
    for (let i = 0; i < outSize; i++) out[i] = i;
  } else if (outSize === 2 * inSize) {
    for (let i = 0; i < outSize; i++) out[i] = i >> 1;
  } else {
    const scale = Math.fround(inSize / outSize);
    for (let i = 0; i < outSize; i++) out[i] = Math.min(Math.floor(Math.fround(i * scale)), inSize - 1);
  }
  return out;
}
