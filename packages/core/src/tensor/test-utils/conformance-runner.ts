/**
 * The conformance suite every backend runs: `describeConformance('tfjs-wasm', () => createTfjsBackend(…))`
 * in a test file next to the backend. It checks the op cases (conformance-cases.ts), random inputs against
 * the plain-TS reference kernels, scope/keep semantics, leak-freedom of every op, and the composite ops
 * the model relies on (chunked attention, keys).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createReferenceBackend } from '../../backends/ref-cpu/index.js';
import { InvalidArgumentError, DisposedError } from '../../errors.js';
import { attentionStats, LOGIT_FLOOR_BELOW_ROW_MAX, type AttentionKind } from '../../ops/attention-stats.js';
import { chunkedAttentionStats } from '../../ops/chunked-attention.js';
import { unitColumns, unitRows } from '../../ops/cosine.js';
import { buildKey } from '../../ops/keys.js';
import { mvn } from '../../ops/mvn.js';
import type { Backend } from '../backend.js';
import type { Tensor } from '../tensor.js';
import type { HostTensor } from '../types.js';
import { OP_CASES, type OpCase } from './conformance-cases.js';
import { expectClose, randomTensor } from './compare.js';

type Attrs = Readonly<Record<string, unknown>>;

/** The smallest normal float32. */
const FLT_MIN = 2 ** -126;

/** Runs one op by name on uploaded inputs (the dispatcher shared by cases and random checks). */
export function applyOp(b: Backend, op: OpCase['op'], xs: readonly Tensor[], attrs: Attrs = {}): Tensor | Tensor[] {
  const [x, y, z, w] = xs as [Tensor, Tensor, Tensor, Tensor];
  switch (op) {
    case 'conv2d':
      return b.conv2d(x, y, attrs['bias'] === false ? null : z, attrs['relu'] === true);
    case 'relu':
      return b.relu(x);
    case 'sqrt':
      return b.sqrt(x);
    case 'add':
    case 'sub':
    case 'mul':
    case 'div':
      return b[op](x, y);
    case 'affine':
      return b.affine(x, attrs['scale'] as number, attrs['offset'] as number);
    case 'maxPool2x2Ceil':
      return b.maxPool2x2Ceil(x);
    case 'reflectPad':
      return b.reflectPad(x, attrs['pads'] as [number, number, number, number]);
    case 'resizeNearest': {
      const [h, wd] = attrs['size'] as [number, number];
      return b.resizeNearest(x, h, wd);
    }
    case 'concat':
      return b.concat(xs, attrs['axis'] as number);
    case 'spatialMean':
      return b.spatialMean(x);
    case 'spatialVariance':
      return b.spatialVariance(x);
    case 'matmul':
      return b.matmul(x, y, attrs['transposeA'] === true, attrs['transposeB'] === true);
    case 'softmax':
      return b.softmax(x);
    case 'rowMax':
      return b.rowMax(x);
    case 'gather':
      return b.gather(x, Int32Array.from(attrs['indices'] as number[]), attrs['axis'] as number);
    case 'reshape':
      return b.reshape(x, attrs['shape'] as number[]);
    case 'transpose':
      return b.transpose(x, attrs['perm'] as number[]);
    case 'slice':
      return b.slice(x, attrs['begin'] as number[], attrs['size'] as number[]);
    case 'toPositions':
      return b.toPositions(x);
    case 'fromPositions':
      return b.fromPositions(x, attrs['height'] as number, attrs['width'] as number);
    case 'attentionStats':
      return b.scope(() => attentionStats(b, x, y, z, b.mul(z, z), w ?? null, (attrs?.['kind'] as AttentionKind | undefined) ?? 'softmax'));
    case 'mvn':
      return mvn(b, x);
  }
}

async function runCase(b: Backend, op: OpCase['op'], inputs: readonly HostTensor[], attrs?: Attrs): Promise<HostTensor[]> {
  const before = b.memory().tensors;
  const outs = b.scope(() => {
    const r = applyOp(
      b,
      op,
      inputs.map((i) => b.fromHost(i)),
      attrs,
    );
    return Array.isArray(r) ? r : [r];
  });
  const hosts: HostTensor[] = [];
  for (const o of outs) hosts.push(await b.readHost(o));
  outs.forEach((o) => o.dispose());
  expect(b.memory().tensors, `${op} leaked tensors`).toBe(before);
  return hosts;
}

/** Random operands for ops whose behaviour depends on layout (sizes chosen odd/non-square on purpose). */
function randomCases(seed: number): { name: string; op: OpCase['op']; inputs: HostTensor[]; attrs?: Attrs }[] {
  const r = (shape: number[], k: number, scale = 1) => randomTensor(shape, seed * 101 + k, scale);
  // About half the positions masked out (−1e15), as region masks do.
  const mask = (x: HostTensor): HostTensor => ({ shape: x.shape, data: x.data.map((v) => (v > 0 ? 0 : -1e15)) });
  return [
    {
      name: 'conv2d 3×3, 5→4 channels, batch 2, 7×6',
      op: 'conv2d',
      inputs: [r([2, 5, 7, 6], 1), r([4, 5, 3, 3], 2), r([4], 3)],
      attrs: { relu: true },
    },
    { name: 'conv2d 1×1, 3→3', op: 'conv2d', inputs: [r([1, 3, 4, 5], 4), r([3, 3, 1, 1], 5), r([3], 6)] },
    { name: 'maxPool 5×7', op: 'maxPool2x2Ceil', inputs: [r([1, 3, 5, 7], 7)] },
    { name: 'reflectPad [2,1,3,1]', op: 'reflectPad', inputs: [r([2, 3, 4, 5], 8)], attrs: { pads: [2, 1, 3, 1] } },
    { name: 'nearest 7×9 → 4×13', op: 'resizeNearest', inputs: [r([1, 3, 7, 9], 9)], attrs: { size: [4, 13] } },
    { name: 'nearest 3×5 → 6×10', op: 'resizeNearest', inputs: [r([1, 2, 3, 5], 10)], attrs: { size: [6, 10] } },
    { name: 'spatial variance 3×5', op: 'spatialVariance', inputs: [r([2, 3, 3, 5], 11)] },
    { name: 'matmul transposeB', op: 'matmul', inputs: [r([2, 5, 7], 12), r([2, 6, 7], 13)], attrs: { transposeB: true } },
    { name: 'softmax', op: 'softmax', inputs: [r([1, 5, 9], 14, 5)] },
    { name: 'concat channels of rank 4', op: 'concat', inputs: [r([1, 2, 3, 4], 15), r([1, 3, 3, 4], 16)], attrs: { axis: 1 } },
    { name: 'toPositions 3×5', op: 'toPositions', inputs: [r([2, 4, 3, 5], 17)] },
    { name: 'transpose rank 4 [1,0,3,2]', op: 'transpose', inputs: [r([2, 3, 4, 5], 18)], attrs: { perm: [1, 0, 3, 2] } },
    { name: 'mvn', op: 'mvn', inputs: [r([1, 4, 5, 3], 19, 3)] },
    { name: 'attentionStats', op: 'attentionStats', inputs: [r([1, 6, 4], 20), r([1, 4, 9], 21), r([1, 9, 3], 22)] },
    // Whole blocks of 8 and 16 channels (ONNX Runtime's blocked lowering takes these), 41 style positions.
    {
      name: 'attentionStats, channels in whole blocks',
      op: 'attentionStats',
      inputs: [r([1, 37, 32], 25), r([1, 32, 41], 26), r([1, 41, 8], 27)],
    },
    {
      name: 'attentionStats, cosine',
      op: 'attentionStats',
      inputs: [r([1, 37, 32], 28, 0.3), r([1, 32, 41], 29, 0.3), r([1, 41, 8], 30)],
      attrs: { kind: 'cosine' },
    },
    {
      name: 'attentionStats, cosine with a mask',
      op: 'attentionStats',
      inputs: [r([1, 6, 4], 31), r([1, 4, 9], 32), r([1, 9, 3], 33), mask(r([1, 6, 9], 34))],
      attrs: { kind: 'cosine' },
    },
    { name: 'matmul transposeA', op: 'matmul', inputs: [r([1, 7, 5], 23), r([1, 7, 4], 24)], attrs: { transposeA: true } },
  ];
}

export function describeConformance(label: string, createBackend: () => Promise<Backend> | Backend): void {
  describe(`conformance: ${label}`, () => {
    let b: Backend;
    beforeAll(async () => {
      b = await createBackend();
    });

    describe('op cases', () => {
      for (const c of OP_CASES) {
        it(c.name, async () => {
          const got = await runCase(b, c.op, c.inputs, c.attrs);
          const expected = Array.isArray(c.expected) ? c.expected : [c.expected as HostTensor];
          expect(got.length).toBe(expected.length);
          got.forEach((g, i) => expectClose(g, expected[i] as HostTensor, c.tolerance ?? 1e-5, c.name));
        });
      }
    });

    describe('random inputs match the reference kernels', () => {
      const ref = createReferenceBackend();
      for (const c of randomCases(7)) {
        it(c.name, async () => {
          const [want] = await runCase(ref, c.op, c.inputs, c.attrs);
          const [got] = await runCase(b, c.op, c.inputs, c.attrs);
          expectClose(got as HostTensor, want as HostTensor, 1e-4, c.name);
        });
      }
    });

    it('attention weights: none subnormal, masked ones exactly 0 (the logit floor, ops/attention-stats.ts)', async () => {
      // With V the identity, the mean statistic M is the weights. Logits q·k: row 0 unmasked, row 1 masked
      // at positions 4 (which would be its maximum) and 5 (far below the floor, which must not revive it).
      const eye = new Float32Array(36).map((_, i) => (i % 7 === 0 ? 1 : 0));
      const masked = -1e15;
      const inputs = [
        { shape: [1, 2, 1], data: Float32Array.from([1, 1]) },
        { shape: [1, 1, 6], data: Float32Array.from([0, -30, -60, -100, 50, -500]) },
        { shape: [1, 6, 6], data: eye },
        { shape: [1, 2, 6], data: Float32Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, masked, masked]) },
      ];
      const [m] = await runCase(b, 'attentionStats', inputs);
      const weights = [...(m as HostTensor).data];
      const floored = Math.exp(-LOGIT_FLOOR_BELOW_ROW_MAX);
      // Row 0: max 50, so every other logit sits at the floor 10. Row 1: max 0; −30 is above the floor.
      const want = [floored, floored, floored, floored, 1, floored, 1, Math.exp(-30), floored, floored, 0, 0];
      weights.forEach((w, i) => {
        const expected = (want[i] as number) / (i < 6 ? 1 + 5 * floored : 1);
        if (expected === 0) expect(w, `weight ${i}`).toBe(0);
        else expect(Math.abs(w - expected) / expected, `weight ${i}: ${w} vs ${expected}`).toBeLessThan(1e-4);
        expect(w === 0 || Math.abs(w) >= FLT_MIN, `weight ${i} (${w}) is subnormal`).toBe(true);
      });
    });

    describe('scopes', () => {
      it('frees what was made inside except the result, and hands the result to the enclosing scope', () => {
        const start = b.memory().tensors;
        const outer = b.scope(() => {
          const inner = b.scope(() => {
            const x = b.upload(new Float32Array([1, 2]), [2]);
            const y = b.relu(x);
            return [b.sqrt(y)];
          });
          expect(b.memory().tensors).toBe(start + 1);
          expect(inner[0]?.isDisposed).toBe(false);
          b.relu(inner[0] as Tensor); // an intermediate of the outer scope
          return { out: inner[0] as Tensor };
        });
        expect(b.memory().tensors).toBe(start + 1);
        outer.out.dispose();
        expect(b.memory().tensors).toBe(start);
      });

      it('keep() survives every scope until disposed', () => {
        const start = b.memory().tensors;
        let first: Tensor | undefined;
        b.scope(() => {
          b.scope(() => (first = b.keep(b.upload(new Float32Array([1]), [1]))));
          return null;
        });
        expect(first?.isDisposed).toBe(false);
        expect(b.memory().tensors).toBe(start + 1);
        const again = b.scope(() => {
          const k = b.keep(b.upload(new Float32Array([2]), [1]));
          b.relu(k);
          return k;
        });
        expect(b.memory().tensors).toBe(start + 2);
        again.dispose();
        first?.dispose();
        expect(b.memory().tensors).toBe(start);
      });

      it('closes on throw and frees everything made inside', () => {
        const start = b.memory().tensors;
        expect(() =>
          b.scope(() => {
            b.upload(new Float32Array([1, 2]), [2]);
            b.scope(() => b.upload(new Float32Array([3]), [1]));
            throw new Error('boom');
          }),
        ).toThrow('boom');
        expect(b.memory().tensors).toBe(start);
        // the stack is sound afterwards: a new scope still frees
        b.scope(() => b.upload(new Float32Array([1]), [1]) && undefined);
        expect(b.memory().tensors).toBe(start);
      });

      it('refuses async functions', () => {
        const start = b.memory().tensors;
        expect(() => b.scope(async () => b.upload(new Float32Array([1]), [1]))).toThrow(InvalidArgumentError);
        expect(b.memory().tensors).toBe(start);
      });

      it('disposed tensors are refused by name', async () => {
        const x = b.upload(new Float32Array([1]), [1]);
        x.dispose();
        x.dispose(); // idempotent
        expect(() => b.relu(x)).toThrow(DisposedError);
        await expect(b.read(x)).rejects.toThrow(DisposedError);
      });

      it('reports operand problems with shapes in the message', () => {
        b.scope(() => {
          const x = b.upload(new Float32Array(8), [1, 2, 2, 2]);
          const w = b.upload(new Float32Array(3), [1, 3, 1, 1]);
          expect(() => b.conv2d(x, w, null)).toThrow(/2 channels.*\[1, 3, 1, 1\] expects 3/);
          expect(() => b.reflectPad(x, [2, 0, 0, 0])).toThrow(/smaller than the padded axes/);
          expect(() => b.gather(x, Int32Array.from([2]), 1)).toThrow(/index 2/);
        });
      });

      it('read returns an independent copy', async () => {
        const x = b.upload(new Float32Array([1, 2]), [2]);
        const first = await b.read(x);
        first[0] = 99;
        expect([...(await b.read(x))]).toEqual([1, 2]);
        x.dispose();
      });
    });

    describe('composite ops', () => {
      it('chunked attention equals one chunk, with and without a mask, for any chunk size', async () => {
        const host = (shape: number[], seed: number) => randomTensor(shape, seed);
        const [q, k, v] = [b.fromHost(host([1, 23, 5], 1)), b.fromHost(host([1, 5, 11], 2)), b.fromHost(host([1, 11, 3], 3))];
        const vv = b.mul(v, v);
        // Every content row in region 0, 1 or both (union); style regions overlap too.
        const regions = new Float32Array(23 * 2).map((_, i) => ((i >> 1) % 3 === 0 ? i & 1 : (i >> 1) % 3 === 1 ? 1 - (i & 1) : 1));
        const inside = new Float32Array(2 * 11).map((_, i) => (i % 4 === 1 ? 0 : i % 3 === 0 ? 1 : 0));
        const mask = { content: b.upload(regions, [1, 23, 2]), styleInside: b.upload(inside, [1, 2, 11]) };
        const start = b.memory().tensors;
        for (const withMask of [false, true]) {
          const whole = await chunkedAttentionStats(b, q, k, v, vv, withMask ? { mask } : {});
          const wantM = await b.readHost(whole[0]);
          const wantS = await b.readHost(whole[1]);
          whole.forEach((x) => x.dispose());
          for (const rows of [1, 4, 7, 22]) {
            const chunks: number[] = [];
            const budget = rows * 11 * 4 * (withMask ? 3 : 2);
            const got = await chunkedAttentionStats(b, q, k, v, vv, {
              memoryBudgetBytes: budget,
              ...(withMask ? { mask } : {}),
              afterChunk: (done) => void chunks.push(done),
            });
            expect(chunks.length).toBe(Math.ceil(23 / rows));
            expectClose(await b.readHost(got[0]), wantM, 1e-6, `M, ${rows} rows`);
            expectClose(await b.readHost(got[1]), wantS, 1e-6, `S, ${rows} rows`);
            got.forEach((x) => x.dispose());
          }
        }
        expect(b.memory().tensors).toBe(start);
        [q, k, v, vv, mask.content, mask.styleInside].forEach((x) => x.dispose());
      });

      it('masked attention ignores style positions outside the region; overlapping regions take the union', async () => {
        // Row 0..1: region 0, style position 2 only → M = V[2], S = 0. Row 2: regions 1 and 2, style {0} ∪ {3}.
        // Row 3: region 3, every style position.
        const q = b.fromHost(randomTensor([1, 4, 4], 5));
        const k = b.fromHost(randomTensor([1, 4, 4], 6));
        const v = b.upload(Float32Array.from([1, 2, 3, 4]), [1, 4, 1]);
        const vv = b.mul(v, v);
        const content = b.upload(Float32Array.from([1, 0, 0, 0, 1, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 1]), [1, 4, 4]);
        const styleInside = b.upload(Float32Array.from([0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1]), [1, 4, 4]);
        const [m, s] = await chunkedAttentionStats(b, q, k, v, vv, { mask: { content, styleInside }, memoryBudgetBytes: 1 });
        const mh = await b.read(m);
        const sh = await b.read(s);
        expect([mh[0], mh[1]]).toEqual([3, 3]);
        expect([sh[0], sh[1]]).toEqual([0, 0]);
        // Only V = 1 and V = 4 carry weight in row 2: with p the weight of 1, M = 4 − 3p and S² = 9p(1 − p).
        const p = (4 - mh[2]!) / 3;
        expect(p).toBeGreaterThan(0.01);
        expect(p).toBeLessThan(0.99);
        expect(sh[2]! ** 2).toBeCloseTo(9 * p * (1 - p), 4);
        const unmasked = await chunkedAttentionStats(b, q, k, v, vv);
        expect((await b.read(unmasked[0]))[3]).toBeCloseTo(mh[3]!, 5);
        [q, k, v, vv, content, styleInside, m, s, ...unmasked].forEach((x) => x.dispose());
      });

      it('cosine attention: relu(cos + 1) rows normalised by sum + 1e-5, masks inside the relu', async () => {
        const qh = randomTensor([1, 5, 3], 7);
        const kh = randomTensor([1, 3, 6], 8);
        const vh = randomTensor([1, 6, 2], 9);
        const [q, k, v] = [unitRows(b, b.fromHost(qh)), unitColumns(b, b.fromHost(kh)), b.fromHost(vh)];
        const vv = b.mul(v, v);
        const content = b.upload(new Float32Array(5).fill(1), [1, 5, 1]);
        const styleInside = b.upload(Float32Array.from([1, 1, 1, 0, 1, 1]), [1, 1, 6]);
        const [m, s] = await chunkedAttentionStats(b, q, k, v, vv, {
          kind: 'cosine',
          mask: { content, styleInside },
          memoryBudgetBytes: 2 * 6 * 4 * 3,
        });
        const norm = (x: number[]) => Math.hypot(...x) + 1e-5;
        const wantM = new Float32Array(10);
        const wantS = new Float32Array(10);
        for (let i = 0; i < 5; i++) {
          const qi = [0, 1, 2].map((c) => qh.data[i * 3 + c]!);
          const w = [0, 1, 2, 3, 4, 5].map((j) => {
            const kj = [0, 1, 2].map((c) => kh.data[c * 6 + j]!);
            const cos = qi.reduce((acc, x, c) => acc + x * kj[c]!, 0) / norm(qi) / norm(kj);
            return j === 3 ? 0 : Math.max(0, cos + 1);
          });
          const sum = w.reduce((a, x) => a + x, 0) + 1e-5;
          for (let c = 0; c < 2; c++) {
            const mean = w.reduce((a, x, j) => a + (x / sum) * vh.data[j * 2 + c]!, 0);
            const sq = w.reduce((a, x, j) => a + (x / sum) * vh.data[j * 2 + c]! ** 2, 0);
            wantM[i * 2 + c] = mean;
            wantS[i * 2 + c] = Math.sqrt(Math.max(0, sq - mean * mean));
          }
        }
        expectClose(await b.readHost(m), { shape: [1, 5, 2], data: wantM }, 1e-5, 'M');
        expectClose(await b.readHost(s), { shape: [1, 5, 2], data: wantS }, 1e-4, 'S');
        [q, k, v, vv, content, styleInside, m, s].forEach((x) => x.dispose());
      });

      it('a chunk that throws frees the chunks already done', async () => {
        const q = b.fromHost(randomTensor([1, 8, 2], 1));
        const k = b.fromHost(randomTensor([1, 2, 3], 2));
        const v = b.fromHost(randomTensor([1, 3, 2], 3));
        const start = b.memory().tensors;
        await expect(
          chunkedAttentionStats(b, q, k, v, v, {
            memoryBudgetBytes: 3 * 4 * 2,
            afterChunk: (done) => {
              if (done === 3) throw new Error('stop');
            },
          }),
        ).rejects.toThrow('stop');
        expect(b.memory().tensors).toBe(start);
        [q, k, v].forEach((x) => x.dispose());
      });

      it('buildKey = concat(mvn(nearest(shallower)), mvn(this level))', async () => {
        const f0 = b.fromHost(randomTensor([1, 2, 5, 7], 1));
        const f1 = b.fromHost(randomTensor([1, 3, 3, 4], 2));
        const key = buildKey(b, [f0, f1], 1);
        expect(key.shape).toEqual([1, 5, 3, 4]);
        const want = b.scope(() => b.concat([mvn(b, b.resizeNearest(f0, 3, 4)), mvn(b, f1)], 1));
        expectClose(await b.readHost(key), await b.readHost(want), 1e-6, 'key');
        [f0, f1, key, want].forEach((x) => x.dispose());
      });
    });
  });
}
