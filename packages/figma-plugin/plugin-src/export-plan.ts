/**
 * Deciding, for each selected node, whether and how it can be exported for the model: pure functions over
 * the node's properties, so the rules (Figma's 4096 px image limit, nodes that cannot be exported) are
 * tested without any export.
 */
import type { ExportSettingsConstraints, ExportSettingsImage, Rect } from './figma-types.js';
import type { SourceNode } from './host.js';
import { MAX_IMAGE_SIDE } from './limits.js';

export interface ExportPlan {
  readonly node: SourceNode;
  /** Page coordinates of what the export covers (render bounds: effects included). */
  readonly bounds: Rect;
  readonly settings: ExportSettingsImage;
  /** Expected pixel size of the PNG. */
  readonly pixelWidth: number;
  readonly pixelHeight: number;
  /** Set when the requested scale would have exceeded Figma's image limit: says what was done instead. */
  readonly notice?: string;
}

export interface Skipped {
  readonly name: string;
  readonly reason: string;
}

export interface PlannedExports {
  readonly plans: readonly ExportPlan[];
  readonly skipped: readonly Skipped[];
}

export interface PixelSize {
  readonly constraint: ExportSettingsConstraints;
  readonly pixelWidth: number;
  readonly pixelHeight: number;
  readonly downscaled: boolean;
}

/**
 * The export constraint for a `width`×`height` node at `scale`, shrunk so the long side is at most `maxSide`.
 * A downscaled export pins the long side with a WIDTH/HEIGHT constraint instead of a fractional scale, so
 * rounding can never land one pixel over the limit.
 */
export function exportSize(width: number, height: number, scale: number, maxSide = MAX_IMAGE_SIDE): PixelSize {
  const long = Math.max(width, height) * scale;
  if (long <= maxSide) {
    return {
      constraint: { type: 'SCALE', value: scale },
      pixelWidth: Math.max(1, Math.round(width * scale)),
      pixelHeight: Math.max(1, Math.round(height * scale)),
      downscaled: false,
    };
  }
  const wide = width >= height;
  const ratio = maxSide / Math.max(width, height);
  return {
    constraint: { type: wide ? 'WIDTH' : 'HEIGHT', value: maxSide },
    pixelWidth: wide ? maxSide : Math.max(1, Math.round(width * ratio)),
    pixelHeight: wide ? Math.max(1, Math.round(height * ratio)) : maxSide,
    downscaled: true,
  };
}

/** Why `node` cannot be exported, or undefined when it can. */
export function whyNotExportable(node: SourceNode): string | undefined {
  if (node.removed) return 'was deleted';
  if (typeof node.exportAsync !== 'function') return `is a ${node.type.toLowerCase()} layer, which Figma cannot export as an image`;
  if (!node.visible) return 'is hidden';
  const bounds = node.absoluteRenderBounds;
  if (bounds === null || bounds === undefined || !(bounds.width > 0) || !(bounds.height > 0)) return 'has nothing visible to export';
  return undefined;
}

export function planExports(nodes: ReadonlyArray<SourceNode>, scale: number): PlannedExports {
  const plans: ExportPlan[] = [];
  const skipped: Skipped[] = [];
  for (const node of nodes) {
    const reason = whyNotExportable(node);
    if (reason !== undefined) {
      skipped.push({ name: node.name, reason });
      continue;
    }
    const bounds = node.absoluteRenderBounds as Rect;
    const size = exportSize(bounds.width, bounds.height, scale);
    const notice = size.downscaled
      ? `“${node.name}” would be ${Math.round(bounds.width * scale)}×${Math.round(bounds.height * scale)} px at ${scale}×; ` +
        `exported at ${size.pixelWidth}×${size.pixelHeight} (Figma images are at most ${MAX_IMAGE_SIDE} px a side)`
      : undefined;
    plans.push({
      node,
      bounds,
      settings: { format: 'PNG', constraint: size.constraint },
      pixelWidth: size.pixelWidth,
      pixelHeight: size.pixelHeight,
      ...(notice === undefined ? {} : { notice }),
    });
  }
  return { plans, skipped };
}

/** One line naming the nodes left out, for a toast: “Note” is hidden; “Widget” is a widget layer, … */
export function describeSkipped(skipped: readonly Skipped[]): string {
  return skipped.map((s) => `“${s.name}” ${s.reason}`).join('; ');
}
