import { describe, expect, it } from 'vitest';
import {
  bfloat16BitsToFloat32,
  bfloat16ToFloat32Array,
  float16BitsToFloat32,
  float16ToFloat32Array,
  float32ToFloat16Array,
  float32ToFloat16Bits,
  FLOAT16_MAX,
} from './float16.js';

const f32 = (x: number) => Math.fround(x);

describe('float16', () => {
  it('decodes the landmark values', () => {
    expect(float16BitsToFloat32(0x0000)).toBe(0);
    expect(Object.is(float16BitsToFloat32(0x8000), -0)).toBe(true);
    expect(float16BitsToFloat32(0x3c00)).toBe(1);
    expect(float16BitsToFloat32(0xc000)).toBe(-2);
    expect(float16BitsToFloat32(0x7bff)).toBe(FLOAT16_MAX);
    expect(float16BitsToFloat32(0x0001)).toBe(2 ** -24); // smallest subnormal
    expect(float16BitsToFloat32(0x03ff)).toBe(1023 * 2 ** -24); // largest subnormal
    expect(float16BitsToFloat32(0x0400)).toBe(2 ** -14); // smallest normal
    expect(float16BitsToFloat32(0x7c00)).toBe(Infinity);
    expect(float16BitsToFloat32(0xfc00)).toBe(-Infinity);
    expect(float16BitsToFloat32(0x7e00)).toBeNaN();
    expect(float16BitsToFloat32(0x3555)).toBeCloseTo(0.33325, 5);
  });

  it('encodes the landmark values', () => {
    expect(float32ToFloat16Bits(0)).toBe(0x0000);
    expect(float32ToFloat16Bits(-0)).toBe(0x8000);
    expect(float32ToFloat16Bits(1)).toBe(0x3c00);
    expect(float32ToFloat16Bits(-2)).toBe(0xc000);
    expect(float32ToFloat16Bits(65504)).toBe(0x7bff);
    expect(float32ToFloat16Bits(Infinity)).toBe(0x7c00);
    expect(float32ToFloat16Bits(-Infinity)).toBe(0xfc00);
    expect(float32ToFloat16Bits(1e-8)).toBe(0x0000); // underflow to zero
    expect(float32ToFloat16Bits(-1e-8)).toBe(0x8000); // keeps the sign
    expect(float32ToFloat16Bits(1e6)).toBe(0x7c00); // overflow to infinity
  });

  it('keeps NaN a NaN (never Infinity), including payloads only in low bits', () => {
    for (const bits of [0x7fc00000, 0x7f800001, 0xff800001, 0x7fbfffff]) {
      const buf = new Uint32Array([bits]);
      const value = new Float32Array(buf.buffer)[0];
      const half = float32ToFloat16Bits(value);
      expect(half & 0x7c00).toBe(0x7c00);
      expect(half & 0x3ff).not.toBe(0);
    }
  });

  it('rounds overflow at the boundary like IEEE: 65519.99 → 65504, 65520 → Infinity', () => {
    expect(float32ToFloat16Bits(65519)).toBe(0x7bff);
    expect(float32ToFloat16Bits(65520)).toBe(0x7c00); // the tie rounds to even, which is Infinity
  });

  it('round-trips every float16 bit pattern exactly', () => {
    const wrong: number[] = [];
    for (let bits = 0; bits < 65536; bits++) {
      const value = float16BitsToFloat32(bits);
      if (!Number.isNaN(value) && float32ToFloat16Bits(value) !== bits) wrong.push(bits);
    }
    expect(wrong).toEqual([]);
  });

  it('rounds to nearest, ties to even, at every midpoint (normal and subnormal)', () => {
    // Between two adjacent positive halves a < b the exact midpoint is representable in float32.
    const wrong: number[] = [];
    for (let bits = 0; bits < 0x7bff; bits++) {
      const a = float16BitsToFloat32(bits);
      const b = float16BitsToFloat32(bits + 1);
      const mid = (a + b) / 2;
      const even = (bits & 1) === 0 ? bits : bits + 1;
      const ok =
        f32(mid) === mid &&
        float32ToFloat16Bits(mid) === even &&
        float32ToFloat16Bits(-mid) === (even | 0x8000) &&
        float32ToFloat16Bits(nextUp(mid)) === bits + 1 &&
        float32ToFloat16Bits(nextDown(mid)) === bits;
      if (!ok) wrong.push(bits);
    }
    expect(wrong).toEqual([]);
  });

  it('rounds just above half the smallest subnormal up, and exactly half down to zero', () => {
    const halfMin = 2 ** -25;
    expect(float32ToFloat16Bits(halfMin)).toBe(0);
    expect(float32ToFloat16Bits(nextUp(halfMin))).toBe(1);
    expect(float32ToFloat16Bits(2 ** -26)).toBe(0);
  });

  it('converts arrays both ways', () => {
    const values = new Float32Array([0.5, -1.25, 3.140625, 1e-5, 70000]);
    const bits = float32ToFloat16Array(values);
    const back = float16ToFloat32Array(bits);
    expect(Array.from(back.slice(0, 3))).toEqual([0.5, -1.25, 3.140625]);
    expect(back[3]).toBeCloseTo(1e-5, 7);
    expect(back[4]).toBe(Infinity);
  });

  it('widens bfloat16', () => {
    expect(bfloat16BitsToFloat32(0x3f80)).toBe(1);
    expect(bfloat16BitsToFloat32(0xc040)).toBe(-3);
    expect(bfloat16BitsToFloat32(0x7f80)).toBe(Infinity);
    expect(bfloat16BitsToFloat32(0x0001)).toBe(new Float32Array(new Uint32Array([0x00010000]).buffer)[0]);
    expect(Array.from(bfloat16ToFloat32Array(new Uint16Array([0x3f80, 0xbf80, 0x4049])))).toEqual([1, -1, f32(3.140625)]);
  });
});

function nextUp(x: number): number {
  const u = new Uint32Array(new Float32Array([x]).buffer);
  u[0] += 1;
  return new Float32Array(u.buffer)[0];
}

function nextDown(x: number): number {
  const u = new Uint32Array(new Float32Array([x]).buffer);
  if (u[0] === 0) return -(2 ** -149);
  u[0] -= 1;
  return new Float32Array(u.buffer)[0];
}
