/**
 * Model directories for tests, built from seeded random weights with the official shapes: ours
 * (model.json + safetensors) and the authors' layout (four files; safetensors bytes under the .pth names,
 * which core's official loader accepts, so no PyTorch is needed to make them).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  componentsOf,
  createRng,
  expectedShapes,
  IMAGE_COMPONENTS,
  officialFileNames,
  writeModel,
  writeSafetensors,
  type ImageModelWeights,
  type ModelVariant,
  type VideoModelWeights,
  type WeightTensor,
} from '@adaattn/core';

export function randomImageWeights(seed = 1): ImageModelWeights {
  return randomWeights('image', seed) as unknown as ImageModelWeights;
}

export function randomVideoWeights(seed = 1): VideoModelWeights {
  return randomWeights('video', seed) as unknown as VideoModelWeights;
}

/** He-uniform for 3×3 convs, 1/fan-in for 1×1 projections, small biases: activations stay in range. */
function randomWeights(variant: ModelVariant, seed: number): Record<string, Map<string, WeightTensor>> {
  const next = createRng(seed);
  const out: Record<string, Map<string, WeightTensor>> = {};
  for (const component of componentsOf(variant)) {
    const map = new Map<string, WeightTensor>();
    for (const [key, shape] of expectedShapes(variant, component)) {
      const size = shape.reduce((a, b) => a * b, 1);
      const fanIn = shape.length === 4 ? shape[1]! * shape[2]! * shape[3]! : 1;
      const bound = shape.length === 1 ? 0.05 : shape[2] === 1 ? Math.sqrt(3 / fanIn) : Math.sqrt(6 / fanIn);
      const data = new Float32Array(size);
      for (let i = 0; i < size; i++) data[i] = ((next() / 2 ** 32) * 2 - 1) * bound;
      map.set(key, { shape, data });
    }
    out[component] = map;
  }
  return out;
}

export async function writeTestModelDir(dir: string, weights: ImageModelWeights | VideoModelWeights, variant: ModelVariant = 'image'): Promise<void> {
  await mkdir(dir, { recursive: true });
  const name = variant === 'image' ? 'test-random' : 'test-random-video';
  const files = await writeModel(weights, { name, variant }, { dtype: 'float16' });
  for (const f of files) await writeFile(join(dir, f.path), f.bytes);
}

export async function writeOfficialDir(dir: string, weights: ImageModelWeights): Promise<void> {
  await mkdir(dir, { recursive: true });
  const names = officialFileNames('image');
  for (const component of IMAGE_COMPONENTS) {
    const map = weights[component as keyof ImageModelWeights];
    await writeFile(join(dir, names[component]!), writeSafetensors(map, { dtype: 'float32' }));
  }
}
