import { describe, expect, it } from 'vitest';
import { Message } from './protobuf.js';

describe('protobuf writer', () => {
  it('writes varints, negative int64s, floats, strings and nested messages in wire format', () => {
    const inner = new Message().varint(1, 300);
    const bytes = new Message()
      .varint(1, 1)
      .varint(2, -1)
      .float(3, 1.5)
      .string(4, 'hi')
      .message(5, inner)
      .packedVarints(6, [1, 2 ** 40])
      .encode();
    expect([...bytes]).toEqual([
      0x08,
      1, // field 1 varint 1
      0x10,
      0xff,
      0xff,
      0xff,
      0xff,
      0xff,
      0xff,
      0xff,
      0xff,
      0xff,
      0x01, // field 2: −1 as 10-byte two's complement
      0x1d,
      0,
      0,
      0xc0,
      0x3f, // field 3 fixed32 1.5
      0x22,
      2,
      0x68,
      0x69, // field 4 'hi'
      0x2a,
      3,
      0x08,
      0xac,
      0x02, // field 5: { 1: 300 }
      0x32,
      7,
      1,
      0x80,
      0x80,
      0x80,
      0x80,
      0x80,
      0x20, // field 6 packed [1, 2^40]
    ]);
  });

  it('references large payloads and writes them once, at the right offset', () => {
    const payload = new Uint8Array(200).map((_, i) => i);
    const bytes = new Message().message(1, new Message().bytes(9, payload)).encode();
    // field 1, length 203 (2-byte varint), then field 9 with a 2-byte length, then the payload
    expect([...bytes.subarray(0, 6)]).toEqual([0x0a, 0xcb, 0x01, 0x4a, 0xc8, 0x01]);
    expect(bytes.subarray(6)).toEqual(payload);
  });
});
