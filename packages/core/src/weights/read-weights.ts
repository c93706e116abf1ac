/**
 * One entry point for a weights file of unknown format: sniffs the first bytes and dispatches, so callers
 * (official directories, `adaattn convert`) accept a safetensors file where a .pth was expected and vice versa.
 */
import { asBytes } from './dtype.js';
import { fileLabel, WeightsError } from './errors.js';
import { readPth, type ReadPthOptions } from './pth.js';
import { readSafetensors, type ReadSafetensorsOptions } from './safetensors.js';
import type { StorageDtype, WeightMap } from './types.js';
import { isZip } from './zip.js';

export type WeightFileFormat = 'safetensors' | 'pth-zip' | 'pth-legacy';

export interface WeightFileContents {
  readonly format: WeightFileFormat;
  readonly tensors: WeightMap;
  readonly dtypes: ReadonlyMap<string, StorageDtype>;
}

/** Recognises a format from its first bytes; undefined when it is none of them. */
export function detectWeightFormat(input: Uint8Array | ArrayBuffer): WeightFileFormat | undefined {
  const bytes = asBytes(input);
  if (isZip(bytes)) return 'pth-zip';
  if (bytes.length >= 2 && bytes[0] === 0x80 && bytes[1] >= 2 && bytes[1] <= 5) return 'pth-legacy';
  // safetensors: u64 header length (small: high bytes zero), then '{'.
  if (bytes.length >= 9 && bytes[8] === 0x7b && bytes[5] === 0 && bytes[6] === 0 && bytes[7] === 0) return 'safetensors';
  return undefined;
}

/** What both readers take: the file to name in messages, the per-tensor element bound, and the NaN/Infinity check. */
export type ReadWeightsOptions = ReadPthOptions & ReadSafetensorsOptions;

export function readWeights(input: Uint8Array | ArrayBuffer, options: ReadWeightsOptions = {}): WeightFileContents {
  const bytes = asBytes(input);
  const format = detectWeightFormat(bytes);
  if (format === 'safetensors') {
    const { tensors, dtypes } = readSafetensors(bytes, options);
    return { format, tensors, dtypes };
  }
  if (format === 'pth-zip' || format === 'pth-legacy') {
    const { tensors, dtypes } = readPth(bytes, options);
    return { format, tensors, dtypes };
  }
  const code = bytes.length < 9 ? 'truncated' : 'not-pth';
  throw new WeightsError(
    code,
    `${fileLabel(options.file)}${bytes.length < 9 ? `only ${bytes.length} bytes: empty or truncated` : 'not a weights file'} (expected safetensors or a PyTorch .pth checkpoint)`,
    { file: options.file },
  );
}
