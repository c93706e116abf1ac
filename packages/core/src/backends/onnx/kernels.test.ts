/**
 * Lowerings that the shared conformance cases do not reach: every path of the nearest resize, in whole
 * graphs and in bands, against the reference backend.
 */
import { describe, it } from 'vitest';
import { createReferenceBackend } from '../ref-cpu/index.js';
import { expectClose, randomTensor } from '../../tensor/test-utils/compare.js';
import { createOnnxNodeBackend } from './node.js';

const CASES: readonly [string, [number, number], [number, number]][] = [
  ['shrink by whole factors on both axes (strided Slice)', [8, 12], [4, 3]],
  ['×2 on H, table on W', [8, 12], [16, 5]],
  ['strided on H, table on W', [6, 6], [2, 4]],
  ['table on H, ×2 on W', [7, 5], [3, 10]],
  ['same size', [5, 5], [5, 5]],
];

describe('onnx: nearest resize lowerings', () => {
  const ref = createReferenceBackend();
  for (const budget of [undefined, 1]) {
    for (const [name, [h, w], [oh, ow]] of CASES) {
      it(`${name}${budget === undefined ? '' : ', in bands'}`, async () => {
        const b = await createOnnxNodeBackend(budget === undefined ? {} : { memoryBudgetBytes: budget });
        const x = randomTensor([1, 2, h, w], h * 31 + w);
        const want = await ref.readHost(ref.resizeNearest(ref.fromHost(x), oh, ow));
        const got = await b.readHost(b.resizeNearest(b.fromHost(x), oh, ow));
        expectClose(got, want, 0, name);
      });
    }
  }
});
