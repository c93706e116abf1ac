/**
 * createStylizer(): model directory → Stylizer on a chosen backend.
 * TEMPORARY: core's Stylizer has not landed yet; this checks the model directory and then reports that.
 */
import { DEFAULT_MAX_PIXELS } from '../io/image.js';
import { inspectModelDir } from '../io/model-dir.js';
import { checkBackendChoice } from './backends.js';
import type { CreateStylizerOptions, NodeStylizer } from './options.js';

export async function createStylizer(options: CreateStylizerOptions = {}): Promise<NodeStylizer> {
  const { model, backend = 'auto', maxPixels = DEFAULT_MAX_PIXELS } = options;
  checkBackendChoice(backend);
  void maxPixels;
  await inspectModelDir(model);
  throw new Error('the model runtime (@adaattn/core Stylizer) is not available in this build yet');
}
