/**
 * A stylizer for loaded weights of either variant (what `loadModelFromFiles` returns), for apps that load
 * whatever model directory the user points at. (Node's `createStylizer` goes further: it reads the model
 * directory and starts a backend by name.)
 */
import type { Backend } from '../tensor/backend.js';
import type { ModelWeights } from '../weights/types.js';
import type { NetworkOptions } from './network.js';
import { Stylizer } from './stylizer.js';
import { VideoStylizer } from './video-stylizer.js';

export type AnyStylizer = Stylizer | VideoStylizer;

export function stylizerFromWeights(backend: Backend, model: ModelWeights, options: NetworkOptions = {}): AnyStylizer {
  return model.variant === 'image'
    ? Stylizer.create(backend, model.weights, options)
    : VideoStylizer.create(backend, model.weights, options);
}
