import { describe, expect, it } from 'vitest';
import { WeightsError } from './errors.js';
import { detectWeightFormat, readWeights } from './read-weights.js';
import { writeSafetensors } from './safetensors.js';
import { readFixture } from './test-utils/paths.js';

describe('readWeights', () => {
  it('sniffs each format', () => {
    const st = writeSafetensors(new Map([['w', { shape: [2], data: new Float32Array([1, 2]) }]]));
    expect(detectWeightFormat(st)).toBe('safetensors');
    expect(detectWeightFormat(readFixture('zip.pth'))).toBe('pth-zip');
    expect(detectWeightFormat(readFixture('legacy.pth'))).toBe('pth-legacy');
    expect(detectWeightFormat(new TextEncoder().encode('GIF89a....'))).toBeUndefined();
    expect(readWeights(st).tensors.get('w')!.data).toEqual(new Float32Array([1, 2]));
    // legacy.pth stores a float16 overflow (Infinity) on purpose; the format is what this test is about.
    expect(readWeights(readFixture('legacy.pth'), { allowNonFinite: true }).format).toBe('pth-legacy');
  });

  it('rejects anything else with the file name', () => {
    for (const [bytes, code] of [
      [new TextEncoder().encode('<html>Not Found</html>'), 'not-pth'],
      [new Uint8Array(3), 'truncated'],
    ] as const) {
      try {
        readWeights(bytes, { file: 'latest_net_decoder.pth' });
        throw new Error('expected a WeightsError');
      } catch (e) {
        expect(e).toBeInstanceOf(WeightsError);
        expect((e as WeightsError).code).toBe(code);
        expect((e as WeightsError).message).toMatch(/^latest_net_decoder\.pth: /);
      }
    }
  });
});
