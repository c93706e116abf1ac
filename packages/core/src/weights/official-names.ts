/**
 * The official checkpoint keys and shapes of every component, derived from the architecture table
 * (src/architecture.ts), and the validator that compares a WeightMap to them.
 *
 * The validator's job is the message: a user with the authors' files most often puts a file in the wrong slot
 * or loads the video model as the image model, so it first recognises what the map actually holds and says
 * that, and only then lists missing/unexpected keys and shape mismatches.
 */
import { networkSpec, type LayerSpec } from '../architecture.js';
import type { Shape } from '../tensor/types.js';
import { fileLabel, WeightsError } from './errors.js';
import type { ComponentName, ModelVariant, StrengthEndpoint, WeightMap, WeightTensor } from './types.js';

export type { Shape } from '../tensor/types.js';

export const IMAGE_COMPONENTS: readonly ComponentName[] = componentsOf('image');
export const VIDEO_COMPONENTS: readonly ComponentName[] = componentsOf('video');

export function componentsOf(variant: ModelVariant): readonly ComponentName[] {
  return Object.keys(networkSpec(variant).components) as ComponentName[];
}

/**
 * The authors' file name for each slot. In the video release (attn_adain_video/) the relu3_1 module is saved
 * as `latest_net_transformer.pth`, holding the `f/g/h` keys that the image model keeps in latest_net_adaattn_3.pth.
 */
export function officialFileNames(variant: ModelVariant): Readonly<Partial<Record<ComponentName, string>>> {
  return variant === 'image'
    ? {
        encoder: 'vgg_normalised.pth',
        transformer: 'latest_net_transformer.pth',
        adaattn3: 'latest_net_adaattn_3.pth',
        decoder: 'latest_net_decoder.pth',
      }
    : { encoder: 'vgg_normalised.pth', adaattn3: 'latest_net_transformer.pth', decoder: 'latest_net_decoder.pth' };
}

/** The last encoder conv each variant runs; vgg_normalised.pth goes on to 51, and those extra layers are ignored. */
export const LAST_ENCODER_LAYER: Readonly<Record<ModelVariant, number>> = {
  image: Number(networkSpec('image').components.encoder!.at(-1)!.key),
  video: Number(networkSpec('video').components.encoder!.at(-1)!.key),
};

function conv({ key, shape }: LayerSpec): Array<[string, Shape]> {
  return [
    [`${key}.weight`, shape],
    [`${key}.bias`, [shape[0]]],
  ];
}

const cache = new Map<string, ReadonlyMap<string, Shape>>();

/** The official keys of a component, in checkpoint order, with their shapes. */
export function expectedShapes(variant: ModelVariant, component: ComponentName): ReadonlyMap<string, Shape> {
  const id = `${variant}/${component}`;
  let shapes = cache.get(id);
  if (shapes !== undefined) return shapes;
  const layers = networkSpec(variant).components[component];
  if (layers === undefined) throw new WeightsError('weights-mismatch', `the ${variant} model has no ${component} component`);
  shapes = new Map(layers.flatMap(conv));
  cache.set(id, shapes);
  return shapes;
}

export interface ShapeMismatch {
  readonly key: string;
  readonly expected: Shape;
  readonly actual: Shape;
}

export interface ComponentCheck {
  readonly missing: readonly string[];
  readonly unexpected: readonly string[];
  readonly mismatched: readonly ShapeMismatch[];
  /** Encoder layers beyond the last one the variant runs (e.g. vgg_normalised.pth's 45–51): not an error. */
  readonly ignored: readonly string[];
}

export function checkComponent(weights: WeightMap, variant: ModelVariant, component: ComponentName): ComponentCheck {
  const expected = expectedShapes(variant, component);
  const missing: string[] = [];
  const mismatched: ShapeMismatch[] = [];
  for (const [key, shape] of expected) {
    const tensor = weights.get(key);
    if (tensor === undefined) missing.push(key);
    else if (!sameShape(tensor.shape, shape)) mismatched.push({ key, expected: shape, actual: tensor.shape });
  }
  const unexpected: string[] = [];
  const ignored: string[] = [];
  for (const key of weights.keys()) {
    if (expected.has(key)) continue;
    if (component === 'encoder' && encoderLayerIndex(key) > LAST_ENCODER_LAYER[variant]) ignored.push(key);
    else unexpected.push(key);
  }
  return { missing, unexpected, mismatched, ignored };
}

/** What a map holds, judged from its keys alone (shapes are checked later): used to name a misplaced file. */
export interface Identification {
  readonly component: ComponentName;
  /** Set when the keys tell the variant apart (only the decoder's do). */
  readonly variant?: ModelVariant;
}

export function identifyComponent(weights: WeightMap): Identification | undefined {
  const has = (key: string) => weights.has(key);
  if (has('decoder_layer_1.1.weight') || has('decoder_layer_2.1.weight')) return { component: 'decoder', variant: 'image' };
  if (has('decoder.1.weight') || has('decoder.24.weight')) return { component: 'decoder', variant: 'video' };
  if (has('attn_adain_4_1.f.weight') || has('attn_adain_5_1.f.weight') || has('merge_conv.weight')) return { component: 'transformer' };
  if (has('f.weight') && has('h.weight')) return { component: 'adaattn3' };
  if (has('0.weight') && has('2.weight')) return { component: 'encoder' };
  return undefined;
}

const DESCRIPTIONS: Readonly<Record<ComponentName, string>> = {
  encoder: 'VGG encoder (`0.weight` … `42.weight`)',
  transformer: 'transformer (attn_adain_4_1, attn_adain_5_1, merge_conv)',
  adaattn3: 'relu3_1 AdaAttN module (f, g, h)',
  decoder: 'decoder',
};

export interface ValidateOptions {
  /** The file the map came from, named in messages. */
  readonly file?: string;
}

/**
 * Throws a WeightsError unless `weights` is the given component of the given variant, and returns the map
 * restricted to the official keys in checkpoint order (dropping the encoder layers the variant never runs).
 */
export function validateComponent(
  weights: WeightMap,
  variant: ModelVariant,
  component: ComponentName,
  options: ValidateOptions = {},
): WeightMap {
  const label = fileLabel(options.file);
  const file = options.file;
  const found = identifyComponent(weights);

  if (found !== undefined && found.component === 'decoder' && component === 'decoder' && found.variant !== variant) {
    const [has, lacks, other] =
      found.variant === 'video'
        ? ['decoder.1.weight', 'decoder_layer_1.1.weight', 'video']
        : ['decoder_layer_1.1.weight', 'decoder.1.weight', 'image'];
    throw new WeightsError(
      'wrong-component',
      `${label}decoder checkpoint has \`${has}\` but no \`${lacks}\`: that is the ${other} model — pass { variant: '${other}' }`,
      { file },
    );
  }
  if (found !== undefined && found.component !== component) {
    // The video release's latest_net_transformer.pth holds a relu3_1 module, so in the transformer slot that is the likely story.
    const hint =
      component === 'transformer' && found.component === 'adaattn3'
        ? ` — the video model's latest_net_transformer.pth looks like this: if that is what you have, pass { variant: 'video' }`
        : found.component === 'decoder' && found.variant !== variant
          ? ` (and it is the ${found.variant} model's decoder)`
          : '';
    throw new WeightsError(
      'wrong-component',
      `${label}checkpoint given as the ${DESCRIPTIONS[component]} holds the ${DESCRIPTIONS[found.component]} ` +
        `(keys ${listKeys([...weights.keys()], 3)})${hint || ': check which file goes in which slot'}`,
      { file },
    );
  }

  const check = checkComponent(weights, variant, component);
  if (check.missing.length > 0 || check.unexpected.length > 0 || check.mismatched.length > 0) {
    const problems: string[] = [];
    if (
      component === 'encoder' &&
      variant === 'image' &&
      check.missing.length > 0 &&
      check.missing.every((k) => encoderLayerIndex(k) > LAST_ENCODER_LAYER.video)
    ) {
      problems.push(
        `the encoder stops at layer ${Math.max(...[...weights.keys()].map(encoderLayerIndex).filter((i) => i >= 0))} but the image model needs layers up to ${LAST_ENCODER_LAYER.image} (relu5_1): use the full vgg_normalised.pth, or pass { variant: 'video' }`,
      );
    } else if (check.missing.length > 0) {
      problems.push(`missing ${listKeys(check.missing)}`);
    }
    if (check.mismatched.length > 0) {
      problems.push(
        check.mismatched
          .slice(0, 4)
          .map((m) => `\`${m.key}\` is [${m.actual.join(', ')}], expected [${m.expected.join(', ')}]`)
          .join('; ') + (check.mismatched.length > 4 ? `; and ${check.mismatched.length - 4} more shape mismatches` : ''),
      );
    }
    if (check.unexpected.length > 0) problems.push(`unexpected ${listKeys(check.unexpected)}`);
    throw new WeightsError(
      'weights-mismatch',
      `${label}${variant} model ${component} does not match the official layout: ${problems.join('; ')}`,
      {
        file,
      },
    );
  }

  const out = new Map<string, WeightTensor>();
  for (const key of expectedShapes(variant, component).keys()) out.set(key, weights.get(key)!);
  return out;
}

/**
 * A strength endpoint file (model.json's `strength`; tools/train/train.py writes it) split into its
 * components: its keys are `<component>.<official key>` and must be exactly the weights and biases of the
 * variant's strength layers (architecture.ts `strengthLayers`), with their official shapes.
 */
export function validateStrengthEndpoint(weights: WeightMap, variant: ModelVariant, options: ValidateOptions = {}): StrengthEndpoint {
  const expected = new Map<string, Shape>();
  for (const [component, layers] of Object.entries(networkSpec(variant).strengthLayers))
    for (const [key, shape] of layers.flatMap(conv)) expected.set(`${component}.${key}`, shape);
  const missing = [...expected.keys()].filter((k) => !weights.has(k));
  const unexpected = [...weights.keys()].filter((k) => !expected.has(k));
  const mismatched = [...expected]
    .filter(([k, shape]) => weights.has(k) && !sameShape(weights.get(k)!.shape, shape))
    .map(([k, shape]) => `\`${k}\` is [${weights.get(k)!.shape.join(', ')}], expected [${shape.join(', ')}]`);
  const problems = [
    ...(missing.length > 0 ? [`missing ${listKeys(missing)}`] : []),
    ...(unexpected.length > 0 ? [`unexpected ${listKeys(unexpected)}`] : []),
    ...mismatched.slice(0, 4),
  ];
  if (problems.length > 0) {
    throw new WeightsError(
      'weights-mismatch',
      `${fileLabel(options.file)}${variant} model strength endpoint does not match its strength layers: ${problems.join('; ')}`,
      { file: options.file },
    );
  }
  const split: Partial<Record<ComponentName, Map<string, WeightTensor>>> = {};
  for (const key of expected.keys()) {
    const dot = key.indexOf('.');
    const component = key.slice(0, dot) as ComponentName;
    (split[component] ??= new Map()).set(key.slice(dot + 1), weights.get(key)!);
  }
  return split;
}

/**
 * The inverse of the split `validateStrengthEndpoint` returns: one map keyed `<component>.<official key>`, as
 * the endpoint's file stores it. Each component's value must be a Map (weights may come from untyped callers).
 */
export function flattenStrengthEndpoint(endpoint: StrengthEndpoint): Map<string, WeightTensor> {
  const flat = new Map<string, WeightTensor>();
  for (const [component, map] of Object.entries(endpoint) as [string, unknown][]) {
    if (!(map instanceof Map))
      throw new WeightsError('weights-mismatch', `strength endpoint: \`strength.${component}\` must be a Map of tensors`);
    for (const [key, t] of map as WeightMap) flat.set(`${component}.${key}`, t);
  }
  return flat;
}

/** `12` for `12.weight`, −1 for keys that are not numbered layers. */
function encoderLayerIndex(key: string): number {
  const match = /^(\d+)\./.exec(key);
  return match === null ? -1 : Number(match[1]);
}

function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function listKeys(keys: readonly string[], max = 6): string {
  const shown = keys
    .slice(0, max)
    .map((k) => `\`${k}\``)
    .join(', ');
  return keys.length > max ? `${shown} and ${keys.length - max} more` : shown;
}
