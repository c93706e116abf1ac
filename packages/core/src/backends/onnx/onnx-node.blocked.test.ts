/**
 * The blocked (NCHWc) layout on onnx-node: the probe reads the CPU's block size, a chain of convolutions
 * with reflection padding, ceil-mode pooling and ×2 upsampling between them stays blocked from its first
 * convolution to its last (one ReorderOutput, no ReorderInput), and computes the same numbers as the graph
 * that leaves the layout to ONNX Runtime's own pass; the attention runs as two blocked 1×1 convolutions and
 * computes what its MatMul, Softmax, MatMul form computes.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Stylizer } from '../../model/stylizer.js';
import { attentionStats, type AttentionKind } from '../../ops/attention-stats.js';
import { randomImageWeights } from '../../testing/index.js';
import type { Backend } from '../../tensor/backend.js';
import type { HostTensor } from '../../tensor/types.js';
import type { Executor } from './executor.js';
import { blockedFilter, OnnxKernels } from './kernels.js';
import type { LazyValue } from './lazy-value.js';
import { createOnnxNodeBackend } from './node.js';
import { NCHWC_DOMAIN } from './onnx-model.js';
import { planFor } from './plan.js';
import { probeBlockSize, type OnnxRuntime } from './runtime.js';
import ort from 'onnxruntime-node';

function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

/** The block size MLAS picks from the CPU's features (x86-64 Linux: 16 with AVX-512F, else 8; undefined elsewhere). */
function expectedBlockSize(): number | undefined {
  if (process.arch !== 'x64' || process.platform !== 'linux') return undefined;
  return /\bavx512f\b/.test(readFileSync('/proc/cpuinfo', 'utf8')) ? 16 : 8;
}

const mainThreadRuntime: OnnxRuntime = {
  name: 'probe',
  createSession: async (model) => ort.InferenceSession.create(model),
  tensor: (type, data, dims) => new ort.Tensor(type, data, dims),
};

// 32 channels fill whole blocks of 8 and of 16; odd sizes exercise ceil-mode pooling and reflection at edges.
const [C, H, W] = [32, 13, 11];
const rand = random(11);
const image = Float32Array.from({ length: 3 * H * W }, () => rand());
const weights = [
  [C, 3],
  [C, C],
  [C, C],
  [C, C],
  [16, C],
].map(([o, i]) => ({
  w: Float32Array.from({ length: (o as number) * (i as number) * 9 }, () => (rand() - 0.5) * Math.sqrt(24 / ((i as number) * 9))),
  b: Float32Array.from({ length: o as number }, () => (rand() - 0.5) * 0.2),
  shape: [o, i, 3, 3] as const,
}));

/** pad → conv 3→32 → pad → conv → pool → pad → conv → ×2 → pad → conv 32→16 (no ReLU on the last). */
function chain<T>(
  upload: (data: Float32Array, shape: readonly number[]) => T,
  ops: {
    pad: (x: T) => T;
    conv: (x: T, w: T, b: T, relu: boolean) => T;
    pool: (x: T) => T;
    up: (x: T, h: number, w: number) => T;
  },
): T {
  const params = weights.map(({ w, b, shape }) => [upload(w, shape), upload(b, [shape[0]])] as const);
  const layer = (x: T, k: number, relu = true) => ops.conv(ops.pad(x), params[k]![0], params[k]![1], relu);
  let v = upload(image, [1, 3, H, W]);
  v = layer(layer(v, 0), 1);
  v = layer(ops.pool(v), 2);
  v = ops.up(v, 2 * Math.ceil(H / 2), 2 * Math.ceil(W / 2));
  return layer(layer(v, 3), 4, false);
}

/** The chain's output and the number of ONNX nodes its graphs held. */
async function run(blockedLayout: boolean): Promise<{ data: Float32Array; nodes: number }> {
  let nodes = 0;
  const backend = await createOnnxNodeBackend({ threads: 1, blockedLayout, onGraphRun: (info) => (nodes += info.nodes) });
  const y = chain((data, shape) => backend.keep(backend.upload(data, shape)), {
    pad: (x) => backend.reflectPad(x, [1, 1, 1, 1]),
    conv: (x, w, b, relu) => backend.conv2d(x, w, b, relu),
    pool: (x) => backend.maxPool2x2Ceil(x),
    up: (x, h, w) => backend.resizeNearest(x, h, w),
  });
  return { data: (await backend.readHost(y)).data, nodes };
}

describe('the blocked layout on onnx-node', () => {
  it("reads ONNX Runtime's block size from the CPU", async () => {
    const b = await probeBlockSize(mainThreadRuntime);
    const expected = expectedBlockSize();
    if (expected !== undefined) expect(b).toBe(expected);
    else expect([1, 4, 8, 16]).toContain(b);
  });

  it('a runtime without blocked kernels reports 1', async () => {
    const failing: OnnxRuntime = { ...mainThreadRuntime, createSession: () => Promise.reject(new Error('no such op')) };
    expect(await probeBlockSize(failing)).toBe(1);
  });

  it('reorders a filter as MLAS reads it: [O/b][I/b][kh][kw][b_in][b_out], or [O/b][I][kh][kw][b_out] below a block of inputs', () => {
    const at = (o: number, i: number, t: number, I: number) => (o * I + i) * 4 + t; // w[k] = k; a 2×2 kernel has 4 taps
    const blocked = blockedFilter(
      Float32Array.from({ length: 8 * 8 * 4 }, (_, k) => k),
      [8, 8, 2, 2],
      4,
    );
    // Output block 1, input block 1, tap 2, input lane 3, output lane 1.
    expect(blocked[(((1 * 2 + 1) * 4 + 2) * 4 + 3) * 4 + 1]).toBe(at(4 + 1, 4 + 3, 2, 8));
    expect(blocked[0]).toBe(at(0, 0, 0, 8));
    expect(blocked[1]).toBe(at(1, 0, 0, 8)); // output lanes are innermost
    const byOutput = blockedFilter(
      Float32Array.from({ length: 8 * 3 * 4 }, (_, k) => k),
      [8, 3, 2, 2],
      4,
    );
    // Output block 1, input channel 2, tap 3, output lane 2.
    expect(byOutput[((1 * 3 + 2) * 4 + 3) * 4 + 2]).toBe(at(4 + 2, 2, 3, 3));
  });

  it('keeps padding, pooling and upsampling between convolutions blocked: one ReorderOutput at the end', () => {
    // Recording only: planFor lowers without running anything.
    const k = new OnnxKernels('record', { addConstant: () => undefined, dropConstant: () => undefined } as unknown as Executor);
    const h = (v: LazyValue) => ({ handle: v, shape: v.shape });
    const y = chain(
      (data, shape) => {
        const v = k.upload(data, shape);
        k.keep(h(v));
        return v;
      },
      {
        pad: (x) => k.reflectPad(h(x), [1, 1, 1, 1]),
        conv: (x, w, b, relu) => k.conv2d(h(x), h(w), h(b), relu),
        pool: (x) => k.maxPool2x2Ceil(h(x)),
        up: (x, hh, ww) => k.resizeNearest(h(x), hh, ww),
      },
    );
    const nodes = planFor([y], undefined, 16).graph.nodes;
    const blocked = nodes.filter((n) => n.domain === NCHWC_DOMAIN).map((n) => n.opType);
    expect(blocked.filter((o) => o === 'Conv')).toHaveLength(5);
    expect(blocked).toEqual(expect.arrayContaining(['MaxPool', 'Upsample']));
    expect(blocked.filter((o) => o === 'ReorderOutput')).toHaveLength(1);
    expect(blocked).not.toContain('ReorderInput'); // the first convolution reads the 3-channel image in NCHW
    expect(nodes.filter((n) => n.opType === 'Pad')).toHaveLength(5);
    // Block size 1: plain NCHW nodes only, ORT's own pass chooses the layout.
    expect(planFor([y], undefined, 1).graph.nodes.every((n) => n.domain === undefined)).toBe(true);
  });

  it('computes what the graph without it computes', async () => {
    const [blocked, plain] = [await run(true), await run(false)];
    expect(blocked.data.length).toBe(16 * 2 * Math.ceil(H / 2) * 2 * Math.ceil(W / 2));
    let worst = 0;
    for (let i = 0; i < plain.data.length; i++) worst = Math.max(worst, Math.abs(blocked.data[i]! - plain.data[i]!));
    expect(worst).toBeLessThan(1e-5);
    // Where the CPU has blocked kernels the backend did lower to them: each padding gains its two Reshapes.
    if ((await probeBlockSize(mainThreadRuntime)) > 1) expect(blocked.nodes).toBeGreaterThan(plain.nodes + 8);
    else expect(blocked.nodes).toBe(plain.nodes);
  });

  describe('the attention as two blocked 1×1 convolutions', () => {
    // 32 key channels and 2 × 8 value channels fill whole blocks; 41 style positions do not (padded to 48).
    const [n, keyChannels, positions, c] = [37, 32, 41, 8];
    const tensor = (shape: number[], f: () => number): HostTensor => ({
      shape,
      data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, f),
    });
    // Logits spread over ~±150 (near-one-hot rows, as in the model), and all far below 0 in the second
    // case: a padded position's logit would be the row maximum there but for its −1e30 bias.
    const q = tensor([1, n, keyChannels], () => (rand() - 0.5) * 6);
    const k = tensor([1, keyChannels, positions], () => (rand() - 0.5) * 6);
    const negative = tensor([1, keyChannels, positions], () => -2 - 4 * rand());
    const positiveQ = tensor([1, n, keyChannels], () => 1 + rand());
    const v = tensor([1, positions, c], () => rand() * 4 - 1);
    const mask = tensor([1, n, positions], () => (rand() < 0.3 ? -1e15 : 0));

    async function statistics(
      backend: Backend,
      [qh, kh]: readonly [HostTensor, HostTensor],
      kind: AttentionKind,
      masked = false,
    ): Promise<Float32Array[]> {
      const [qt, kt, vt] = [qh, kh, v].map((x) => backend.fromHost(x)) as [
        ReturnType<Backend['fromHost']>,
        ReturnType<Backend['fromHost']>,
        ReturnType<Backend['fromHost']>,
      ];
      const out = backend.scope(() =>
        attentionStats(backend, qt, kt, vt, backend.mul(vt, vt), masked ? backend.fromHost(mask) : null, kind),
      );
      const hosts = await Promise.all(out.map((t) => backend.readHost(t)));
      [...out, qt, kt, vt].forEach((t) => t.dispose());
      return hosts.map((h) => h.data);
    }

    /**
     * The largest difference of the means (relative) and of the variances S² (absolute). S itself is compared
     * as S², since near-one-hot rows leave E[V²] − M² at rounding level, where √ magnifies any difference.
     */
    function worst([m, s]: readonly Float32Array[], [mRef, sRef]: readonly Float32Array[]): { mean: number; variance: number } {
      let [mean, variance] = [0, 0];
      m!.forEach((x, i) => (mean = Math.max(mean, Math.abs(x - mRef![i]!) / (1e-3 + Math.abs(mRef![i]!)))));
      s!.forEach((x, i) => (variance = Math.max(variance, Math.abs(x * x - sRef![i]! * sRef![i]!))));
      return { mean, variance };
    }

    it('records two blocked convolutions per chunk and reorders the keys and values once per style', () => {
      const kernels = new OnnxKernels('record', {
        addConstant: () => undefined,
        dropConstant: () => undefined,
        blockSize: 16,
      } as unknown as Executor);
      const up = (h: HostTensor) => {
        const x = kernels.upload(h.data, h.shape);
        return { handle: x, shape: x.shape };
      };
      const [kv, vv] = [up(k), up(v)];
      const squares = { handle: kernels.binary('mul', vv, vv), shape: vv.shape };
      const chunks = [up(q), up(positiveQ)].map((qq) => kernels.attentionStats(qq, kv, vv, squares, null, 'softmax')[0]);
      const nodes = planFor(chunks, undefined, 16).graph.nodes;
      expect(nodes.filter((node) => node.domain === NCHWC_DOMAIN && node.opType === 'Conv')).toHaveLength(4);
      expect(nodes.filter((node) => node.opType === 'MatMul' || node.opType === 'Softmax')).toHaveLength(0);
      // One Transpose per filter (keys, [V | V² | 1]) for both chunks, and one per chunk into and out of the blocks.
      expect(nodes.filter((node) => node.opType === 'Transpose')).toHaveLength(2 + 2 * 2);
      // With a mask: the MatMul form.
      const masked = kernels.attentionStats(up(q), kv, vv, squares, up(mask), 'softmax')[0];
      // The cosine kind: the relu is the first convolution's activation, so no elementwise op touches the weights.
      const cosine = planFor([kernels.attentionStats(up(q), kv, vv, squares, null, 'cosine')[0]], undefined, 16).graph.nodes;
      expect(cosine.filter((node) => node.domain === NCHWC_DOMAIN && node.opType === 'Conv')).toHaveLength(2);
      expect(cosine.filter((node) => ['Exp', 'Relu', 'ReduceMax', 'ReduceSum'].includes(node.opType))).toHaveLength(0);
      expect(planFor([masked], undefined, 16).graph.nodes.some((node) => node.domain === NCHWC_DOMAIN)).toBe(false);
    });

    for (const [label, inputs, kind] of [
      ['softmax, logits of both signs', [q, k], 'softmax'],
      ['softmax, every logit far below 0', [positiveQ, negative], 'softmax'],
      ['cosine', [q, k], 'cosine'],
    ] as const) {
      it(`computes the same statistics, ${label}, whole and in bands`, async () => {
        const plain = await statistics(await createOnnxNodeBackend({ threads: 1, blockedLayout: false }), inputs, kind);
        for (const memoryBudgetBytes of [undefined, 1]) {
          const blocked = await statistics(await createOnnxNodeBackend({ threads: 1, memoryBudgetBytes }), inputs, kind);
          const { mean, variance } = worst(blocked, plain);
          expect(mean).toBeLessThan(1e-5);
          expect(variance).toBeLessThan(1e-5); // E[V²] is up to 9 here: a few float32 roundings of it
        }
      });
    }

    it('falls back to the MatMul form with a mask, with the same numbers', async () => {
      for (const kind of ['softmax', 'cosine'] as const) {
        const plain = await statistics(await createOnnxNodeBackend({ threads: 1, blockedLayout: false }), [q, k], kind, true);
        const blocked = await statistics(await createOnnxNodeBackend({ threads: 1 }), [q, k], kind, true);
        expect(worst(blocked, plain)).toEqual({ mean: 0, variance: 0 });
      }
    });
  });

  it('a stylizer gives the same image with and without it', async () => {
    const weights = randomImageWeights(5);
    const picture = (h: number, w: number): HostTensor => ({
      shape: [1, 3, h, w],
      data: Float32Array.from({ length: 3 * h * w }, () => rand()),
    });
    const [content, style] = [picture(40, 56), picture(48, 32)];
    const outputs = [];
    for (const blockedLayout of [true, false]) {
      const stylizer = Stylizer.create(await createOnnxNodeBackend({ threads: 1, blockedLayout }), weights);
      outputs.push((await stylizer.stylizeFloat(content, style)).output.data);
      stylizer.dispose();
    }
    let worst = 0;
    for (let i = 0; i < outputs[0]!.length; i++) worst = Math.max(worst, Math.abs(outputs[0]![i]! - outputs[1]![i]!));
    expect(worst).toBeLessThan(1e-4);
  });
});
