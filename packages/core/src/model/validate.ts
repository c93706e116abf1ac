/**
 * Checks an ImageModelWeights against the layers that will run (spec.ts) before anything is uploaded,
 * and reports every problem at once, each naming the component, the key, and the expected and actual
 * shape. Extra keys are ignored (the official vgg_normalised.pth goes on past relu5_1, to layer 51).
 */
import { WeightsError } from '../weights/errors.js';
import type { ImageModelWeights, WeightMap } from '../weights/types.js';
import { formatShape, sameShape, sizeOf } from '../tensor/types.js';
import { COMPONENT_FILES, IMAGE_MODEL_CONVS, type ConvSpec, type ImageComponent } from './spec.js';

const MAX_LINES = 12;

export function expectedParams(convs: readonly ConvSpec[]): [string, number[]][] {
  return convs.flatMap((c): [string, number[]][] => [
    [`${c.key}.weight`, [c.cout, c.cin, c.k, c.k]],
    [`${c.key}.bias`, [c.cout]],
  ]);
}

/** What a map whose expected keys are all missing probably is, as advice; undefined when unclear. */
function diagnose(component: ImageComponent, map: WeightMap): string | undefined {
  const keys = [...map.keys()];
  if (keys.length === 0) return 'the map is empty';
  if (keys.some((k) => k.startsWith('module.'))) return "its keys start with 'module.' (a DataParallel checkpoint): strip that prefix";
  if (component === 'decoder' && map.has('decoder.1.weight')) {
    return "it has decoder.1.weight but no decoder_layer_1.1.weight: that is the video model's decoder — load it as the video model";
  }
  for (const [other, convs] of Object.entries(IMAGE_MODEL_CONVS) as [ImageComponent, readonly ConvSpec[]][]) {
    if (other !== component && convs.every((c) => map.has(`${c.key}.weight`))) {
      return `it holds the ${other} weights (${COMPONENT_FILES[other]}): pass it as \`${other}\``;
    }
  }
  return undefined;
}

export function validateImageWeights(weights: ImageModelWeights): void {
  const problems: string[] = [];
  let wrongComponent = false;
  for (const [component, convs] of Object.entries(IMAGE_MODEL_CONVS) as [ImageComponent, readonly ConvSpec[]][]) {
    const map = weights[component] as WeightMap | undefined;
    if (map === undefined || typeof map.get !== 'function') {
      problems.push(`${component}: missing (expected a Map of ${COMPONENT_FILES[component]}'s tensors)`);
      continue;
    }
    const expected = expectedParams(convs);
    if (expected.every(([key]) => !map.has(key))) {
      const hint = diagnose(component, map);
      if (hint !== undefined && !hint.startsWith('the map')) wrongComponent = true;
      problems.push(`${component}: none of the ${expected.length} expected tensors (e.g. ${expected[0]?.[0]}) is present${hint === undefined ? '' : `; ${hint}`}`);
      continue;
    }
    for (const [key, shape] of expected) {
      const t = map.get(key);
      if (t === undefined) problems.push(`${component}: missing ${key}, expected shape ${formatShape(shape)}`);
      else if (!sameShape(t.shape, shape)) problems.push(`${component}: ${key} has shape ${formatShape(t.shape)}, expected ${formatShape(shape)}`);
      else if (t.data.length !== sizeOf(shape)) problems.push(`${component}: ${key} holds ${t.data.length} values for shape ${formatShape(shape)}`);
    }
  }
  if (problems.length === 0) return;
  const shown = problems.slice(0, MAX_LINES).map((p) => `  ${p}`);
  if (problems.length > MAX_LINES) shown.push(`  … and ${problems.length - MAX_LINES} more`);
  throw new WeightsError(
    wrongComponent ? 'wrong-component' : 'weights-mismatch',
    `the image model's weights do not match its layers (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${shown.join('\n')}`,
  );
}
