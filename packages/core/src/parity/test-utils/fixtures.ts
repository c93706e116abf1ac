/**
 * The parity fixtures (packages/core/src/__fixtures__/parity, made by tools/reference/make_parity_fixtures.py)
 * and the two weight sets they were computed with: the seeded random weights (rebuilt here) and the shipped
 * model directory packages/model-image (loaded with its sha256 checks).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AttentionLevel, Level } from '../../architecture.js';
import type { HostTensor } from '../../tensor/types.js';
import { loadModelFromFiles } from '../../weights/model-files.js';
import { readSafetensors } from '../../weights/safetensors.js';
import type { ImageModelWeights, WeightTensor } from '../../weights/types.js';
import { seededTensor, type SeededTensorSpec } from './seeded.js';

const here = dirname(fileURLToPath(import.meta.url));
export const PARITY_DIR = resolve(here, '../../__fixtures__/parity');
export const REPO_ROOT = resolve(here, '../../../../..');

export type WeightSetName = 'seeded' | 'trained';

/** What the reference stored for one tensor of one case. */
export interface ExpectedTensor {
  /** Key in the weight set's expected-*.safetensors. */
  readonly name: string;
  /** Full shape of the reference tensor. */
  readonly shape: readonly number[];
  /** Shape as stored: features keep every `featureChannelStride`-th channel only; the output is whole. */
  readonly storedShape: readonly number[];
  /** max |x| over the whole reference tensor: the denominator of relative errors. */
  readonly maxAbs: number;
  /** The same run in PyTorch float32: max abs error (output) or relative as `maxAbs` (features). */
  readonly torchFloat32Error: number;
}

export type CaseTensorName = `content.${Level}` | `adaattn.${AttentionLevel}` | 'transformer' | 'output';

export interface ParityCase {
  readonly name: string;
  readonly weights: WeightSetName;
  readonly content: string;
  readonly style: string;
  readonly paddedSize: readonly [number, number];
  /** 'exact': every style position (all are under the caps); 'subset': `sampleIndices` at each level. */
  readonly attention: 'exact' | 'subset';
  readonly sampleIndices?: Readonly<Record<AttentionLevel, readonly number[]>>;
  readonly tensors: Readonly<Record<CaseTensorName, ExpectedTensor>>;
  readonly attentionStats: Readonly<
    Record<AttentionLevel, { maxAbsLogit: number; logitStd: number; meanMaxAttention: number; stylePositions: number }>
  >;
}

export interface ParityManifest {
  readonly featureChannelStride: number;
  readonly inputs: { readonly file: string };
  readonly weightSets: {
    readonly seeded: {
      readonly seed: number;
      readonly expected: string;
      readonly tensors: readonly SeededTensorSpec[];
      readonly pth: Readonly<Record<string, { format: 'zip' | 'legacy'; component: string; keys: readonly string[] }>>;
    };
    readonly trained: { readonly dir: string; readonly expected: string };
  };
  readonly cases: readonly ParityCase[];
}

let manifest: ParityManifest | undefined;

export function parityManifest(): ParityManifest {
  manifest ??= JSON.parse(readFileSync(join(PARITY_DIR, 'manifest.json'), 'utf8')) as ParityManifest;
  return manifest;
}

export function readParityFile(name: string): Uint8Array {
  return new Uint8Array(readFileSync(join(PARITY_DIR, name)));
}

function readTensors(file: string): Map<string, HostTensor> {
  const { tensors } = readSafetensors(readParityFile(file), { file });
  return new Map([...tensors].map(([k, t]) => [k, { shape: [...t.shape], data: t.data }]));
}

const cache = new Map<string, Map<string, HostTensor>>();

function cachedTensors(file: string): Map<string, HostTensor> {
  let t = cache.get(file);
  if (t === undefined) cache.set(file, (t = readTensors(file)));
  return t;
}

function required<T>(map: Map<string, T>, key: string, file: string): T {
  const v = map.get(key);
  if (v === undefined) throw new Error(`${file} has no tensor '${key}': regenerate the fixtures (tools/reference/make_parity_fixtures.py)`);
  return v;
}

export function parityInput(name: string): HostTensor {
  const file = parityManifest().inputs.file;
  return required(cachedTensors(file), name, file);
}

export function parityExpected(c: ParityCase, tensor: CaseTensorName): HostTensor {
  const file = parityManifest().weightSets[c.weights].expected;
  return required(cachedTensors(file), c.tensors[tensor].name, file);
}

export function sha256OfFloats(data: Float32Array): string {
  return createHash('sha256')
    .update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength))
    .digest('hex');
}

/**
 * The seeded weights, each tensor's sha256 checked against the manifest (the proof that this generator and
 * the Python one agree bit for bit). Throws naming the first tensor that differs.
 */
export function seededWeights(): ImageModelWeights {
  const { seed, tensors } = parityManifest().weightSets.seeded;
  const maps: Record<string, Map<string, WeightTensor>> = {
    encoder: new Map(),
    transformer: new Map(),
    adaattn3: new Map(),
    decoder: new Map(),
  };
  for (const spec of tensors) {
    const t = seededTensor(spec, seed);
    const got = sha256OfFloats(t.data);
    if (got !== spec.sha256)
      throw new Error(`seeded ${spec.component}/${spec.key}: sha256 ${got} ≠ ${spec.sha256} from the Python generator`);
    (maps[spec.component] as Map<string, WeightTensor>).set(spec.key, t);
  }
  return maps as unknown as ImageModelWeights;
}

/** packages/model-image through the model-directory loader (size, sha256, dtype and shape checks). */
export async function trainedWeights(): Promise<ImageModelWeights> {
  const dir = resolve(REPO_ROOT, parityManifest().weightSets.trained.dir);
  const loaded = await loadModelFromFiles(async (path) => new Uint8Array(await readFile(join(dir, path))));
  if (loaded.config.variant !== 'image') throw new Error(`${dir} is not an image model`);
  return loaded.weights as ImageModelWeights;
}

export function weightsFor(set: WeightSetName): Promise<ImageModelWeights> {
  return set === 'seeded' ? Promise.resolve(seededWeights()) : trainedWeights();
}

/** Every `stride`-th channel of [1,C,H,W] (all channels when C ≤ 3), as the fixtures store features. */
export function strideChannels(t: HostTensor, stride: number): HostTensor {
  const [n, c, h, w] = t.shape as [number, number, number, number];
  if (c <= 3) return t;
  const kept = Math.ceil(c / stride);
  const plane = h * w;
  const out = new Float32Array(n * kept * plane);
  for (let b = 0; b < n; b++) {
    for (let k = 0; k < kept; k++)
      out.set(t.data.subarray((b * c + k * stride) * plane, (b * c + k * stride + 1) * plane), (b * kept + k) * plane);
  }
  return { shape: [n, kept, h, w], data: out };
}
