/**
 * Checks an ImageModelWeights before anything is uploaded: every component against the official layout
 * (weights/official-names.ts names misplaced files and lists missing keys and shape mismatches), then
 * that each tensor's data fills its shape (a hand-built map could get that wrong; readers never do).
 */
import { WeightsError } from '../weights/errors.js';
import { expectedShapes, IMAGE_COMPONENTS, validateComponent } from '../weights/official-names.js';
import type { ImageModelWeights, WeightMap } from '../weights/types.js';
import { formatShape, sizeOf } from '../tensor/types.js';

export function validateImageWeights(weights: ImageModelWeights): void {
  for (const component of IMAGE_COMPONENTS) {
    const map = (weights as unknown as Partial<Record<string, WeightMap>>)[component];
    if (map === undefined || typeof map.get !== 'function') {
      throw new WeightsError('weights-mismatch', `image model weights: \`${component}\` is missing; expected a Map of its official checkpoint tensors`);
    }
    validateComponent(map, 'image', component);
    for (const key of expectedShapes('image', component).keys()) {
      const t = map.get(key)!;
      if (t.data.length !== sizeOf(t.shape)) {
        throw new WeightsError('corrupt', `image model ${component}: \`${key}\` holds ${t.data.length} values but its shape ${formatShape(t.shape)} needs ${sizeOf(t.shape)}`);
      }
    }
  }
}
