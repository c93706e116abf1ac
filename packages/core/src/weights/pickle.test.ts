import { describe, expect, it } from 'vitest';
import { PyCallable, PyDict, unpickle } from './pickle.js';
import { PickleWriter } from './test-utils/pickle-writer.js';
import { weightsError } from './test-utils/expect-weights-error.js';

const hex = (s: string) => Uint8Array.from(s.match(/../g)!, (h) => parseInt(h, 16));
const refuseAll = { findGlobal: () => undefined };

const error = weightsError;

describe('unpickle', () => {
  it('builds plain data from a Python protocol-3 pickle', () => {
    // pickle.dumps({'a': [1, -2, 300, 70000, -70000, 2**70, -(2**70), 255, -129, 1.5, None, True, False,
    //                     (1,2,3), (4,), (), b'xy', 'ü']}, protocol=3)
    const bytes = hex(
      '80037d710058010000006171015d7102284b014afeffffff4d2c014a701101004a90eefeff8a090000000000000000408a09' +
        '0000000000000000c04bff4a7fffffff473ff80000000000004e88894b014b024b038771034b04857104294302787971055802000000c3bc710665732e',
    );
    const { value, end } = unpickle(bytes, 0, refuseAll);
    expect(end).toBe(bytes.length);
    expect(value).toBeInstanceOf(PyDict);
    const list = (value as PyDict).items.get('a') as unknown[];
    expect(list.slice(0, 5)).toEqual([1, -2, 300, 70000, -70000]);
    expect(list[5]).toBe(2n ** 70n);
    expect(list[6]).toBe(-(2n ** 70n));
    expect(list.slice(7, 16)).toEqual([255, -129, 1.5, null, true, false, [1, 2, 3], [4], []]);
    expect(Array.from(list[16] as Uint8Array)).toEqual([0x78, 0x79]);
    expect(list[17]).toBe('ü');
  });

  it('handles protocol 4 framing, short strings and MEMOIZE', () => {
    // pickle.dumps([{'k': 'v'}, ['x'] * 2], protocol=4)
    const bytes = hex('8004951a000000000000005d94287d948c016b948c017694735d94288c017894680565652e');
    const { value } = unpickle(bytes, 0, refuseAll);
    const [dict, xs] = value as [PyDict, string[]];
    expect([...dict.items]).toEqual([['k', 'v']]);
    expect(xs).toEqual(['x', 'x']);
  });

  it('reads pickles back to back, reporting where each ends', () => {
    const a = new PickleWriter().proto().int(7).stop().bytes();
    const b = new PickleWriter().proto().str('next').stop().bytes();
    const both = new Uint8Array([...a, ...b]);
    const first = unpickle(both, 0, refuseAll);
    expect(first).toEqual({ value: 7, end: a.length });
    expect(unpickle(both, first.end, refuseAll).value).toBe('next');
  });

  it('refuses a global that is not whitelisted, naming it (protocol 2 GLOBAL and protocol 4 STACK_GLOBAL)', () => {
    // class E: __reduce__ = lambda self: (os.system, ('echo pwned',))
    for (const h of [
      '800263706f7369780a73797374656d0a7100580a0000006563686f2070776e656471018571025271032e',
      '80049525000000000000008c05706f736978948c0673797374656d9493948c0a6563686f2070776e656494859452942e',
    ]) {
      const e = error(() => unpickle(hex(h), 0, { ...refuseAll, file: 'evil.pth' }));
      expect(e.code).toBe('unsafe-pickle');
      expect(e.message).toMatch(/^evil\.pth: refusing to unpickle global `posix\.system`/);
    }
  });

  it('refuses object construction opcodes even for whitelisted classes', () => {
    // An instance of a plain class: GLOBAL __main__.O, EMPTY_TUPLE, NEWOBJ, … BUILD
    const bytes = hex('8002635f5f6d61696e5f5f0a4f0a7100298171017d710258010000007871034b0173622e');
    const allowAll = { findGlobal: () => new PyCallable('__main__.O', () => ({})) };
    const e = error(() => unpickle(bytes, 0, allowAll));
    expect(e.code).toBe('unsafe-pickle');
    expect(e.message).toMatch(/NEWOBJ/);
    const inst = new PickleWriter()
      .proto()
      .mark()
      .op(0x69, ...new TextEncoder().encode('os\nsystem\n'))
      .stop()
      .bytes();
    expect(error(() => unpickle(inst, 0, allowAll)).message).toMatch(/INST/);
  });

  it('refuses BUILD on anything but a dict', () => {
    const f = new PyCallable('x.f', () => ({}));
    const bytes = new PickleWriter().proto().global('x', 'f').emptyTuple().reduce().emptyDict().build().stop().bytes();
    expect(error(() => unpickle(bytes, 0, { findGlobal: () => f })).code).toBe('unsafe-pickle');
  });

  it('reports truncation and structural corruption', () => {
    const whole = new PickleWriter().proto().str('abcdef').stop().bytes();
    for (let cut = 0; cut < whole.length; cut++) {
      expect(error(() => unpickle(whole.subarray(0, cut), 0, refuseAll)).code).toBe('truncated');
    }
    expect(error(() => unpickle(new PickleWriter().proto().op(0x73).stop().bytes(), 0, refuseAll)).code).toBe('corrupt'); // SETITEM on empty stack
    expect(error(() => unpickle(new PickleWriter().proto().op(0x68, 3).stop().bytes(), 0, refuseAll)).code).toBe('corrupt'); // BINGET of unset memo
    expect(error(() => unpickle(new PickleWriter().proto().int(1).int(2).stop().bytes(), 0, refuseAll)).code).toBe('corrupt'); // two values at STOP
  });
});
