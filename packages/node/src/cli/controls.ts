/**
 * The creative-control options shared by `adaattn stylize` and `adaattn video`, parsed and checked from
 * the command line alone (mistakes exit with 2 before anything is read). docs/CONTROLS.md has examples.
 */
import { existsSync } from 'node:fs';
import { checkStrength, normaliseWeights, PRESERVE_COLOR_MODES, STYLE_MIXES } from '@adaattn/core';
import type { ControlOptions, RegionPair } from '../api/options.js';
import { choice, decimal, optional, repeated, type OptionSpec, type Parsed } from './args.js';
import { UsageError } from './errors.js';

export const CONTROL_OPTIONS = {
  weights: { type: 'string' },
  mix: { type: 'string' },
  'content-mask': { type: 'string', multiple: true },
  'style-mask': { type: 'string', multiple: true },
  strength: { type: 'string' },
  'preserve-color': { type: 'string' },
} as const satisfies OptionSpec;

export interface ParsedControls {
  /** The style files, in order. */
  readonly styles: readonly string[];
  readonly controls: ControlOptions;
  /** Every mask file named, so that --output can be kept from overwriting one. */
  readonly maskFiles: readonly string[];
}

/**
 * `a.jpg,b.jpg` → two files. A value naming an existing file is one file even if its name has a comma, so
 * such files stay usable alone.
 */
export function splitList(value: string, name: string, command: string): string[] {
  if (existsSync(value)) return [value];
  const items = value.split(',').map((s) => s.trim());
  if (items.some((s) => s === ''))
    throw new UsageError(`--${name} '${value}' has an empty item; separate files with single commas`, command);
  return items;
}

/** `@k` (all of style k) or `@k:mask.png` (mask.png within style k), with k counted from 1. */
const STYLE_REFERENCE = /^@(\d+)(?::(.+))?$/;

export function parseControls(values: Parsed['values'], command: string, styleValue: string): ParsedControls {
  const styles = splitList(styleValue, 'style', command);
  const mix = choice(values, 'mix', command, STYLE_MIXES) ?? 'interpolate';
  const controls: { -readonly [K in keyof ControlOptions]: ControlOptions[K] } = {};
  if (mix !== 'interpolate') controls.mix = mix;

  const weightsText = optional(values, 'weights', command);
  if (weightsText !== undefined) {
    const weights = weightsText.split(',').map((w) => (/^\s*\d*\.?\d+(e[-+]?\d+)?\s*$/i.test(w) ? Number(w) : NaN));
    if (weights.some(Number.isNaN))
      throw new UsageError(`--weights must be numbers ≥ 0 separated by commas, e.g. 0.7,0.3; got '${weightsText}'`, command);
    try {
      normaliseWeights(styles.length, weights, mix);
    } catch (err) {
      throw new UsageError(`--weights: ${(err as Error).message} (one per --style file)`, command);
    }
    controls.weights = weights;
  }

  const strength = decimal(values, 'strength', command, { min: 0, max: 1, what: 'a number from 0 (the content) to 1 (full style)' });
  if (strength !== undefined) controls.strength = checkStrength(strength);
  const preserve = choice(values, 'preserve-color', command, PRESERVE_COLOR_MODES);
  if (preserve !== undefined) controls.preserveColor = preserve;

  const contentMasks = repeated(values, 'content-mask', command);
  const styleMasks = repeated(values, 'style-mask', command);
  if (contentMasks.length !== styleMasks.length) {
    throw new UsageError(
      `masks come in pairs, --content-mask then its --style-mask, matched in order; got ${contentMasks.length} --content-mask and ${styleMasks.length} --style-mask`,
      command,
    );
  }
  const maskFiles = [...contentMasks];
  if (contentMasks.length > 0) {
    controls.regions = contentMasks.map((content, i): RegionPair => {
      const styleMask = styleMasks[i]!;
      const reference = existsSync(styleMask) ? null : STYLE_REFERENCE.exec(styleMask);
      if (reference === null) {
        maskFiles.push(styleMask);
        return { content, style: styleMask };
      }
      const k = Number(reference[1]);
      if (mix !== 'concat')
        throw new UsageError(`--style-mask '${styleMask}' picks one style of a pool: use it with --mix concat`, command);
      if (!(k >= 1 && k <= styles.length))
        throw new UsageError(`--style-mask '${styleMask}': there are ${styles.length} --style files, counted from 1`, command);
      if (reference[2] !== undefined) maskFiles.push(reference[2]);
      return { content, styleIndex: k - 1, ...(reference[2] === undefined ? {} : { style: reference[2] }) };
    });
  }
  return { styles, controls, maskFiles };
}

/** One line for the start message: the controls in effect, or '' when none. */
export function describeControls(c: ControlOptions, styleCount: number): string {
  const parts: string[] = [];
  if (styleCount > 1)
    parts.push(
      c.mix === 'concat' ? 'styles concatenated' : `styles interpolated ${(c.weights ?? new Array(styleCount).fill(1)).join(':')}`,
    );
  if (c.regions !== undefined) parts.push(`${c.regions.length} region pair${c.regions.length === 1 ? '' : 's'}`);
  if (c.strength !== undefined) parts.push(`strength ${c.strength}`);
  if (c.preserveColor !== undefined) parts.push(`colour kept by ${c.preserveColor}`);
  return parts.length === 0 ? '' : `, ${parts.join(', ')}`;
}
