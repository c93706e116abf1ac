/**
 * The authors' released checkpoints, loaded directly (this is what `adaattn convert` reads).
 *
 * Image model: vgg_normalised.pth (legacy torch format), latest_net_transformer.pth, latest_net_adaattn_3.pth,
 * latest_net_decoder.pth. Video model (attn_adain_video/): vgg_normalised.pth, latest_net_transformer.pth
 * (the relu3_1 module) and latest_net_decoder.pth. Each file may also be safetensors with the same keys.
 */
import { componentsOf, officialFileNames, validateComponent } from './official-names.js';
import { readRequired, type ReadFile } from './read-file.js';
import { readWeights } from './read-weights.js';
import type { ComponentName, ImageModelWeights, ModelVariant, VideoModelWeights, WeightMap } from './types.js';

export interface LoadOfficialOptions<V extends ModelVariant = ModelVariant> {
  /** Default 'image'. */
  readonly variant?: V;
  /** Paths (for readFile) per component, overriding the authors' file names. */
  readonly files?: Readonly<Partial<Record<ComponentName, string>>>;
}

export function loadOfficialFiles(readFile: ReadFile, options?: LoadOfficialOptions<'image'>): Promise<ImageModelWeights>;
export function loadOfficialFiles(readFile: ReadFile, options: LoadOfficialOptions<'video'>): Promise<VideoModelWeights>;
export function loadOfficialFiles(readFile: ReadFile, options?: LoadOfficialOptions): Promise<ImageModelWeights | VideoModelWeights>;
export async function loadOfficialFiles(
  readFile: ReadFile,
  options: LoadOfficialOptions = {},
): Promise<ImageModelWeights | VideoModelWeights> {
  const variant = options.variant ?? 'image';
  const names = { ...officialFileNames(variant), ...options.files };
  const components = componentsOf(variant);
  const loaded: Partial<Record<ComponentName, WeightMap>> = {};
  const read = async (component: ComponentName) => {
    const path = names[component]!;
    const { tensors } = readWeights(await readRequired(readFile, path, `the ${component} checkpoint`), { file: path });
    return tensors;
  };

  // The decoder goes first: its keys tell the image model from the video model, which is the most useful
  // thing to say when the variant is wrong (the image model's other files would otherwise be reported missing).
  loaded.decoder = validateComponent(await read('decoder'), variant, 'decoder', { file: names.decoder });
  for (const component of components) {
    if (component === 'decoder') continue;
    loaded[component] = validateComponent(await read(component), variant, component, { file: names[component] });
  }

  if (variant === 'image') {
    return { encoder: loaded.encoder!, transformer: loaded.transformer!, adaattn3: loaded.adaattn3!, decoder: loaded.decoder! };
  }
  return { encoder: loaded.encoder!, adaattn3: loaded.adaattn3!, decoder: loaded.decoder! };
}
