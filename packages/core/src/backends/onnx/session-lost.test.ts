/**
 * A session whose runtime went away (onnxruntime-node's worker thread crashed) fails its read with
 * SessionLostError, and the executor forgets it: the next read makes the session again instead of failing
 * forever on a cached dead one.
 */
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { createOnnxBackendFrom } from './create.js';
import { SessionLostError, type OnnxRuntime, type RuntimeSession, type RuntimeTensor } from './runtime.js';

describe('a lost session', () => {
  it('rejects the read in progress, then is made again for the next one', async () => {
    let created = 0;
    let loseNextRun = false;
    const runtime: OnnxRuntime = {
      name: 'onnx-node-test',
      createSession: async (model): Promise<RuntimeSession> => {
        created++;
        const session = await ort.InferenceSession.create(model);
        return {
          run: async (feeds) => {
            if (loseNextRun) {
              loseNextRun = false;
              throw new SessionLostError('the thread went away');
            }
            return (await session.run(feeds as Record<string, ort.Tensor>)) as Record<string, RuntimeTensor>;
          },
          release: () => session.release(),
        };
      },
      tensor: (type, data, dims) => new ort.Tensor(type, data, dims),
    };
    const b = createOnnxBackendFrom(runtime);
    const input = new Float32Array([-1, 2, -3, 4]);
    const relu = () => b.relu(b.upload(input, [1, 1, 2, 2]));
    expect([...(await b.read(relu()))]).toEqual([0, 2, 0, 4]);
    expect(created).toBe(1);
    loseNextRun = true;
    await expect(b.read(relu())).rejects.toBeInstanceOf(SessionLostError);
    expect([...(await b.read(relu()))]).toEqual([0, 2, 0, 4]);
    expect(created).toBe(2);
    expect([...(await b.read(relu()))]).toEqual([0, 2, 0, 4]);
    expect(created).toBe(2); // cached again
  });
});
