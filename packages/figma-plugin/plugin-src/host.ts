/**
 * The part of Figma's plugin API this plugin uses, narrowed to what it reads and writes.
 *
 * The sandbox code takes a `PluginHost` instead of the `figma` global so that tests can hand it a small
 * in-memory fake. `main.ts` passes the real `figma`, and the compiler checks there that PluginAPI still
 * satisfies every member below: if Figma's typings change shape, the build breaks, not the plugin.
 */
import type { ClientStorageAPI, ExportSettings, NotificationOptions, Paint, Rect } from './figma-types.js';

/** A selected node, as far as stylizing it is concerned. Every SceneNode is one. */
export interface SourceNode {
  readonly id: string;
  readonly name: string;
  readonly type: string;
  readonly visible: boolean;
  readonly removed: boolean;
  /**
   * Page coordinates of what renders, effects (shadows, blur) and strokes included: what a PNG export
   * covers. Null when nothing renders; absent on FigJam-only node types.
   */
  readonly absoluteRenderBounds?: Rect | null;
  /** Absent on nodes Figma cannot export (FigJam widgets and the like). */
  exportAsync?(settings?: ExportSettings): Promise<Uint8Array>;
  readonly fills?: ReadonlyArray<Paint> | symbol; // symbol: figma.mixed
}

/** The layer a result is written into (a RectangleNode in Figma). */
export interface ResultLayer {
  name: string;
  x: number;
  y: number;
  fills: ReadonlyArray<Paint> | symbol;
  resize(width: number, height: number): void;
  setPluginData(key: string, value: string): void;
}

/** What is read back from earlier results on the page (to stack a new one beside them). */
export interface PageChild {
  readonly x: number;
  readonly width: number;
  getPluginData(key: string): string;
}

/**
 * The current page. New layers need no appendChild: Figma parents a created node to the current page, on
 * top, which is where a result belongs (above everything, at page coordinates).
 */
export interface HostPage {
  readonly selection: ReadonlyArray<SourceNode>;
  readonly children: ReadonlyArray<PageChild>;
}

export interface HostUi {
  postMessage(message: unknown): void;
  on(type: 'message', callback: (message: unknown) => void): void;
}

export interface PluginHost {
  readonly currentPage: HostPage;
  readonly ui: HostUi;
  readonly clientStorage: Pick<ClientStorageAPI, 'getAsync' | 'setAsync'>;
  createImage(data: Uint8Array): { readonly hash: string };
  getImageByHash(hash: string): { getBytesAsync(): Promise<Uint8Array> } | null;
  createRectangle(): ResultLayer;
  commitUndo(): void;
  notify(message: string, options?: NotificationOptions): unknown;
  on(type: 'selectionchange', callback: () => void): void;
}
