import { describe, expect, it } from 'vitest';
import { createReferenceBackend } from '../backends/ref-cpu/index.js';
import { createOnnxBackendFrom } from '../backends/onnx/create.js';
import type { Backend } from '../tensor/backend.js';
import { randomTensor } from '../tensor/test-utils/compare.js';
import { conv3x3, conv3x3InBands, type Conv } from './layers.js';

function randomConv(b: Backend, out: number, inChannels: number, seed: number): Conv {
  return {
    spec: { key: 'test', shape: [out, inChannels, 3, 3] },
    weight: b.fromHost(randomTensor([out, inChannels, 3, 3], seed)),
    bias: b.fromHost(randomTensor([out], seed + 1)),
  };
}

describe('conv3x3InBands', () => {
  it('on an eager backend, computes bands that join into exactly the whole conv, awaiting between them', async () => {
    const b = createReferenceBackend();
    const conv = randomConv(b, 4, 3, 7);
    const x = b.upload(
      Float32Array.from({ length: 2 * 3 * 13 * 9 }, (_, i) => Math.sin(i)),
      [2, 3, 13, 9],
    );
    const flops = 2 * 2 * 4 * 3 * 9 * 13 * 9;
    const fractions: number[] = [];
    const banded = await conv3x3InBands(b, x, conv, true, async (f) => void fractions.push(f), flops / 5);
    const whole = conv3x3(b, x, conv, true);
    expect(banded.shape).toEqual([2, 4, 13, 9]);
    expect(await b.read(banded)).toEqual(await b.read(whole));
    expect(fractions).toEqual([0.2, 0.4, 0.6, 0.8]);
    const tensors = b.memory().tensors;
    const again = await conv3x3InBands(b, x, conv, false, async () => {}, flops / 3);
    expect(b.memory().tensors).toBe(tensors + 1); // only the result: pads, slices and bands are freed
    again.dispose();
  });

  it('without betweenBands (an unwatched call) is one conv whatever its size', async () => {
    const b = createReferenceBackend();
    const conv = randomConv(b, 2, 2, 3);
    const x = b.upload(new Float32Array(2 * 8 * 8).fill(0.5), [1, 2, 8, 8]);
    const ops: string[] = [];
    const slice = b.slice.bind(b);
    b.slice = (...args) => (ops.push('slice'), slice(...args));
    const y = await conv3x3InBands(b, x, conv, true, undefined, 10);
    expect(ops).toEqual([]);
    expect(await b.read(y)).toEqual(await b.read(conv3x3(b, x, conv, true)));
  });

  it('frees its bands when the wait between them throws (an abort), and passes the error on', async () => {
    const b = createReferenceBackend();
    const conv = randomConv(b, 2, 2, 3);
    const x = b.upload(new Float32Array(2 * 8 * 8).fill(0.5), [1, 2, 8, 8]);
    const tensors = b.memory().tensors;
    const abort = new Error('aborted');
    await expect(conv3x3InBands(b, x, conv, true, () => Promise.reject(abort), 10)).rejects.toBe(abort);
    expect(b.memory().tensors).toBe(tensors);
  });

  it('leaves a deferred backend, which cuts its own pieces, one conv', async () => {
    const runtime = { name: 'none', createSession: () => Promise.reject(new Error('not run')), tensor: () => ({ dims: [], data: null }) };
    const b = createOnnxBackendFrom(runtime);
    const conv = randomConv(b, 2, 2, 3);
    const x = b.upload(new Float32Array(2 * 8 * 8), [1, 2, 8, 8]);
    let waits = 0;
    await conv3x3InBands(b, x, conv, true, async () => void waits++, 10);
    expect(waits).toBe(0);
  });
});
