/**
 * The authors' released checkpoints, loaded directly (this is what `adaattn convert` reads).
 *
 * Image model: vgg_normalised.pth (legacy torch format), latest_net_transformer.pth, latest_net_adaattn_3.pth,
 * latest_net_decoder.pth. Video model (attn_adain_video/): vgg_normalised.pth, latest_net_transformer.pth
 * (the relu3_1 module) and latest_net_decoder.pth. Each file may also be safetensors with the same keys.
 */
import { WeightsError } from './errors.js';
import { componentsOf, expectedShapes, identifyComponent, officialFileNames, validateComponent } from './official-names.js';
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
    // No official tensor is larger than LARGEST_OFFICIAL_TENSOR, so a bigger one is refused before it is allocated.
    const { tensors } = readWeights(await readRequired(readFile, path, `the ${component} checkpoint`), {
      file: path,
      maxTensorElements: LARGEST_OFFICIAL_TENSOR,
    });
    return tensors;
  };

  // The decoder goes first: its keys tell the image model from the video model, which is the most useful
  // thing to say when the variant is wrong (the image model's other files would otherwise be reported missing).
  const decoder = await read('decoder');
  if (variant === 'video' && identifyComponent(decoder)?.variant === 'image') await explainMissingImageFile(readFile, options);
  loaded.decoder = validateComponent(decoder, variant, 'decoder', { file: names.decoder });
  for (const component of components) {
    if (component === 'decoder') continue;
    loaded[component] = validateComponent(await read(component), variant, component, { file: names[component] });
  }

  if (variant === 'image') {
    return { encoder: loaded.encoder!, transformer: loaded.transformer!, adaattn3: loaded.adaattn3!, decoder: loaded.decoder! };
  }
  return { encoder: loaded.encoder!, adaattn3: loaded.adaattn3!, decoder: loaded.decoder! };
}

/** 512·512·3·3 (the relu4_1/relu5_1 convolutions); the largest tensor of either variant, vgg_normalised's extra layers included. */
const LARGEST_OFFICIAL_TENSOR = Math.max(
  ...(['image', 'video'] as const).flatMap((v) =>
    componentsOf(v).flatMap((c) => [...expectedShapes(v, c).values()].map((s) => s.reduce((a, b) => a * b, 1))),
  ),
);

/**
 * The image release without latest_net_adaattn_3.pth has exactly the video release's three file names, so a
 * directory missing that file looks like the video model. Its image decoder gives it away: then say the file
 * is missing (rather than "pass variant 'image'", which would only fail again on the missing file).
 */
async function explainMissingImageFile(readFile: ReadFile, options: LoadOfficialOptions): Promise<void> {
  const path = options.files?.adaattn3 ?? officialFileNames('image').adaattn3!;
  try {
    await readRequired(readFile, path, 'the relu3_1 AdaAttN module');
  } catch (error) {
    if (!(error instanceof WeightsError) || error.code !== 'missing-file') throw error;
    const decoder = options.files?.decoder ?? officialFileNames('image').decoder!;
    throw new WeightsError(
      'missing-file',
      `${path}: missing: ${decoder} is the image model's decoder, and the image model also needs ${path} ` +
        `(the relu3_1 AdaAttN module; in the authors' release it sits in checkpoints/AdaAttN/ beside ${decoder})`,
      { file: path, cause: error },
    );
  }
}
