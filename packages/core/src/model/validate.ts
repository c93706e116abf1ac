/**
 * Checks model weights before anything is uploaded: every component against the official layout
 * (weights/official-names.ts names misplaced files and lists missing keys and shape mismatches), then
 * that each tensor's data fills its shape (a hand-built map could get that wrong; readers never do).
 */
import { WeightsError } from '../weights/errors.js';
import {
  componentsOf,
  expectedShapes,
  flattenStrengthEndpoint,
  validateComponent,
  validateStrengthEndpoint,
} from '../weights/official-names.js';
import type { ImageModelWeights, ModelVariant, StrengthEndpoint, VideoModelWeights, WeightMap, WeightTensor } from '../weights/types.js';
import { formatShape, sizeOf } from '../tensor/types.js';

function validateWeights(variant: ModelVariant, weights: object): void {
  validateEndpoint(variant, (weights as { strength?: StrengthEndpoint }).strength);
  for (const component of componentsOf(variant)) {
    const map = (weights as Partial<Record<string, WeightMap>>)[component];
    if (map === undefined || typeof map.get !== 'function') {
      throw new WeightsError(
        'weights-mismatch',
        `${variant} model weights: \`${component}\` is missing; expected a Map of its official checkpoint tensors`,
      );
    }
    validateComponent(map, variant, component);
    for (const key of expectedShapes(variant, component).keys()) checkFilled(`${variant} model ${component}`, key, map.get(key)!);
  }
}

/** A strength endpoint given with the weights: exactly the strength layers, each tensor filling its shape. */
function validateEndpoint(variant: ModelVariant, endpoint: StrengthEndpoint | undefined): void {
  if (endpoint === undefined) return;
  const flat = flattenStrengthEndpoint(endpoint);
  validateStrengthEndpoint(flat, variant);
  for (const [key, t] of flat) checkFilled(`${variant} model strength endpoint`, key, t);
}

function checkFilled(what: string, key: string, t: WeightTensor): void {
  if (t.data.length !== sizeOf(t.shape)) {
    throw new WeightsError(
      'corrupt',
      `${what}: \`${key}\` holds ${t.data.length} values but its shape ${formatShape(t.shape)} needs ${sizeOf(t.shape)}`,
    );
  }
}

export function validateImageWeights(weights: ImageModelWeights): void {
  validateWeights('image', weights);
}

export function validateVideoWeights(weights: VideoModelWeights): void {
  validateWeights('video', weights);
}
