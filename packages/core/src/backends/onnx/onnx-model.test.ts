import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { encodeModel, type OnnxInitializer } from './onnx-model.js';

/** y = DequantizeLinear(q, scale, zero point): ORT reads the integer initializers back exactly as written. */
async function dequantize(q: OnnxInitializer, zero: OnnxInitializer): Promise<number[]> {
  const model = encodeModel({
    name: 'dq',
    inputs: [],
    outputs: [{ name: 'y', dataType: 'float32', dims: q.dims }],
    initializers: [q, zero, { name: 's', dataType: 'float32', dims: [], data: Float32Array.of(0.5) }],
    nodes: [{ opType: 'DequantizeLinear', inputs: [q.name, 's', zero.name], outputs: ['y'] }],
  });
  const session = await ort.InferenceSession.create(model);
  try {
    return [...((await session.run({})).y?.data as Float32Array)];
  } finally {
    await session.release();
  }
}

describe('ONNX model encoding', () => {
  it('writes int8, uint8 and int32 initializers that ONNX Runtime reads back (the int8 kernels need them)', async () => {
    const s8 = Int8Array.of(-128, -1, 0, 1, 127);
    expect(
      await dequantize(
        { name: 'q', dataType: 'int8', dims: [5], data: s8 },
        { name: 'z', dataType: 'int8', dims: [], data: Int8Array.of(1) },
      ),
    ).toEqual([-64.5, -1, -0.5, 0, 63]);
    const u8 = Uint8Array.of(0, 128, 255);
    expect(
      await dequantize(
        { name: 'q', dataType: 'uint8', dims: [3], data: u8 },
        { name: 'z', dataType: 'uint8', dims: [], data: Uint8Array.of(128) },
      ),
    ).toEqual([-64, 0, 63.5]);
    const s32 = Int32Array.of(-70000, 3, 70001);
    expect(
      await dequantize(
        { name: 'q', dataType: 'int32', dims: [3], data: s32 },
        { name: 'z', dataType: 'int32', dims: [], data: Int32Array.of(0) },
      ),
    ).toEqual([-35000, 1.5, 35000.5]);
  });
});
