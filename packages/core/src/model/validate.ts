/**
 * Checks model weights before anything is uploaded: every component against the official layout
 * (weights/official-names.ts names misplaced files and lists missing keys and shape mismatches), then
 * that each tensor's data fills its shape (a hand-built map could get that wrong; readers never do).
 */
import { WeightsError } from '../weights/errors.js';
import { componentsOf, expectedShapes, validateComponent } from '../weights/official-names.js';
import type { ImageModelWeights, ModelVariant, VideoModelWeights, WeightMap } from '../weights/types.js';
import { formatShape, sizeOf } from '../tensor/types.js';

function validateWeights(variant: ModelVariant, weights: object): void {
  for (const component of componentsOf(variant)) {
    const map = (weights as Partial<Record<string, WeightMap>>)[component];
    if (map === undefined || typeof map.get !== 'function') {
      throw new WeightsError(
        'weights-mismatch',
        `${variant} model weights: \`${component}\` is missing; expected a Map of its official checkpoint tensors`,
      );
    }
    validateComponent(map, variant, component);
    for (const key of expectedShapes(variant, component).keys()) {
      const t = map.get(key)!;
      if (t.data.length !== sizeOf(t.shape)) {
        throw new WeightsError(
          'corrupt',
          `${variant} model ${component}: \`${key}\` holds ${t.data.length} values but its shape ${formatShape(t.shape)} needs ${sizeOf(t.shape)}`,
        );
      }
    }
  }
}

export function validateImageWeights(weights: ImageModelWeights): void {
  validateWeights('image', weights);
}

export function validateVideoWeights(weights: VideoModelWeights): void {
  validateWeights('video', weights);
}
