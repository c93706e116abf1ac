/**
 * Subnormal floats on onnx-node: every session gets ORT's `session.set_denormal_as_zero` config entry
 * (runtime.ts), whatever the caller adds, and ORT then flushes them (this file's process makes no session
 * before ours, as ORT requires for the calling thread).
 */
import { describe, expect, it } from 'vitest';
import { createOnnxNodeBackend, onnxNodeSessionOptions } from './node.js';

describe('onnx-node flushes subnormals', () => {
  it("asks ORT to flush in every session, keeping the caller's other config entries", () => {
    expect(onnxNodeSessionOptions({}).extra).toEqual({ session: { set_denormal_as_zero: '1' } });
    const theirs = onnxNodeSessionOptions({
      sessionOptions: { enableProfiling: true, extra: { session: { intra_op_thread_affinities: '1' }, optimization: { x: '1' } } },
    });
    expect(theirs.enableProfiling).toBe(true);
    expect(theirs.extra).toEqual({ session: { set_denormal_as_zero: '1', intra_op_thread_affinities: '1' }, optimization: { x: '1' } });
    // A caller may still turn it off explicitly.
    expect(onnxNodeSessionOptions({ sessionOptions: { extra: { session: { set_denormal_as_zero: '0' } } } }).extra).toEqual({
      session: { set_denormal_as_zero: '0' },
    });
  });

  it('returns 0 where a product would be subnormal, and normal products unchanged', async () => {
    const b = await createOnnxNodeBackend();
    const x = b.upload(Float32Array.from([1e-20, 3e-20, 2, 1e-19]), [4]);
    const y = b.mul(x, x);
    const got = [...(await b.readHost(y)).data];
    expect(got[0]).toBe(0); // 1e-40 and 9e-40 are below 2^-126 ≈ 1.18e-38
    expect(got[1]).toBe(0);
    expect(got[2]).toBe(4);
    expect(got[3]).toBe(0); // 1e-38 is just below it too
    x.dispose();
    y.dispose();
  });
});
