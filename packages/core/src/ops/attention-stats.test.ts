import { describe, expect, it } from 'vitest';
import { createReferenceBackend } from '../backends/ref-cpu/index.js';
import { ReferenceKernels } from '../backends/ref-cpu/kernels.js';
import { InvalidArgumentError } from '../errors.js';
import { createBackend } from '../tensor/backend.js';
import type { KernelInput } from '../tensor/kernels.js';
import { expectClose, randomTensor } from '../tensor/test-utils/compare.js';
import { chunkedAttentionStats, rowsPerChunk } from './chunked-attention.js';
import { attentionStats } from './attention-stats.js';

/** Reference kernels plus a fused attention kernel that delegates to the default composition and counts calls. */
class FusedKernels extends ReferenceKernels {
  calls = 0;
  private readonly composed = createReferenceBackend();

  attentionStats(
    q: KernelInput<Float32Array>,
    k: KernelInput<Float32Array>,
    v: KernelInput<Float32Array>,
    vv: KernelInput<Float32Array>,
  ): [Float32Array, Float32Array] {
    this.calls++;
    const b = this.composed;
    const [m, s] = b.scope(() =>
      attentionStats(
        b,
        b.upload(q.handle, q.shape),
        b.upload(k.handle, k.shape),
        b.upload(v.handle, v.shape),
        b.upload(vv.handle, vv.shape),
      ),
    );
    const out: [Float32Array, Float32Array] = [this.upload(m.handle as Float32Array), this.upload(s.handle as Float32Array)];
    m.dispose();
    s.dispose();
    return out;
  }
}

describe('attention statistics', () => {
  it("uses a backend's fused kernel when it has one, with the same results", async () => {
    const kernels = new FusedKernels();
    const fused = createBackend(kernels);
    const plain = createReferenceBackend();
    const inputs = [randomTensor([1, 10, 4], 1), randomTensor([1, 4, 6], 2), randomTensor([1, 6, 3], 3)];
    const run = async (b: typeof plain) => {
      const [q, k, v] = inputs.map((x) => b.fromHost(x));
      const vv = b.mul(v!, v!);
      const [m, s] = await chunkedAttentionStats(b, q!, k!, v!, vv, { memoryBudgetBytes: 4 * 6 * 2 * 3 });
      const out = [await b.readHost(m), await b.readHost(s)];
      [q, k, v, vv, m, s].forEach((t) => t!.dispose());
      return out;
    };
    const want = await run(plain);
    const got = await run(fused);
    expect(kernels.calls).toBe(4); // 10 rows in chunks of 3
    expectClose(got[0]!, want[0]!, 1e-6, 'M');
    expectClose(got[1]!, want[1]!, 1e-6, 'S');
    expect(fused.memory().tensors).toBe(0);
  });

  it('checks operand shapes and names them', () => {
    const b = createReferenceBackend();
    const q = b.upload(new Float32Array(8), [1, 2, 4]);
    const k = b.upload(new Float32Array(12), [1, 3, 4]); // channels-last by mistake
    const v = b.upload(new Float32Array(4), [1, 4, 1]);
    expect(() => attentionStats(b, q, k, v, v)).toThrow(/k \[B,Ck,Ns\].*k \[1, 3, 4\]/);
  });

  it('sizes chunks to the memory budget', () => {
    expect(rowsPerChunk(4096, 256 * 2 ** 20, false)).toBe(8192); // 2 matrices of 16 KiB rows
    expect(rowsPerChunk(4096, 256 * 2 ** 20, true)).toBe(5461);
    expect(rowsPerChunk(1e9, 1, false)).toBe(1); // never below one row
    expect(() => rowsPerChunk(10, 0, false)).toThrow(InvalidArgumentError);
  });
});
