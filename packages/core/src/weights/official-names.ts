/**
 * The official checkpoint keys and shapes of every component (DESIGN.md §2), and the validator that compares
 * a WeightMap to them.
 *
 * The validator's job is the message: a user with the authors' files most often puts a file in the wrong slot
 * or loads the video model as the image model, so it first recognises what the map actually holds and says
 * that, and only then lists missing/unexpected keys and shape mismatches.
 */
import { fileLabel, WeightsError } from './errors.js';
import type { ComponentName, ModelVariant, WeightMap, WeightTensor } from './types.js';

export type Shape = readonly number[];

export const IMAGE_COMPONENTS: readonly ComponentName[] = ['encoder', 'transformer', 'adaattn3', 'decoder'];
export const VIDEO_COMPONENTS: readonly ComponentName[] = ['encoder', 'adaattn3', 'decoder'];

export function componentsOf(variant: ModelVariant): readonly ComponentName[] {
  return variant === 'image' ? IMAGE_COMPONENTS : VIDEO_COMPONENTS;
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

// vgg_normalised.pth conv indices → [out, in, kh, kw]; relu3_1 ends after conv 16, relu5_1 after conv 42.
const ENCODER_CONVS: ReadonlyArray<readonly [number, Shape]> = [
  [0, [3, 3, 1, 1]],
  [2, [64, 3, 3, 3]],
  [5, [64, 64, 3, 3]],
  [9, [128, 64, 3, 3]],
  [12, [128, 128, 3, 3]],
  [16, [256, 128, 3, 3]],
  [19, [256, 256, 3, 3]],
  [22, [256, 256, 3, 3]],
  [25, [256, 256, 3, 3]],
  [29, [512, 256, 3, 3]],
  [32, [512, 512, 3, 3]],
  [35, [512, 512, 3, 3]],
  [38, [512, 512, 3, 3]],
  [42, [512, 512, 3, 3]],
];

/** The last encoder conv each variant runs; vgg_normalised.pth goes on to 51, and those extra layers are ignored. */
export const LAST_ENCODER_LAYER: Readonly<Record<ModelVariant, number>> = { image: 42, video: 16 };

// Decoder convs after the skip concatenation (image: decoder_layer_2) and the video decoder share one layout
// except for the first conv's input width (512 = 256 + the relu3_1 skip, vs 256 in the video model).
const DECODER_TAIL: ReadonlyArray<readonly [number, Shape]> = [
  [4, [256, 256, 3, 3]],
  [7, [256, 256, 3, 3]],
  [10, [128, 256, 3, 3]],
  [14, [128, 128, 3, 3]],
  [17, [64, 128, 3, 3]],
  [21, [64, 64, 3, 3]],
  [24, [3, 64, 3, 3]],
];

function conv(prefix: string, shape: Shape): Array<[string, Shape]> {
  return [
    [`${prefix}.weight`, shape],
    [`${prefix}.bias`, [shape[0]]],
  ];
}

/** f, g: keys width → keys width; h: values width → values width (all 1×1). */
function adaattn(prefix: string, keyWidth: number, valueWidth: number): Array<[string, Shape]> {
  return [
    ...conv(`${prefix}f`, [keyWidth, keyWidth, 1, 1]),
    ...conv(`${prefix}g`, [keyWidth, keyWidth, 1, 1]),
    ...conv(`${prefix}h`, [valueWidth, valueWidth, 1, 1]),
  ];
}

const cache = new Map<string, ReadonlyMap<string, Shape>>();

/** The official keys of a component, in checkpoint order, with their shapes. */
export function expectedShapes(variant: ModelVariant, component: ComponentName): ReadonlyMap<string, Shape> {
  const id = `${variant}/${component}`;
  let shapes = cache.get(id);
  if (shapes !== undefined) return shapes;
  let entries: Array<[string, Shape]>;
  switch (component) {
    case 'encoder':
      entries = ENCODER_CONVS.filter(([i]) => i <= LAST_ENCODER_LAYER[variant]).flatMap(([i, s]) => conv(`${i}`, s));
      break;
    case 'transformer':
      if (variant === 'video') throw new WeightsError('weights-mismatch', 'the video model has no transformer component');
      entries = [...adaattn('attn_adain_4_1.', 960, 512), ...adaattn('attn_adain_5_1.', 1472, 512), ...conv('merge_conv', [512, 512, 3, 3])];
      break;
    case 'adaattn3':
      entries = adaattn('', 448, 256);
      break;
    case 'decoder':
      entries =
        variant === 'image'
          ? [
              ...conv('decoder_layer_1.1', [256, 512, 3, 3]),
              ...conv('decoder_layer_2.1', [256, 512, 3, 3]),
              ...DECODER_TAIL.flatMap(([i, s]) => conv(`decoder_layer_2.${i}`, s)),
            ]
          : [...conv('decoder.1', [256, 256, 3, 3]), ...DECODER_TAIL.flatMap(([i, s]) => conv(`decoder.${i}`, s))];
      break;
  }
  shapes = new Map(entries);
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
    if (component === 'encoder' && variant === 'image' && check.missing.length > 0 && check.missing.every((k) => encoderLayerIndex(k) > LAST_ENCODER_LAYER.video)) {
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
    throw new WeightsError('weights-mismatch', `${label}${variant} model ${component} does not match the official layout: ${problems.join('; ')}`, {
      file,
    });
  }

  const out = new Map<string, WeightTensor>();
  for (const key of expectedShapes(variant, component).keys()) out.set(key, weights.get(key)!);
  return out;
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
  const shown = keys.slice(0, max).map((k) => `\`${k}\``).join(', ');
  return keys.length > max ? `${shown} and ${keys.length - max} more` : shown;
}
