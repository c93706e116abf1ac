/**
 * Output file names: `<folder>/<template>.png` beside the original, never an existing file's name.
 */
import { DEFAULT_OUTPUT_TEMPLATE } from './settings';

/** Characters Obsidian refuses in file names, or that break links (#, ^, [, ], |). */
const UNSAFE = /[\\/:*?"<>|#^[\]\u0000-\u001f]+/g;

/** A file-name-safe rendering of `text` ('' when nothing is left). */
export function safeName(text: string): string {
  return text
    .replace(UNSAFE, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[-.\s]+|[-.\s]+$/g, '');
}

/** The output's base name (no extension) from `template`, e.g. `photo.stylized-wave`. */
export function outputStem(template: string, contentBase: string, styleBase: string): string {
  const fill = (t: string) =>
    t
      .split('{name}')
      .join(contentBase)
      .split('{style}')
      .join(safeName(styleBase) || 'style');
  const stem = safeName(fill(template));
  // A template of only unsafe characters or whitespace would give '': fall back rather than write `.png`.
  return stem !== '' ? stem : safeName(fill(DEFAULT_OUTPUT_TEMPLATE));
}

/**
 * `<folder>/<stem>.<ext>`, or with `-1`, `-2`, … appended to the stem until `taken` says no.
 * `taken` should compare case-insensitively where the vault's file system does (macOS, Windows).
 */
export async function freePath(folder: string, stem: string, ext: string, taken: (path: string) => Promise<boolean>): Promise<string> {
  const prefix = folder === '' || folder === '/' ? '' : `${folder}/`;
  for (let n = 0; ; n++) {
    const path = `${prefix}${stem}${n === 0 ? '' : `-${n}`}.${ext}`;
    if (!(await taken(path))) return path;
  }
}
