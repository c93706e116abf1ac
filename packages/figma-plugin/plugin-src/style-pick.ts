/**
 * Taking the selected node as the style image. An image-filled node gives its original bytes (full
 * resolution, uncropped: the painting itself rather than how the layer frames it); any other node is
 * rendered to PNG.
 */
import type { Paint, Rect } from './figma-types.js';
import { exportSize, whyNotExportable } from './export-plan.js';
import type { PluginHost, SourceNode } from './host.js';
import { STYLE_EXPORT_MAX_SIDE } from './limits.js';

export type StylePick =
  { readonly ok: true; readonly name: string; readonly bytes: Uint8Array } | { readonly ok: false; readonly message: string };

function imageHashOf(node: SourceNode): string | undefined {
  const fills = node.fills;
  if (!Array.isArray(fills)) return undefined; // absent, or figma.mixed
  const paints = fills as ReadonlyArray<Paint>;
  // The topmost visible image paint is the one that shows.
  for (let i = paints.length - 1; i >= 0; i--) {
    const paint = paints[i] as Paint;
    if (paint.type === 'IMAGE' && paint.visible !== false && typeof paint.imageHash === 'string') return paint.imageHash;
  }
  return undefined;
}

export async function pickStyle(host: PluginHost): Promise<StylePick> {
  const selection = host.currentPage.selection;
  if (selection.length !== 1) {
    return {
      ok: false,
      message:
        selection.length === 0
          ? 'Select one image layer to use as the style, then press “Use selection”.'
          : `Select just one layer to use as the style (${selection.length} are selected).`,
    };
  }
  const node = selection[0] as SourceNode;
  const hash = imageHashOf(node);
  if (hash !== undefined) {
    const image = host.getImageByHash(hash);
    if (image !== null) return { ok: true, name: node.name, bytes: await image.getBytesAsync() };
  }
  const reason = whyNotExportable(node);
  if (reason !== undefined) return { ok: false, message: `“${node.name}” ${reason}; pick another style layer.` };
  const bounds = node.absoluteRenderBounds as Rect;
  const scale = Math.min(1, STYLE_EXPORT_MAX_SIDE / Math.max(bounds.width, bounds.height));
  const { constraint } = exportSize(bounds.width, bounds.height, scale);
  try {
    const bytes = await (node.exportAsync as NonNullable<SourceNode['exportAsync']>)({ format: 'PNG', constraint });
    return { ok: true, name: node.name, bytes };
  } catch (error) {
    return { ok: false, message: `“${node.name}” could not be exported: ${error instanceof Error ? error.message : String(error)}` };
  }
}
