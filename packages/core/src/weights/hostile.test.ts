/**
 * Issue 19's hostile checkpoints: each must end fast in a typed WeightsError naming the file, without a large
 * allocation. Bounds are loose for a slow shared 2-core machine; before the fix these took seconds to minutes.
 */
import { describe, expect, it } from 'vitest';
import { writeTestPth } from '../testing/pth.js';
import { WeightsError } from './errors.js';
import { buildModelConfig, loadModelFromFiles } from './model-files.js';
import { parseModelJson, serializeModelJson } from './model-json.js';
import { sha256Hex } from './sha256.js';
import { weightsRejection } from './test-utils/expect-weights-error.js';
import { memoryReader } from './test-utils/fake-weights.js';
import { unpickle } from './pickle.js';
import { readPth } from './pth.js';
import { readWeights } from './read-weights.js';
import { readSafetensors } from './safetensors.js';
import { pickleAppends, pickleLong4, pthStrideZero, safetensorsWith, zipAliasingOneRecord, zipExtraPastEnd } from './test-utils/hostile.js';
import { PickleWriter } from './test-utils/pickle-writer.js';
import { storedZip } from './test-utils/zip-writer.js';

/** Runs `fn`, which must throw a WeightsError naming `file` within `ms` and without growing peak RSS by 256 MB. */
function rejectsFast(fn: () => unknown, file: string, ms = 3000): WeightsError {
  const rssBefore = process.resourceUsage().maxRSS;
  const start = performance.now();
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  const elapsed = performance.now() - start;
  expect(thrown, String(thrown)).toBeInstanceOf(WeightsError);
  const e = thrown as WeightsError;
  expect(e.file).toBe(file);
  expect(e.message.startsWith(`${file}: `), e.message).toBe(true);
  expect(elapsed, `${e.message} took ${elapsed.toFixed(0)} ms`).toBeLessThan(ms);
  expect((process.resourceUsage().maxRSS - rssBefore) / 1024, 'peak RSS growth (MB)').toBeLessThan(256);
  return e;
}

describe('zip: bounded parsing', () => {
  it('refuses 65,534 central entries pointing at one 8 MB record as overlapping, fast', () => {
    const bytes = zipAliasingOneRecord();
    const e = rejectsFast(() => readPth(bytes, { file: 'aliased.pth' }), 'aliased.pth');
    expect(e.code).toBe('corrupt');
    expect(e.message).toMatch(/overlap/);
  });

  it('refuses an extra field that runs past the end of the file (no RangeError)', () => {
    const e = rejectsFast(() => readPth(zipExtraPastEnd(), { file: 'extra.pth' }), 'extra.pth');
    expect(e.code).toBe('corrupt');
    expect(e.message).toMatch(/extra field/);
  });

  it('refuses two entries with the same name', () => {
    const bytes = storedZip([
      { name: 'a/data.pkl', data: Uint8Array.from([1]) },
      { name: 'a/data.pkl', data: Uint8Array.from([2]) },
    ]);
    expect(rejectsFast(() => readPth(bytes, { file: 'twice.pth' }), 'twice.pth').message).toMatch(/`a\/data\.pkl` appears twice/);
  });
});

describe('unpickler: bounded work', () => {
  it('refuses a 4 MB LONG4 integer at once (256 KB took 22 s)', () => {
    const bytes = pickleLong4();
    const e = rejectsFast(() => readPth(bytes, { file: 'long4.pth' }), 'long4.pth');
    expect(e.code).toBe('limit-exceeded');
    expect(e.message).toMatch(/LONG4/);
  });

  it('APPENDS of 300,000 items is a typed error, and 60,000 build a list without recursion', () => {
    // Python batches APPENDS by 1,000: 300k items at once exceed the stack bound instead of the call stack.
    const bytes = pickleAppends();
    expect(rejectsFast(() => readPth(bytes, { file: 'appends.pth' }), 'appends.pth').code).toBe('limit-exceeded');
    const fits = pickleAppends(60_000);
    expect((unpickle(fits, 0, { findGlobal: () => undefined }).value as unknown[]).length).toBe(60_000);
    // As a checkpoint it is a pickle but not torch's: a typed error, not "maximum call stack size exceeded".
    expect(rejectsFast(() => readPth(fits, { file: 'appends.pth' }), 'appends.pth').code).toBe('not-pth');
  });

  it('describes a deeply nested or cyclic top-level object without recursing', () => {
    const deep = new PickleWriter().proto();
    // 60,000 deep (within the stack bound), far deeper than JSON.stringify or String() can recurse.
    for (let i = 0; i < 60_000; i++) deep.emptyList();
    for (let i = 0; i < 59_999; i++) deep.op(0x61); // APPEND: each list into the one below it
    const cyclic = new PickleWriter().proto().emptyList().op(0x32, 0x61); // DUP APPEND: a list holding itself
    for (const [name, pickle] of [
      ['deep', deep.stop().bytes()],
      ['cyclic', cyclic.stop().bytes()],
    ] as const) {
      const file = `${name}.pth`;
      const bytes = storedZip([{ name: 'archive/data.pkl', data: pickle }]);
      const e = rejectsFast(() => readPth(bytes, { file }), file);
      expect(e.code).toBe('not-pth');
    }
  });

  it('bounds the stack and the memo', () => {
    const stack = new PickleWriter().proto();
    for (let i = 0; i < 70_000; i++) stack.op(0x4e); // NONE
    const stackBytes = stack.stop().bytes();
    expect(rejectsFast(() => readPth(stackBytes, { file: 's.pth' }), 's.pth').code).toBe('limit-exceeded');
    const memoBytes = new PickleWriter().proto().op(0x4e).op(0x72, 0xff, 0xff, 0xff, 0x7f).stop().bytes(); // LONG_BINPUT 2^31 - 1
    expect(rejectsFast(() => readPth(memoBytes, { file: 'm.pth' }), 'm.pth').code).toBe('limit-exceeded');
  });

  it('bounds the work of callables on memoised arguments (no quadratic blow-up)', () => {
    // One OrderedDict item list of 60,000 pairs, memoised, then passed to OrderedDict() 60,000 times: 3.6·10^9 steps unbounded.
    const w = new PickleWriter().proto().mark();
    for (let i = 0; i < 60_000; i++) w.op(0x4e, 0x4e, 0x86); // (None, None)
    w.list().op(0x94); // memo 0
    for (let i = 0; i < 60_000; i++) w.global('collections', 'OrderedDict').op(0x68, 0).op(0x85).reduce().op(0x30);
    const bytes = w.op(0x30).emptyDict().stop().bytes();
    const e = rejectsFast(() => readPth(bytes, { file: 'work.pth' }), 'work.pth');
    expect(e.code).toBe('limit-exceeded');
  });
});

describe('JSON headers: no recursion on hostile nesting', () => {
  const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;

  it('a safetensors shape nested 100,000 deep is described without JSON.stringify overflowing', () => {
    const json = new TextEncoder().encode(`{"w":{"dtype":"F32","shape":${deep(100_000)},"data_offsets":[0,0]}}`);
    const bytes = new Uint8Array(8 + json.length);
    new DataView(bytes.buffer).setUint32(0, json.length, true);
    bytes.set(json, 8);
    const e = rejectsFast(() => readSafetensors(bytes, { file: 'deep.safetensors' }), 'deep.safetensors');
    expect(e.message).toBe('deep.safetensors: tensor `w` has an invalid shape [[…]]');
  });

  it('a model.json value nested 100,000 deep likewise', () => {
    const e = rejectsFast(() => parseModelJson(`{"format":${deep(100_000)}}`, { file: 'model.json' }), 'model.json');
    expect(e.code).toBe('invalid-model-json');
    expect(e.message).toMatch(/^model\.json: `format` is \[\[…\]\], expected "adaattn-model"/);
  });
});

describe('element counts are checked before allocation', () => {
  it('refuses stride-0 tensors of 2 × 2^30 elements from a 1.6 KB file (took 8.2 GB)', () => {
    const bytes = pthStrideZero();
    expect(bytes.length).toBeLessThan(2000);
    const e = rejectsFast(() => readPth(bytes, { file: 'expand.pth' }), 'expand.pth');
    expect(e.code).toBe('limit-exceeded');
    expect(e.message).toMatch(/`w0` \[1073741824\]/);
  });

  it('refuses many tensors that view one storage beyond the allowance', () => {
    const bytes = pthStrideZero(2 ** 22, 8); // each 4 M elements, 32 M in all, from a 1-element storage
    expect(rejectsFast(() => readPth(bytes, { file: 'views.pth' }), 'views.pth').code).toBe('limit-exceeded');
  });

  it('refuses a tensor larger than the model allows when the expected shapes are known', () => {
    const bytes = pthStrideZero(1000, 1);
    const e = rejectsFast(() => readPth(bytes, { file: 'k.pth', maxTensorElements: 999 }), 'k.pth');
    expect(e.code).toBe('limit-exceeded');
    expect(readPth(bytes, { maxTensorElements: 1000 }).tensors.get('w0')!.data.length).toBe(1000);
  });
});

describe('non-finite values are refused at load', () => {
  for (const value of [NaN, Infinity, -Infinity]) {
    it(`safetensors holding ${value}`, () => {
      const e = rejectsFast(() => readSafetensors(safetensorsWith(value), { file: 'bad.safetensors' }), 'bad.safetensors');
      expect(e.code).toBe('non-finite');
      expect(e.message).toBe(
        `bad.safetensors: tensor \`w\` holds ${value} at index 1; weights must be finite (a diverged training run or a damaged export?)`,
      );
      expect(readSafetensors(safetensorsWith(value), { allowNonFinite: true }).tensors.get('w')!.data[1]).toBe(value);
    });
  }

  for (const format of ['zip', 'legacy'] as const) {
    it(`a ${format} .pth holding NaN, through readPth and readWeights`, () => {
      const bytes = writeTestPth(new Map([['conv.weight', { shape: [2, 2], data: new Float32Array([1, 2, NaN, 4]) }]]), format);
      for (const read of [readPth, readWeights]) {
        const e = rejectsFast(() => read(bytes, { file: 'nan.pth' }), 'nan.pth');
        expect(e.code).toBe('non-finite');
        expect(e.message).toMatch(/^nan\.pth: tensor `conv\.weight` holds NaN at index 2/);
      }
    });
  }

  it('a model directory whose file holds NaN (checksums fine): refused at load, naming the file', async () => {
    const bytes = safetensorsWith(NaN);
    const entry = { dtype: 'float32' as const, bytes: bytes.length, sha256: await sha256Hex(bytes) };
    const files = new Map<string, Uint8Array>([['encoder.safetensors', bytes]]);
    const config = buildModelConfig(
      { name: 'nan', variant: 'image' },
      Object.fromEntries(
        (['encoder', 'transformer', 'adaattn3', 'decoder'] as const).map((c) => [
          c,
          { ...entry, path: c === 'encoder' ? 'encoder.safetensors' : `${c}.x` },
        ]),
      ),
    );
    files.set('model.json', new TextEncoder().encode(serializeModelJson(config)));
    const e = await weightsRejection(loadModelFromFiles(memoryReader(files)));
    expect(e.code).toBe('non-finite');
    expect(e.message).toMatch(/^encoder\.safetensors: tensor `w` holds NaN at index 1/);
  });
});
