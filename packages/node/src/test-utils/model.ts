/**
 * Model directories for tests, built from seeded random weights with the official shapes: ours
 * (model.json + safetensors) and the authors' layout (four files; safetensors bytes under the .pth names,
 * which core's official loader accepts, so no PyTorch is needed to make them).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  IMAGE_COMPONENTS,
  officialFileNames,
  writeModel,
  writeSafetensors,
  type ImageModelWeights,
  type ModelVariant,
  type VideoModelWeights,
} from '@adaattn/core';

// One source of random weights for every package's tests (core's, with the same official shapes).
export { randomImageWeights, randomVideoWeights } from '@adaattn/core/testing';

export async function writeTestModelDir(
  dir: string,
  weights: ImageModelWeights | VideoModelWeights,
  variant: ModelVariant = 'image',
): Promise<void> {
  await mkdir(dir, { recursive: true });
  const name = variant === 'image' ? 'test-random' : 'test-random-video';
  const files = await writeModel(weights, { name, variant }, { dtype: 'float16' });
  for (const f of files) await writeFile(join(dir, f.path), f.bytes);
}

export async function writeOfficialDir(dir: string, weights: ImageModelWeights): Promise<void> {
  await mkdir(dir, { recursive: true });
  const names = officialFileNames('image');
  for (const component of IMAGE_COMPONENTS) {
    const map = weights[component as Exclude<keyof ImageModelWeights, 'strength'>];
    await writeFile(join(dir, names[component]!), writeSafetensors(map, { dtype: 'float32' }));
  }
}
