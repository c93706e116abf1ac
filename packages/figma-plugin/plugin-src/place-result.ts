/**
 * Writing one stylized image onto the canvas as a new layer. Originals are only ever read: the result is a
 * new rectangle on the current page with the image as its fill, so deleting it (or undoing the run) leaves
 * the document exactly as it was.
 */
import type { Rect } from './figma-types.js';
import type { PageChild, PluginHost, ResultLayer } from './host.js';
import { MAX_IMAGE_SIDE, RESULT_GAP, SOURCE_KEY } from './limits.js';
import type { Placement } from '../common/protocol.js';

export interface SourceInfo {
  readonly id: string;
  readonly name: string;
  /** Page coordinates the export covered. */
  readonly bounds: Rect;
}

export interface StylizedImage {
  readonly png: Uint8Array;
  readonly width: number;
  readonly height: number;
  readonly styleName: string;
}

export function resultName(styleName: string, sourceName: string): string {
  return `${styleName} — ${sourceName}`;
}

/**
 * Where the next result for `source` goes. 'beside': right of the original and of any earlier result made
 * from it (so runs with different styles line up instead of piling up); 'over': exactly on top of it.
 */
export function resultPosition(source: SourceInfo, placement: Placement, pageChildren: ReadonlyArray<PageChild>): { x: number; y: number } {
  const { x, y, width } = source.bounds;
  if (placement === 'over') return { x, y };
  let right = x + width;
  for (const child of pageChildren) {
    if (child.getPluginData(SOURCE_KEY) === source.id) right = Math.max(right, child.x + child.width);
  }
  return { x: right + RESULT_GAP, y };
}

/** Creates the result layer; throws with a message fit for a toast when Figma refuses the image. */
export function placeResult(host: PluginHost, source: SourceInfo, image: StylizedImage, placement: Placement): ResultLayer {
  if (image.width > MAX_IMAGE_SIDE || image.height > MAX_IMAGE_SIDE) {
    // The UI keeps the export's size, so this only trips on a bug; createImage would throw a vaguer error.
    throw new Error(`the result is ${image.width}×${image.height} px, over Figma's ${MAX_IMAGE_SIDE} px limit`);
  }
  const position = resultPosition(source, placement, host.currentPage.children);
  const { hash } = host.createImage(image.png);
  const layer = host.createRectangle();
  layer.name = resultName(image.styleName, source.name);
  // The layer takes the original's size in canvas units whatever the export scale: the image fill stretches
  // to it, so a 2× export gives a sharper layer, not a bigger one.
  layer.resize(Math.max(0.01, source.bounds.width), Math.max(0.01, source.bounds.height));
  layer.x = position.x;
  layer.y = position.y;
  layer.fills = [{ type: 'IMAGE', imageHash: hash, scaleMode: 'FILL' }];
  layer.setPluginData(SOURCE_KEY, source.id);
  return layer;
}
