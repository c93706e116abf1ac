/**
 * An in-memory vault: files (bytes or text, or bytes fetched from a URL on first read, for the model in
 * the browser harness), folders derived from paths, the adapter calls the plugin makes, and a metadata
 * cache that resolves links the way Obsidian does for the cases the tests use.
 */
import type * as O from 'obsidian';
import { Events } from './events';
import { normalizePath } from './paths';

export type FileSource = ArrayBuffer | Uint8Array | string | { url: string };

export class TAbstractFile {
  name: string;
  parent: TFolder | null = null;
  constructor(
    public vault: Vault,
    public path: string,
  ) {
    this.name = path === '/' ? '' : path.slice(path.lastIndexOf('/') + 1);
  }
}

export class TFolder extends TAbstractFile {
  children: TAbstractFile[] = [];
  isRoot(): boolean {
    return this.path === '/';
  }
}

export class TFile extends TAbstractFile {
  basename: string;
  extension: string;
  stat = { ctime: 0, mtime: 0, size: 0 };
  constructor(vault: Vault, path: string) {
    super(vault, path);
    const dot = this.name.lastIndexOf('.');
    this.basename = dot > 0 ? this.name.slice(0, dot) : this.name;
    this.extension = dot > 0 ? this.name.slice(dot + 1) : '';
  }
}

function enoent(path: string): Error {
  return Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: 'ENOENT' });
}

function toBuffer(data: ArrayBuffer | Uint8Array): ArrayBuffer {
  return data instanceof ArrayBuffer
    ? data.slice(0)
    : (data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer);
}

let clock = 1_700_000_000_000;

/**
 * The adapter: vault files through the vault's index, plus the config folder (.obsidian/…), which Obsidian
 * keeps out of the index, so the plugin reaches it only through the adapter (as the model download does).
 */
class Adapter implements Pick<O.DataAdapter, 'exists' | 'readBinary' | 'writeBinary' | 'remove' | 'mkdir' | 'list' | 'rmdir'> {
  /** Files and folders under the config folder, by normalized path. */
  readonly hidden = new Map<string, ArrayBuffer>();
  readonly hiddenFolders = new Set<string>();

  constructor(private readonly vault: Vault) {}

  private isHidden(path: string): boolean {
    return path === this.vault.configDir || path.startsWith(`${this.vault.configDir}/`);
  }

  async exists(normalizedPath: string, sensitive?: boolean): Promise<boolean> {
    if (this.hidden.has(normalizedPath) || this.hiddenFolders.has(normalizedPath)) return true;
    if (this.vault.getAbstractFileByPath(normalizedPath) !== null) return true;
    // A case-insensitive disk (macOS, Windows) also reports differently-cased names as existing.
    const lower = normalizedPath.toLowerCase();
    return this.vault.caseInsensitiveDisk && sensitive !== true && this.vault.allPaths().some((p) => p.toLowerCase() === lower);
  }

  async readBinary(normalizedPath: string): Promise<ArrayBuffer> {
    const hidden = this.hidden.get(normalizedPath);
    if (hidden !== undefined) return hidden.slice(0);
    return this.vault.bytesAt(normalizedPath);
  }

  async writeBinary(normalizedPath: string, data: ArrayBuffer): Promise<void> {
    if (!this.isHidden(normalizedPath))
      throw new Error(`the fake adapter writes only under ${this.vault.configDir}/ (got ${normalizedPath})`);
    const parent = normalizedPath.slice(0, normalizedPath.lastIndexOf('/'));
    if (!this.hiddenFolders.has(parent)) throw enoent(normalizedPath);
    this.hidden.set(normalizedPath, data.slice(0));
  }

  async remove(normalizedPath: string): Promise<void> {
    if (!this.hidden.delete(normalizedPath)) throw enoent(normalizedPath);
  }

  async mkdir(normalizedPath: string): Promise<void> {
    if (!this.isHidden(normalizedPath)) throw new Error(`the fake adapter makes folders only under ${this.vault.configDir}/`);
    this.hiddenFolders.add(normalizedPath);
  }

  async list(normalizedPath: string): Promise<O.ListedFiles> {
    const inside = (p: string) => p.startsWith(`${normalizedPath}/`) && !p.slice(normalizedPath.length + 1).includes('/');
    return { files: [...this.hidden.keys()].filter(inside), folders: [...this.hiddenFolders].filter(inside) };
  }

  async rmdir(normalizedPath: string, recursive: boolean): Promise<void> {
    const below = (p: string) => p.startsWith(`${normalizedPath}/`);
    if (!recursive && ([...this.hidden.keys()].some(below) || [...this.hiddenFolders].some(below))) throw new Error('Directory not empty');
    for (const p of [...this.hidden.keys()]) if (below(p)) this.hidden.delete(p);
    for (const p of [...this.hiddenFolders]) if (below(p) || p === normalizedPath) this.hiddenFolders.delete(p);
  }
}

export class Vault
  extends Events
  implements
    Pick<
      O.Vault,
      | 'configDir'
      | 'getAbstractFileByPath'
      | 'getFiles'
      | 'readBinary'
      | 'createBinary'
      | 'read'
      | 'cachedRead'
      | 'modify'
      | 'process'
      | 'getResourcePath'
    >
{
  readonly adapter = new Adapter(this);
  readonly configDir = '.obsidian';
  /** Simulates a case-insensitive disk for adapter.exists. */
  caseInsensitiveDisk = false;
  private readonly root: TFolder;
  private readonly entries = new Map<string, { file: TFile; source: FileSource }>();
  private readonly folders = new Map<string, TFolder>();

  constructor() {
    super();
    this.root = new TFolder(this, '/');
    this.folders.set('/', this.root);
  }

  /** Test setup: adds a file without events. */
  seed(path: string, source: FileSource): TFile {
    return this.put(normalizePath(path), source);
  }

  allPaths(): string[] {
    return [...this.entries.keys()];
  }

  getAbstractFileByPath(path: string): O.TAbstractFile | null {
    const p = normalizePath(path);
    return (this.entries.get(p)?.file ?? this.folders.get(p) ?? null) as unknown as O.TAbstractFile | null;
  }

  getFiles(): O.TFile[] {
    return [...this.entries.values()].map((e) => e.file as unknown as O.TFile);
  }

  async bytesAt(path: string): Promise<ArrayBuffer> {
    const entry = this.entries.get(normalizePath(path));
    if (entry === undefined) throw enoent(path);
    const { source } = entry;
    if (typeof source === 'string') return toBuffer(new TextEncoder().encode(source));
    if (source instanceof ArrayBuffer || source instanceof Uint8Array) return toBuffer(source);
    const response = await fetch(source.url);
    if (!response.ok) throw Object.assign(new Error(`${response.status} fetching ${source.url}`), { status: response.status });
    return response.arrayBuffer();
  }

  readBinary(file: O.TFile): Promise<ArrayBuffer> {
    return this.bytesAt(file.path);
  }

  async read(file: O.TFile): Promise<string> {
    return new TextDecoder().decode(await this.bytesAt(file.path));
  }

  cachedRead(file: O.TFile): Promise<string> {
    return this.read(file);
  }

  async createBinary(path: string, data: ArrayBuffer): Promise<O.TFile> {
    const p = normalizePath(path);
    if (this.entries.has(p)) throw new Error('File already exists.');
    const file = this.put(p, data);
    this.trigger('create', file);
    return file as unknown as O.TFile;
  }

  async create(path: string, text: string): Promise<O.TFile> {
    const p = normalizePath(path);
    if (this.entries.has(p)) throw new Error('File already exists.');
    const file = this.put(p, text);
    this.trigger('create', file);
    return file as unknown as O.TFile;
  }

  async modify(file: O.TFile, text: string): Promise<void> {
    this.put(file.path, text);
    this.trigger('modify', this.entries.get(file.path)?.file);
  }

  async process(file: O.TFile, fn: (data: string) => string): Promise<string> {
    const next = fn(await this.read(file));
    await this.modify(file, next);
    return next;
  }

  /** A URL an <img> can show: a blob URL of the file's bytes (browser harness only). */
  getResourcePath(file: O.TFile): string {
    const entry = this.entries.get(file.path);
    if (entry === undefined) return '';
    const { source } = entry;
    if (typeof source === 'object' && 'url' in source) return source.url;
    const bytes = typeof source === 'string' ? new TextEncoder().encode(source) : source;
    return URL.createObjectURL(new Blob([bytes as BlobPart]));
  }

  private put(path: string, source: FileSource): TFile {
    const existing = this.entries.get(path);
    const file = existing?.file ?? new TFile(this, path);
    file.stat = {
      ctime: existing?.file.stat.ctime ?? clock,
      mtime: ++clock,
      size: typeof source === 'string' ? new TextEncoder().encode(source).length : 'url' in source ? 0 : source.byteLength,
    };
    this.entries.set(path, { file, source });
    if (existing === undefined) {
      const folder = this.folder(path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '/');
      file.parent = folder;
      folder.children.push(file);
    }
    return file;
  }

  private folder(path: string): TFolder {
    const found = this.folders.get(path);
    if (found !== undefined) return found;
    const folder = new TFolder(this, path);
    const parent = this.folder(path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '/');
    folder.parent = parent;
    parent.children.push(folder);
    this.folders.set(path, folder);
    return folder;
  }
}

export class MetadataCache extends Events implements Pick<O.MetadataCache, 'getFirstLinkpathDest' | 'fileToLinktext'> {
  constructor(private readonly vault: Vault) {
    super();
  }

  /**
   * Obsidian's resolution, for the cases tests use: a full vault path; otherwise files whose path ends with
   * the link, preferring one in the source note's folder, then the shortest path.
   */
  getFirstLinkpathDest(linkpath: string, sourcePath: string): O.TFile | null {
    const link = normalizePath(linkpath.split('#')[0] as string);
    const files = this.vault.getFiles();
    const exact = files.find((f) => f.path === link || f.path === `${link}.md`);
    if (exact !== undefined) return exact;
    const folder = sourcePath.includes('/') ? sourcePath.slice(0, sourcePath.lastIndexOf('/')) : '';
    const candidates = files.filter((f) => f.path.endsWith(`/${link}`) || f.path.endsWith(`/${link}.md`));
    return candidates.find((f) => (f.parent?.path ?? '') === folder) ?? candidates.sort((a, b) => a.path.length - b.path.length)[0] ?? null;
  }

  /** The file's name when no other file shares it, else its full path. */
  fileToLinktext(file: O.TFile, _sourcePath: string, omitMdExtension = true): string {
    const unique = this.vault.getFiles().filter((f) => f.name === file.name).length === 1;
    const text = unique ? file.name : file.path;
    return omitMdExtension && file.extension === 'md' ? text.slice(0, -3) : text;
  }
}
