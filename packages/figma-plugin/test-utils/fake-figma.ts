/**
 * A small in-memory stand-in for the part of Figma's API the plugin uses (plugin-src/host.ts): a page with
 * nodes, a selection, images, rectangles, client storage, toasts, undo commits, and the UI message channel.
 * The unit tests drive it directly; the browser harness (e2e/harness) drives it with a real UI iframe.
 *
 * It records what the plugin did (`log`) so a test can check, e.g., that a run's layers all fall between two
 * undo commits, and it can snapshot nodes to prove the originals were never touched.
 */
import type { HostPage, HostUi, PageChild, PluginHost, ResultLayer, SourceNode } from '../plugin-src/host.js';
import type { ExportSettings, NotificationOptions, Paint, Rect } from '../plugin-src/figma-types.js';

/** Produces the PNG bytes of a node's export (the unit tests encode the settings; the harness draws pixels). */
export type Renderer = (node: FakeNode, settings: ExportSettings | undefined) => Promise<Uint8Array>;

export interface FakeNodeInit {
  readonly id?: string;
  readonly name: string;
  readonly type?: string;
  readonly bounds: Rect;
  readonly visible?: boolean;
  readonly fills?: ReadonlyArray<Paint>;
  /** False: the node has no exportAsync (like FigJam-only layers). */
  readonly exportable?: boolean;
  /** Makes exportAsync reject with this message. */
  readonly exportError?: string;
}

let nextId = 1;

export class FakeNode implements SourceNode, PageChild {
  readonly id: string;
  name: string;
  readonly type: string;
  visible: boolean;
  removed = false;
  absoluteRenderBounds: Rect | null;
  fills: ReadonlyArray<Paint>;
  readonly exportCalls: (ExportSettings | undefined)[] = [];
  exportAsync?: (settings?: ExportSettings) => Promise<Uint8Array>;

  constructor(init: FakeNodeInit, renderer: () => Renderer) {
    this.id = init.id ?? `1:${nextId++}`;
    this.name = init.name;
    this.type = init.type ?? 'FRAME';
    this.visible = init.visible ?? true;
    this.absoluteRenderBounds = { ...init.bounds };
    this.fills = init.fills ?? [];
    if (init.exportable !== false) {
      this.exportAsync = async (settings?: ExportSettings) => {
        this.exportCalls.push(settings);
        if (init.exportError !== undefined) throw new Error(init.exportError);
        return renderer()(this, settings);
      };
    }
  }

  get x(): number {
    return this.absoluteRenderBounds?.x ?? 0;
  }

  get width(): number {
    return this.absoluteRenderBounds?.width ?? 0;
  }

  getPluginData(_key: string): string {
    return ''; // the plugin never writes plugin data on originals
  }

  /** The fields a plugin could have changed, for before/after comparisons. */
  snapshot(): unknown {
    return JSON.parse(
      JSON.stringify({
        id: this.id,
        name: this.name,
        type: this.type,
        visible: this.visible,
        removed: this.removed,
        bounds: this.absoluteRenderBounds,
        fills: this.fills,
      }),
    );
  }
}

export class FakeRectangle implements ResultLayer, PageChild {
  readonly id = `2:${nextId++}`;
  readonly type = 'RECTANGLE';
  name = 'Rectangle';
  x = 0;
  y = 0;
  width = 100;
  height = 100;
  fills: ReadonlyArray<Paint> | symbol = [{ type: 'SOLID', color: { r: 0.85, g: 0.85, b: 0.85 } }];
  private readonly pluginData = new Map<string, string>();

  resize(width: number, height: number): void {
    if (!(width >= 0.01 && height >= 0.01)) throw new Error(`resize: width and height must be >= 0.01, got ${width}×${height}`);
    this.width = width;
    this.height = height;
  }

  setPluginData(key: string, value: string): void {
    this.pluginData.set(key, value);
  }

  getPluginData(key: string): string {
    return this.pluginData.get(key) ?? '';
  }

  /** The image hash of its (single) image fill, if any. */
  get imageHash(): string | undefined {
    if (!Array.isArray(this.fills)) return undefined;
    const paint = (this.fills as ReadonlyArray<Paint>)[0];
    return paint?.type === 'IMAGE' ? (paint.imageHash ?? undefined) : undefined;
  }
}

export type LogEntry =
  | { readonly kind: 'commitUndo' }
  | { readonly kind: 'create'; readonly id: string }
  | { readonly kind: 'notify'; readonly message: string; readonly error: boolean };

class FakeUi implements HostUi {
  readonly sent: unknown[] = [];
  private readonly handlers: ((message: unknown) => unknown)[] = [];
  /** Called for every message the plugin posts (the harness forwards them to the iframe). */
  onPost: ((message: unknown) => void) | undefined;

  postMessage(message: unknown): void {
    this.sent.push(message);
    this.onPost?.(message);
  }

  on(_type: 'message', callback: (message: unknown) => void): void {
    this.handlers.push(callback);
  }

  /** Delivers a message from the UI; resolves when the plugin's handlers have finished with it. */
  async deliver(message: unknown): Promise<void> {
    await Promise.all(this.handlers.map((h) => h(message)));
  }

  /** Messages of one type the plugin has posted so far. */
  sentOfType<T extends { type: string }>(type: T['type']): T[] {
    return this.sent.filter((m): m is T => (m as { type?: unknown }).type === type);
  }
}

class FakePage implements HostPage {
  selection: ReadonlyArray<SourceNode> = [];
  readonly children: (FakeNode | FakeRectangle)[] = [];
}

export class FakeFigma implements PluginHost {
  readonly currentPage = new FakePage();
  readonly ui = new FakeUi();
  readonly images = new Map<string, Uint8Array>();
  readonly storage = new Map<string, unknown>();
  readonly log: LogEntry[] = [];
  renderer: Renderer = async (_node, settings) => new TextEncoder().encode(JSON.stringify(settings ?? {}));
  private readonly selectionHandlers: (() => void)[] = [];
  private imageCount = 0;

  readonly clientStorage = {
    getAsync: async (key: string): Promise<unknown> => this.storage.get(key),
    setAsync: async (key: string, value: unknown): Promise<void> => {
      // Like Figma, store a structured clone: later mutation of `value` must not leak in.
      this.storage.set(key, structuredClone(value));
    },
  };

  /** Adds a node to the page (not selected). */
  addNode(init: FakeNodeInit): FakeNode {
    const node = new FakeNode(init, () => this.renderer);
    this.currentPage.children.push(node);
    return node;
  }

  select(nodes: ReadonlyArray<SourceNode>): void {
    this.currentPage.selection = [...nodes];
    for (const handler of this.selectionHandlers) handler();
  }

  /** Result layers the plugin created, in creation order. */
  get rectangles(): FakeRectangle[] {
    return this.currentPage.children.filter((c): c is FakeRectangle => c instanceof FakeRectangle);
  }

  get notifications(): { message: string; error: boolean }[] {
    return this.log
      .filter((e): e is Extract<LogEntry, { kind: 'notify' }> => e.kind === 'notify')
      .map(({ message, error }) => ({ message, error }));
  }

  createImage(data: Uint8Array): { readonly hash: string } {
    if (data.length === 0) throw new Error('Image is empty');
    const hash = `img${++this.imageCount}`;
    this.images.set(hash, data.slice());
    return { hash };
  }

  getImageByHash(hash: string): { getBytesAsync(): Promise<Uint8Array> } | null {
    const bytes = this.images.get(hash);
    return bytes === undefined ? null : { getBytesAsync: async () => bytes.slice() };
  }

  createRectangle(): FakeRectangle {
    const rect = new FakeRectangle();
    this.currentPage.children.push(rect); // Figma parents new nodes to the current page
    this.log.push({ kind: 'create', id: rect.id });
    return rect;
  }

  commitUndo(): void {
    this.log.push({ kind: 'commitUndo' });
  }

  notify(message: string, options?: NotificationOptions): unknown {
    this.log.push({ kind: 'notify', message, error: options?.error === true });
    return { cancel: () => undefined };
  }

  on(_type: 'selectionchange', callback: () => void): void {
    this.selectionHandlers.push(callback);
  }

  /** Undo steps that created layers: each is the list of layer ids created between two commits. */
  undoSteps(): string[][] {
    const steps: string[][] = [];
    let current: string[] = [];
    for (const entry of this.log) {
      if (entry.kind === 'commitUndo') {
        if (current.length > 0) steps.push(current);
        current = [];
      } else if (entry.kind === 'create') {
        current.push(entry.id);
      }
    }
    if (current.length > 0) steps.push(current);
    return steps;
  }
}
