import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readPth } from './pth.js';
import { writeSafetensors } from './safetensors.js';
import { fixturePath, readFixture as fixture, readOfficialAdaattn3 } from './test-utils/paths.js';
import { readZip } from './zip.js';
import { concat, legacyFloatStorage, legacyHeader, PickleWriter, stateDictPickle, type TensorSpec } from './test-utils/pickle-writer.js';
import { weightsError } from './test-utils/expect-weights-error.js';

interface Expected {
  [key: string]: { shape: number[]; values: Array<number | string> };
}
const expected = JSON.parse(readFileSync(fixturePath('expected.json'), 'utf8')) as Record<string, Expected>;

const error = weightsError;

function expectMatches(actual: ReturnType<typeof readPth>, want: Expected): void {
  expect([...actual.tensors.keys()]).toEqual(Object.keys(want));
  for (const [key, { shape, values }] of Object.entries(want)) {
    const tensor = actual.tensors.get(key)!;
    expect(tensor.shape, key).toEqual(shape);
    // The expectations are the exact float64 values of the stored tensors; float32 holds each exactly
    // (except 2**40 in int64 and the bfloat16 tiny value, which Math.fround also rounds the same way).
    expect(Array.from(tensor.data), key).toEqual(values.map((v) => Math.fround(Number(v))));
  }
}

describe('readPth on torch-written fixtures', () => {
  for (const [file, format] of [
    ['legacy.pth', 'legacy'],
    ['zip.pth', 'zip'],
  ] as const) {
    it(`${file}: every dtype, strides, offsets, expand, scalar, empty`, () => {
      // The fixtures store float16 overflow (Infinity) on purpose, to test widening: let it through here.
      const read = readPth(fixture(file), { file, allowNonFinite: true });
      expect(read.format).toBe(format);
      expectMatches(read, expected['format_tensors']);
      expect(read.dtypes.get('half')).toBe('float16');
      expect(read.dtypes.get('bfloat')).toBe('bfloat16');
      expect(read.dtypes.get('long')).toBe('int64');
      expect(read.dtypes.get('bool')).toBe('bool');
      expect(read.dtypes.get('conv.weight')).toBe('float32');
    });
  }

  for (const file of ['dataparallel.pth', 'dataparallel_legacy.pth']) {
    it(`${file}: strips \`module.\` and ignores the OrderedDict's _metadata`, () => {
      expectMatches(readPth(fixture(file)), expected['dataparallel']);
    });
  }

  it('accepts an ArrayBuffer and a Node Buffer alike, without aliasing the input', () => {
    const buffer = readFileSync(fixturePath('zip.pth'));
    const fromBuffer = readPth(buffer, { allowNonFinite: true });
    const fromArrayBuffer = readPth(buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength), {
      allowNonFinite: true,
    });
    const before = Array.from(fromBuffer.tensors.get('conv.bias')!.data);
    buffer.fill(0);
    expect(Array.from(fromBuffer.tensors.get('conv.bias')!.data)).toEqual(before);
    expect(Array.from(fromArrayBuffer.tensors.get('conv.bias')!.data)).toEqual(before);
  });
});

describe('readPth on the genuine official checkpoint', () => {
  it('loads latest_net_adaattn_3.pth with the official keys, shapes and values', () => {
    const read = readPth(readOfficialAdaattn3(), { file: 'latest_net_adaattn_3.pth' });
    expect(read.format).toBe('zip');
    const shapes = Object.fromEntries([...read.tensors].map(([k, v]) => [k, v.shape]));
    expect(shapes).toEqual({
      'f.weight': [448, 448, 1, 1],
      'f.bias': [448],
      'g.weight': [448, 448, 1, 1],
      'g.bias': [448],
      'h.weight': [256, 256, 1, 1],
      'h.bias': [256],
    });
    // First, second and last values and the float64 sum, as torch 1.13 reads them.
    const reference: Record<string, [number, number, number, number]> = {
      'f.weight': [0.03420846536755562, 0.01579863205552101, 0.037764519453048706, -13.761200416092223],
      'f.bias': [-0.1703922301530838, -0.2666725814342499, -0.2766920328140259, -8.913073186995462],
      'g.weight': [-0.004774024244397879, 0.0008638519211672246, 0.015236777253448963, 124.96469062550432],
      'g.bias': [-0.0900055468082428, 0.05322733893990517, 0.21001100540161133, 3.1694789396133274],
      'h.weight': [0.05482650175690651, -0.006418006960302591, -0.003648527432233095, 4.126482120157107],
      'h.bias': [-0.028392892330884933, -0.10822445899248123, -0.04918619990348816, -5.347161682996102],
    };
    for (const [key, [first, second, last, sum]] of Object.entries(reference)) {
      const data = read.tensors.get(key)!.data;
      expect([data[0], data[1], data[data.length - 1]]).toEqual([first, second, last]);
      expect(data.reduce((a, b) => a + b, 0)).toBeCloseTo(sum, 9);
    }
  });
});

describe('readPth on damaged and hostile input', () => {
  it('reports a legacy file cut anywhere as truncated', () => {
    const whole = fixture('dataparallel_legacy.pth');
    for (let cut = 0; cut < whole.length; cut++) {
      const e = error(() => readPth(whole.subarray(0, cut), { file: 'vgg_normalised.pth' }));
      expect(e.code, `cut at ${cut}`).toBe('truncated');
      expect(e.file).toBe('vgg_normalised.pth');
    }
  });

  it('reports a zip file cut anywhere as truncated', () => {
    const whole = fixture('dataparallel.pth');
    for (let cut = 0; cut < whole.length; cut += 7) {
      expect(error(() => readPth(whole.subarray(0, cut))).code, `cut at ${cut}`).toBe('truncated');
    }
  });

  it('detects a flipped byte in a zip storage by its CRC', () => {
    const bytes = fixture('zip.pth');
    const entry = readZip(bytes).get('zip/data/0')!;
    const damaged = bytes.slice();
    damaged[entry.data.byteOffset - bytes.byteOffset + 5] ^= 0xff;
    const e = error(() => readPth(damaged, { file: 'latest_net_decoder.pth' }));
    expect(e.code).toBe('corrupt');
    expect(e.message).toMatch(/^latest_net_decoder\.pth: .*CRC-32/);
  });

  it('refuses a deflated entry with a message saying how to fix it', () => {
    const bytes = fixture('dataparallel.pth').slice();
    const view = new DataView(bytes.buffer);
    // Mark the first central-directory entry as deflated (method 8).
    const central = findFirst(bytes, 0x02014b50);
    view.setUint16(central + 10, 8, true);
    const e = error(() => readPth(bytes));
    expect(e.code).toBe('unsupported-format');
    expect(e.message).toMatch(/compressed.*re-save it with torch\.save/);
  });

  it('says what the file is when it is not a checkpoint', () => {
    expect(error(() => readPth(new TextEncoder().encode('hello world'))).code).toBe('not-pth');
    const safetensors = writeSafetensors(new Map([['w', { shape: [1], data: new Float32Array([1]) }]]));
    expect(error(() => readPth(safetensors)).message).toMatch(/looks like safetensors/);
    expect(error(() => readPth(new Uint8Array(0))).code).toBe('truncated');
    const notTorch = new PickleWriter().proto().str('just a string').stop().bytes();
    expect(error(() => readPth(notTorch)).code).toBe('not-pth');
  });

  it('refuses a legacy checkpoint whose state_dict pickle names a foreign global', () => {
    const evil = new PickleWriter().proto().global('posix', 'system').str('echo pwned').op(0x85).reduce().stop().bytes();
    const e = error(() => readPth(concat(legacyHeader(), evil), { file: 'vgg_normalised.pth' }));
    expect(e.code).toBe('unsafe-pickle');
    expect(e.message).toMatch(/^vgg_normalised\.pth: refusing to unpickle global `posix\.system`/);
  });

  it('refuses storage types it cannot widen', () => {
    const main = new PickleWriter()
      .proto()
      .global('collections', 'OrderedDict')
      .emptyTuple()
      .reduce()
      .mark()
      .str('w')
      .global('torch._utils', '_rebuild_tensor_v2')
      .mark()
      .mark()
      .str('storage')
      .global('torch', 'ComplexFloatStorage')
      .str('0')
      .str('cpu')
      .int(1)
      .none()
      .tuple()
      .binpersid()
      .int(0)
      .ints([1])
      .ints([1])
      .bool(false)
      .global('collections', 'OrderedDict')
      .emptyTuple()
      .reduce()
      .tuple()
      .reduce()
      .setitems()
      .stop()
      .bytes();
    const e = error(() => readPth(concat(legacyHeader(), main), { file: 'x.pth' }));
    expect(e.code).toBe('unsupported-dtype');
    expect(e.message).toMatch(/^x\.pth: .*ComplexFloatStorage/);
  });

  it('rejects a tensor that reads past its storage', () => {
    const main = legacyStateDict([['w', { stride: [2], size: [3], offset: 1, storage: ['k', 4] }]]);
    const keys = new PickleWriter().proto().mark().str('k').list().stop().bytes();
    const e = error(() => readPth(concat(legacyHeader(), main, keys, legacyFloatStorage([1, 2, 3, 4]))));
    expect(e.code).toBe('corrupt');
    expect(e.message).toMatch(/`w`.*reads past its storage/);
  });
});

describe('readPth on absurd shapes', () => {
  it('refuses to materialise a stride-0 view of billions of elements', () => {
    const main = legacyStateDict([['w', { stride: [0, 0], size: [65536, 65536], offset: 0, storage: ['k', 1] }]]);
    const keys = new PickleWriter().proto().mark().str('k').list().stop().bytes();
    const e = error(() => readPth(concat(legacyHeader(), main, keys, legacyFloatStorage([1]))));
    expect(e.code).toBe('limit-exceeded');
    expect(e.message).toMatch(/`w` \[65536, 65536\] has 4294967296 elements/);
  });
});

describe('readPth on legacy variants torch 1.13 no longer writes', () => {
  it('reads Python 2 OrderedDict pickles, `_rebuild_tensor` v1 and pre-0.4 storage views', () => {
    // OrderedDict([['a', tensor], ['b', view tensor]]) with Python 2 str keys.
    const w = new PickleWriter()
      .proto()
      .global('collections', 'OrderedDict')
      .mark()
      .mark()
      .mark()
      .py2str('module.a')
      .global('torch._utils', '_rebuild_tensor')
      .mark()
      .mark()
      .py2str('storage')
      .global('torch', 'FloatStorage')
      .py2str('root')
      .py2str('cpu')
      .int(6)
      .none()
      .tuple()
      .binpersid()
      .int(0)
      .ints([2, 3])
      .ints([1, 2])
      .tuple()
      .reduce()
      .list()
      .mark()
      .py2str('b')
      .global('torch._utils', '_rebuild_tensor')
      .mark()
      .mark()
      .py2str('storage')
      .global('torch', 'FloatStorage')
      .py2str('root')
      .py2str('cpu')
      .int(6)
      .mark()
      .py2str('view')
      .int(2)
      .int(3)
      .tuple()
      .tuple()
      .binpersid()
      .int(1)
      .ints([2])
      .ints([1])
      .tuple()
      .reduce()
      .list()
      .list()
      .tuple()
      .reduce()
      .stop()
      .bytes();
    const keys = new PickleWriter().proto().mark().py2str('root').list().stop().bytes();
    const read = readPth(concat(legacyHeader(), w.slice(), keys, legacyFloatStorage([0, 1, 2, 3, 4, 5])));
    expect(read.format).toBe('legacy');
    // a: [2,3] with strides [1,2] over [0..5] → [[0,2,4],[1,3,5]]
    expect(read.tensors.get('a')).toEqual({ shape: [2, 3], data: new Float32Array([0, 2, 4, 1, 3, 5]) });
    // b: view of root elements [2,3,4]; the tensor starts 1 into the view → [3, 4]
    expect(read.tensors.get('b')).toEqual({ shape: [2], data: new Float32Array([3, 4]) });
  });
});

function legacyStateDict(items: Array<[string, TensorSpec]>): Uint8Array {
  return stateDictPickle(items, 'legacy');
}

function findFirst(bytes: Uint8Array, signature: number): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = 0; at + 4 <= bytes.length; at++) if (view.getUint32(at, true) === signature) return at;
  throw new Error('signature not found');
}
