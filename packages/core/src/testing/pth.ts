/**
 * Writes PyTorch checkpoints without torch, for tests that need a .pth on disk (e.g. a checkpoint holding NaN
 * for `adaattn convert`): both layouts torch.save has used, float32 storages, one per tensor.
 */
import { legacyPth, stateDictPickle, type TensorSpec } from '../weights/test-utils/pickle-writer.js';
import { storedZip } from '../weights/test-utils/zip-writer.js';
import type { WeightMap } from '../weights/types.js';

export type TestPthFormat = 'zip' | 'legacy';

export function writeTestPth(weights: WeightMap, format: TestPthFormat = 'zip'): Uint8Array {
  const items: Array<[string, TensorSpec]> = [];
  const storages: Array<[string, Float32Array]> = [];
  for (const [key, tensor] of weights) {
    const storage = String(storages.length);
    const stride = tensor.shape.map((_, d) => tensor.shape.slice(d + 1).reduce((a, b) => a * b, 1));
    items.push([key, { size: tensor.shape, stride, offset: 0, storage: [storage, tensor.data.length] }]);
    storages.push([storage, tensor.data]);
  }
  if (format === 'legacy')
    return legacyPth(
      items,
      storages.map(([k, v]) => [k, Array.from(v)]),
    );
  // torch ≥ 1.6: `<archive>/data.pkl`, `<archive>/data/<key>` (raw little-endian bytes), byteorder, version.
  return storedZip([
    { name: 'archive/data.pkl', data: stateDictPickle(items, 'zip') },
    { name: 'archive/byteorder', data: new TextEncoder().encode('little') },
    ...storages.map(([key, values]) => ({
      name: `archive/data/${key}`,
      data: new Uint8Array(values.buffer, values.byteOffset, values.byteLength),
    })),
    { name: 'archive/version', data: new TextEncoder().encode('3\n') },
  ]);
}
