import { describe, expect, it } from 'vitest';
import { WeightsError } from './errors.js';
import { float16BitsToFloat32, float32ToFloat16Bits } from './float16.js';
import { readSafetensors, writeSafetensors } from './safetensors.js';
import type { WeightTensor } from './types.js';

/** Builds a safetensors file by hand so the reader is tested against the spec, not against our writer. */
function build(header: Record<string, unknown>, data: Uint8Array, pad = 0): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header) + ' '.repeat(pad));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setUint32(0, json.length, true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

function bytesOf(...parts: ArrayBufferView[]): Uint8Array {
  const total = parts.reduce((n, p) => n + p.byteLength, 0);
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(new Uint8Array(p.buffer, p.byteOffset, p.byteLength), o);
    o += p.byteLength;
  }
  return out;
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(WeightsError);
    return (e as WeightsError).code;
  }
  throw new Error('expected a WeightsError');
}

const t = (shape: number[], values: number[]): WeightTensor => ({ shape, data: new Float32Array(values) });

describe('readSafetensors', () => {
  it('widens every supported dtype to float32', () => {
    const f64 = new Float64Array([1.5, -2.25]);
    const f16 = new Uint16Array([0x3c00, 0xc000]); // 1, -2
    const bf16 = new Uint16Array([0x3f80, 0x4049]); // 1, 3.140625
    const i8 = new Int8Array([-128, 127]);
    const u8 = new Uint8Array([0, 255]);
    const i32 = new Int32Array([-7, 2 ** 30]);
    const i64 = new BigInt64Array([-3n, 2n ** 40n]);
    const data = bytesOf(f64, i64, i32, f16, bf16, i8, u8);
    let o = 0;
    const at = (n: number) => [o, (o += n)];
    const header = {
      a_f64: { dtype: 'F64', shape: [2], data_offsets: at(16) },
      b_i64: { dtype: 'I64', shape: [2], data_offsets: at(16) },
      c_i32: { dtype: 'I32', shape: [2], data_offsets: at(8) },
      d_f16: { dtype: 'F16', shape: [2, 1], data_offsets: at(4) },
      e_bf16: { dtype: 'BF16', shape: [2], data_offsets: at(4) },
      f_i8: { dtype: 'I8', shape: [2], data_offsets: at(2) },
      g_u8: { dtype: 'U8', shape: [2], data_offsets: at(2) },
      scalar_empty: { dtype: 'F32', shape: [0, 3], data_offsets: [o, o] },
      __metadata__: { format: 'pt' },
    };
    const file = readSafetensors(build(header, data));
    const values = (k: string) => Array.from(file.tensors.get(k)!.data);
    expect(values('a_f64')).toEqual([1.5, -2.25]);
    expect(values('b_i64')).toEqual([-3, 2 ** 40]);
    expect(values('c_i32')).toEqual([-7, 2 ** 30]);
    expect(values('d_f16')).toEqual([1, -2]);
    expect(file.tensors.get('d_f16')!.shape).toEqual([2, 1]);
    expect(values('e_bf16')).toEqual([1, 3.140625]);
    expect(values('f_i8')).toEqual([-128, 127]);
    expect(values('g_u8')).toEqual([0, 255]);
    expect(file.tensors.get('scalar_empty')!.shape).toEqual([0, 3]);
    expect(file.dtypes.get('e_bf16')).toBe('bfloat16');
    expect(file.metadata).toEqual({ format: 'pt' });
  });

  it('reads from an unaligned view and from an ArrayBuffer, and copies (no aliasing of the input)', () => {
    const file = writeSafetensors(new Map([['w', t([3], [1, 2, 3])]]));
    const shifted = new Uint8Array(file.length + 1);
    shifted.set(file, 1);
    const view = shifted.subarray(1);
    const read = readSafetensors(view);
    expect(Array.from(read.tensors.get('w')!.data)).toEqual([1, 2, 3]);
    shifted.fill(0);
    expect(Array.from(read.tensors.get('w')!.data)).toEqual([1, 2, 3]);
    const fromBuffer = readSafetensors(file.slice().buffer);
    expect(Array.from(fromBuffer.tensors.get('w')!.data)).toEqual([1, 2, 3]);
  });

  const valid = () => build({ w: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, new Uint8Array(8));

  it('reports truncation at every stage', () => {
    expect(codeOf(() => readSafetensors(new Uint8Array(5)))).toBe('truncated');
    const file = valid();
    expect(codeOf(() => readSafetensors(file.subarray(0, 20)))).toBe('truncated'); // inside the header
    expect(codeOf(() => readSafetensors(file.subarray(0, file.length - 1)))).toBe('truncated'); // inside the data
  });

  it('names the file in messages', () => {
    expect(() => readSafetensors(valid().subarray(0, 20), { file: 'decoder.safetensors' })).toThrow(/^decoder\.safetensors: /);
  });

  it('rejects structural corruption', () => {
    const z = new Uint8Array(16);
    expect(
      codeOf(() =>
        readSafetensors(
          build({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }, z),
        ),
      ),
    ).toBe('corrupt'); // overlap
    expect(codeOf(() => readSafetensors(build({ a: { dtype: 'F32', shape: [2], data_offsets: [8, 16] } }, z)))).toBe('corrupt'); // gap
    expect(codeOf(() => readSafetensors(build({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, z)))).toBe('corrupt'); // trailing bytes
    expect(codeOf(() => readSafetensors(build({ a: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, z.subarray(0, 8))))).toBe(
      'corrupt',
    ); // size ≠ shape
    expect(codeOf(() => readSafetensors(build({ a: { dtype: 'F32', shape: [-1], data_offsets: [0, 8] } }, z.subarray(0, 8))))).toBe(
      'corrupt',
    );
    expect(codeOf(() => readSafetensors(build({ a: { dtype: 'F32', shape: [2], data_offsets: [8, 0] } }, z.subarray(0, 8))))).toBe(
      'corrupt',
    );
    expect(codeOf(() => readSafetensors(build({ __metadata__: { n: 3 } }, new Uint8Array(0))))).toBe('corrupt');
    const badJson = valid();
    badJson[12] = 0x7d; // '}' in the middle of the JSON
    expect(codeOf(() => readSafetensors(badJson))).toBe('corrupt');
  });

  it('rejects dtypes it cannot widen, listing the supported ones', () => {
    const file = build({ a: { dtype: 'F8_E4M3', shape: [2], data_offsets: [0, 2] } }, new Uint8Array(2));
    expect(codeOf(() => readSafetensors(file))).toBe('unsupported-dtype');
    expect(() => readSafetensors(file)).toThrow(/F8_E4M3.*supported: F64, F32, F16/);
  });

  it('says when the input is a PyTorch checkpoint rather than safetensors', () => {
    const zip = new Uint8Array([0x50, 0x4b, 3, 4, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(codeOf(() => readSafetensors(zip))).toBe('not-safetensors');
    expect(() => readSafetensors(zip)).toThrow(/zip archive.*readPth/);
    const pickle = new Uint8Array([0x80, 2, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8]);
    expect(() => readSafetensors(pickle)).toThrow(/pickle.*legacy PyTorch/);
  });
});

describe('writeSafetensors', () => {
  it('round-trips float32 exactly, with metadata, and pads the header to 8 bytes with spaces', () => {
    const tensors = new Map([
      ['b.weight', t([2, 1, 1, 1], [0.1, -1e-30])],
      ['a', t([], [42])],
    ]);
    const bytes = writeSafetensors(tensors, { metadata: { component: 'decoder' } });
    const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect((8 + headerLength) % 8).toBe(0);
    const header = new TextDecoder().decode(bytes.subarray(8, 8 + headerLength));
    expect(header.trimEnd()).toBe(header.slice(0, header.lastIndexOf('}') + 1));
    expect(JSON.parse(header)).toEqual({
      __metadata__: { component: 'decoder' },
      a: { dtype: 'F32', shape: [], data_offsets: [0, 4] },
      'b.weight': { dtype: 'F32', shape: [2, 1, 1, 1], data_offsets: [4, 12] },
    });
    const back = readSafetensors(bytes);
    expect(back.metadata).toEqual({ component: 'decoder' });
    expect(Array.from(back.tensors.get('b.weight')!.data)).toEqual(Array.from(new Float32Array([0.1, -1e-30])));
    expect(back.tensors.get('a')!.shape).toEqual([]);
    expect(back.dtypes.get('a')).toBe('float32');
  });

  it('stores float16 with round-to-nearest-even and reads it back as the rounded values', () => {
    const values = [0.1, 1 / 3, -65504, 6e-8, 1e-9, 0];
    const bytes = writeSafetensors(new Map([['w', t([6], values)]]), { dtype: 'float16' });
    const back = readSafetensors(bytes);
    expect(back.dtypes.get('w')).toBe('float16');
    expect(Array.from(back.tensors.get('w')!.data)).toEqual(values.map((v) => float16BitsToFloat32(float32ToFloat16Bits(v))));
  });

  it('is deterministic whatever the insertion order', () => {
    const a = writeSafetensors(
      new Map([
        ['x', t([1], [1])],
        ['y', t([1], [2])],
      ]),
    );
    const b = writeSafetensors(
      new Map([
        ['y', t([1], [2])],
        ['x', t([1], [1])],
      ]),
    );
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
  });

  it('refuses float16 overflow and shape/data disagreement', () => {
    expect(codeOf(() => writeSafetensors(new Map([['big', t([1], [70000])]]), { dtype: 'float16' }))).toBe('float16-overflow');
    expect(() => writeSafetensors(new Map([['big', t([1], [70000])]]), { dtype: 'float16' })).toThrow(/`big`.*float32/);
    expect(codeOf(() => writeSafetensors(new Map([['w', t([3], [1, 2])]])))).toBe('corrupt');
  });
});
