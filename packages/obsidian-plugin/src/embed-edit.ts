/**
 * Rewriting a note after a stylize run: the embed the command started from is replaced by, or followed
 * by, an embed of the new file, written in the same link style as the original.
 */
import type { Embed } from './embeds';
import type { EmbedMode } from './settings';

/**
 * The new embed's text. Wiki links get `linktext` (Obsidian's shortest unambiguous link to the new file)
 * and keep the original's `|display` (often a width); Markdown links keep alt, title and the original's
 * folder part and quoting, since the new file sits beside the original.
 */
export function embedFor(original: Embed, newFileName: string, linktext: string): string {
  if (original.kind === 'wiki') return `![[${linktext}${original.display}]]`;
  const dest = original.destination;
  const angled = dest.startsWith('<');
  const inner = angled ? dest.slice(1, -1) : dest;
  const folder = inner.slice(0, inner.lastIndexOf('/') + 1);
  const name = angled ? newFileName : escapeDestination(newFileName);
  const destination = angled ? `<${folder}${name}>` : `${folder}${name}`;
  return `![${original.alt}](${destination}${original.title})`;
}

/**
 * Escapes what would end or split a bare Markdown destination, as Obsidian itself writes links (spaces as
 * %20); other characters, non-ASCII included, stay readable.
 */
function escapeDestination(name: string): string {
  return name.replace(/[%\s()<>]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

/** A text edit: replace text.slice(from, to) with `insert`. */
export interface TextEdit {
  readonly from: number;
  readonly to: number;
  readonly insert: string;
}

/**
 * Where the embed is now, and the edit for `mode`. The note may have changed during the run (the user kept
 * typing), so the embed is looked for at its old offset first, then at the occurrence of the same text
 * nearest to it; undefined when it is gone (the caller then leaves the note alone).
 */
export function embedEdit(text: string, original: Pick<Embed, 'from' | 'raw'>, replacement: string, mode: EmbedMode): TextEdit | undefined {
  const at = locate(text, original.raw, original.from);
  if (at === undefined) return undefined;
  const end = at + original.raw.length;
  return mode === 'replace' ? { from: at, to: end, insert: replacement } : { from: end, to: end, insert: ` ${replacement}` };
}

export function applyEdit(text: string, edit: TextEdit): string {
  return text.slice(0, edit.from) + edit.insert + text.slice(edit.to);
}

function locate(text: string, raw: string, near: number): number | undefined {
  if (text.startsWith(raw, near)) return near;
  let best: number | undefined;
  for (let i = text.indexOf(raw); i !== -1; i = text.indexOf(raw, i + 1)) {
    if (best === undefined || Math.abs(i - near) < Math.abs(best - near)) best = i;
  }
  return best;
}
