/**
 * One entry point for a model of either variant (what `loadModelFromFiles` returns), for apps that load
 * whatever model directory the user points at.
 */
import type { Backend } from '../tensor/backend.js';
import type { ModelWeights } from '../weights/types.js';
import { Stylizer } from './stylizer.js';
import { VideoStylizer } from './video-stylizer.js';

export type AnyStylizer = Stylizer | VideoStylizer;

export function createModelStylizer(backend: Backend, model: ModelWeights): AnyStylizer {
  return model.variant === 'image' ? Stylizer.create(backend, model.weights) : VideoStylizer.create(backend, model.weights);
}
