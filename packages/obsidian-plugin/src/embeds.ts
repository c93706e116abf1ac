/**
 * Finding image embeds in note text: `![[photo.png]]`, `![[photo.png|300]]`, `![alt](photo.png)`,
 * `![alt](<my photo.png> "title")`, `![](my%20photo.png)`. Pure string work, so it is tested without Obsidian.
 */

export const IMAGE_EXTENSIONS: readonly string[] = ['png', 'jpg', 'jpeg', 'webp', 'bmp', 'gif', 'avif'];

export interface WikiEmbed {
  readonly kind: 'wiki';
  /** Offsets of the whole embed in the searched text: text.slice(from, to) === raw. */
  readonly from: number;
  readonly to: number;
  readonly raw: string;
  /** The link path as written, before any `#subpath` or `|alias`. */
  readonly linkpath: string;
  /** `|300`, `|alt text` …, kept when the embed is rewritten ('' when absent). */
  readonly display: string;
}

export interface MarkdownEmbed {
  readonly kind: 'markdown';
  readonly from: number;
  readonly to: number;
  readonly raw: string;
  /** The destination decoded to a vault link path (angle brackets removed, %-escapes decoded). */
  readonly linkpath: string;
  readonly alt: string;
  /** The destination exactly as written, e.g. `<a b.png>` or `a%20b.png`. */
  readonly destination: string;
  /** ` "title"` including its leading space, or ''. */
  readonly title: string;
}

export type Embed = WikiEmbed | MarkdownEmbed;

// Wiki: `![[path#sub|display]]`. Markdown: `![alt](dest "title")` with dest either `<…>` or free of spaces.
const WIKI = /!\[\[([^\]|#^\n]+)(?:[#^][^\]|\n]*)?(\|[^\]\n]*)?\]\]/g;
const MARKDOWN = /!\[([^\]\n]*)\]\((<[^>\n]+>|[^)\s]+)(\s+"[^"\n]*")?\)/g;

/** Every image embed in `text`, in order. Links to web URLs and to non-image files are left out. */
export function findImageEmbeds(text: string): Embed[] {
  const found: Embed[] = [];
  for (const m of text.matchAll(WIKI)) {
    const linkpath = (m[1] as string).trim();
    if (isImagePath(linkpath)) {
      found.push({ kind: 'wiki', from: m.index, to: m.index + m[0].length, raw: m[0], linkpath, display: m[2] ?? '' });
    }
  }
  for (const m of text.matchAll(MARKDOWN)) {
    const destination = m[2] as string;
    const linkpath = decodeDestination(destination);
    if (linkpath !== null && isImagePath(linkpath)) {
      found.push({
        kind: 'markdown',
        from: m.index,
        to: m.index + m[0].length,
        raw: m[0],
        linkpath,
        alt: m[1] as string,
        destination,
        title: m[3] ?? '',
      });
    }
  }
  return found.sort((a, b) => a.from - b.from);
}

/**
 * The embed a command should act on. With a selection: the first embed overlapping it. With a caret: the
 * embed containing it (its ends included), else, when the caret's line has exactly one embed, that one.
 * `lineStart`/`lineEnd` bound the caret's line in `text`.
 */
export function pickEmbed(text: string, selection: { from: number; to: number }, line: { start: number; end: number }): Embed | undefined {
  const embeds = findImageEmbeds(text);
  if (selection.from !== selection.to) return embeds.find((e) => e.from < selection.to && e.to > selection.from);
  const caret = selection.from;
  const containing = embeds.find((e) => e.from <= caret && caret <= e.to);
  if (containing !== undefined) return containing;
  const onLine = embeds.filter((e) => e.from >= line.start && e.to <= line.end);
  return onLine.length === 1 ? onLine[0] : undefined;
}

export function isImagePath(path: string): boolean {
  return IMAGE_EXTENSIONS.includes(extensionOf(path));
}

export function extensionOf(path: string): string {
  const name = path.slice(path.lastIndexOf('/') + 1);
  const dot = name.lastIndexOf('.');
  return dot <= 0 ? '' : name.slice(dot + 1).toLowerCase();
}

/** `<a b.png>` → `a b.png`, `a%20b.png` → `a b.png`; null for web URLs and data: URIs (not vault files). */
function decodeDestination(destination: string): string | null {
  const bare = destination.startsWith('<') ? destination.slice(1, -1) : destination;
  if (/^[a-z][a-z0-9+.-]*:/i.test(bare)) return null;
  try {
    return decodeURIComponent(bare);
  } catch {
    return bare; // a lone '%' is a literal character in Obsidian's links
  }
}
