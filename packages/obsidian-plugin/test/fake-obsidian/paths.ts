/** Obsidian's normalizePath: forward slashes, no duplicate/leading/trailing slashes, NFC; '' is the root. */
export function normalizePath(path: string): string {
  const p = path
    .replace(/\\/g, '/')
    .replace(/\u00a0|\u202f/g, ' ')
    .replace(/\/+/g, '/')
    .replace(/^\/|\/$/g, '')
    .normalize('NFC');
  return p === '' ? '/' : p;
}
