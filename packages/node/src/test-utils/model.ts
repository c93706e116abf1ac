/**
 * Model directories for tests, built from seeded random weights with the official shapes: ours
 * (model.json + safetensors) and the authors' layout (four files; safetensors bytes under the .pth names,
 * which core's official loader accepts, so no PyTorch is needed to make them).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  createRng,
  expectedShapes,
  IMAGE_COMPONENTS,
  officialFileNames,
  writeModel,
  writeSafetensors,
  type ImageModelWeights,
  type WeightTensor,
} from '@adaattn/core';

/** He-uniform for 3×3 convs, 1/fan-in for 1×1 projections, small biases: activations stay in range. */
export function randomImageWeights(seed = 1): ImageModelWeights {
  const next = createRng(seed);
  const out: Record<string, Map<string, WeightTensor>> = {};
  for (const component of IMAGE_COMPONENTS) {
    const map = new Map<string, WeightTensor>();
    for (const [key, shape] of expectedShapes('image', component)) {
      const size = shape.reduce((a, b) => a * b, 1);
      const fanIn = shape.length === 4 ? shape[1]! * shape[2]! * shape[3]! : 1;
      const bound = shape.length === 1 ? 0.05 : shape[2] === 1 ? Math.sqrt(3 / fanIn) : Math.sqrt(6 / fanIn);
      const data = new Float32Array(size);
      for (let i = 0; i < size; i++) data[i] = ((next() / 2 ** 32) * 2 - 1) * bound;
      map.set(key, { shape, data });
    }
    out[component] = map;
  }
  return out as unknown as ImageModelWeights;
}

export async function writeTestModelDir(dir: string, weights: ImageModelWeights): Promise<void> {
  await mkdir(dir, { recursive: true });
  const files = await writeModel(weights, { name: 'test-random', variant: 'image' }, { dtype: 'float16' });
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
