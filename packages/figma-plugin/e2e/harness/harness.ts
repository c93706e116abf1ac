/**
 * The e2e harness page: plays Figma's main thread for the built plugin.
 *
 * It builds an in-memory document (FakeFigma) whose frames render real pixels (crops of the sample photos)
 * when exported, adds `showUI`, and then runs the built dist/code.js against it, exactly as Figma would run
 * it. showUI opens the built dist/ui.html in an iframe, and messages travel between the two with the same
 * `{ pluginMessage }` wrapping Figma uses. The test drives the UI with clicks and inspects `window.harness`.
 */
import { FakeFigma, type FakeNode } from '../../test-utils/fake-figma.js';
import type { ExportSettings } from '../../plugin-src/figma-types.js';
import type { UiToMain } from '../../common/protocol.js';

interface HarnessConfig {
  readonly contentUrls: readonly string[];
  readonly styleUrl: string;
  readonly modelUrl: string;
  /** Appended to ui.html's URL (e.g. "?backend=wasm"). */
  readonly uiQuery: string;
  readonly frameSizes: readonly (readonly [number, number])[];
}

async function loadBitmap(url: string): Promise<ImageBitmap> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return createImageBitmap(await response.blob());
}

async function toPng(canvas: OffscreenCanvas): Promise<Uint8Array> {
  return new Uint8Array(await (await canvas.convertToBlob({ type: 'image/png' })).arrayBuffer());
}

/** The centre crop of `bitmap` with the aspect of width×height, drawn at width×height. */
function drawCover(bitmap: ImageBitmap, width: number, height: number): OffscreenCanvas {
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d') as OffscreenCanvasRenderingContext2D;
  const scale = Math.max(width / bitmap.width, height / bitmap.height);
  const sw = width / scale;
  const sh = height / scale;
  ctx.drawImage(bitmap, (bitmap.width - sw) / 2, (bitmap.height - sh) / 2, sw, sh, 0, 0, width, height);
  return canvas;
}

function pixelSize(node: FakeNode, settings: ExportSettings | undefined): [number, number] {
  const bounds = node.absoluteRenderBounds as { width: number; height: number };
  const constraint = settings !== undefined && 'constraint' in settings ? settings.constraint : undefined;
  const { width, height } = bounds;
  if (constraint === undefined) return [Math.round(width), Math.round(height)];
  const scale =
    constraint.type === 'SCALE' ? constraint.value : constraint.type === 'WIDTH' ? constraint.value / width : constraint.value / height;
  return [Math.max(1, Math.round(width * scale)), Math.max(1, Math.round(height * scale))];
}

class HarnessFigma extends FakeFigma {
  iframe: HTMLIFrameElement | undefined;

  constructor(private readonly uiUrl: string) {
    super();
  }

  showUI(_html: string, options: { width?: number; height?: number } = {}): void {
    const iframe = document.createElement('iframe');
    iframe.id = 'plugin-ui';
    iframe.style.cssText = 'position:absolute;left:0;top:0;border:0;border-right:1px solid #ccc';
    iframe.width = String(options.width ?? 300);
    iframe.height = String(options.height ?? 400);
    iframe.src = this.uiUrl;
    document.body.append(iframe);
    this.iframe = iframe;
    this.ui.onPost = (message) => iframe.contentWindow?.postMessage({ pluginMessage: message }, '*');
  }
}

export async function startHarness(config: HarnessConfig) {
  const figma = new HarnessFigma(`/dist/ui.html${config.uiQuery}`);
  const received: UiToMain[] = [];
  window.addEventListener('message', (event) => {
    if (figma.iframe === undefined || event.source !== figma.iframe.contentWindow) return;
    const message = (event.data as { pluginMessage?: UiToMain }).pluginMessage;
    if (message === undefined) return;
    received.push(message);
    void figma.ui.deliver(message);
  });

  // Each frame renders its own crop of a sample photo, at whatever size the export asks.
  const sources = await Promise.all(config.contentUrls.map(loadBitmap));
  const sourceOf = new Map<string, ImageBitmap>();
  figma.renderer = async (node, settings) => {
    const [w, h] = pixelSize(node, settings);
    const source = sourceOf.get(node.id);
    if (source === undefined) throw new Error(`no pixels for ${node.name}`);
    return toPng(drawCover(source, w, h));
  };
  const frames = config.frameSizes.map(([width, height], i) => {
    const node = figma.addNode({ name: `Frame ${i + 1}`, bounds: { x: 0, y: i * 130, width, height } });
    sourceOf.set(node.id, sources[i % sources.length] as ImageBitmap);
    return node;
  });

  // A style image layer, as a designer would paste a painting: an image-filled rectangle.
  const styleBitmap = await loadBitmap(config.styleUrl);
  const stylePng = await toPng(drawCover(styleBitmap, 128, 96));
  const { hash } = figma.createImage(stylePng);
  const styleNode = figma.addNode({
    name: 'wave',
    type: 'RECTANGLE',
    bounds: { x: 270, y: 0, width: 128, height: 96 },
    fills: [{ type: 'IMAGE', imageHash: hash, scaleMode: 'FILL' }],
  });
  sourceOf.set(styleNode.id, styleBitmap);
  figma.log.length = 0; // the setup's createImage is not the plugin's doing

  // Saved settings as a returning user would have them: the model from this test server.
  await figma.clientStorage.setAsync('settings', { modelBaseUrl: config.modelUrl });
  const before = frames.map((f) => f.snapshot());

  // Run the built main-thread bundle against the fake, as Figma runs code.js.
  Object.assign(globalThis, { figma, __html__: '<!-- ui.html is loaded by URL in the harness -->' });
  await new Promise<void>((resolve, reject) => {
    const script = document.createElement('script');
    script.src = '/dist/code.js';
    script.onload = () => resolve();
    script.onerror = () => reject(new Error('dist/code.js failed to load'));
    document.head.append(script);
  });

  /** Decodes a created image's bytes in the page: its size and mean RGB. */
  async function describeImage(hashOf: string) {
    const bytes = figma.images.get(hashOf);
    if (bytes === undefined) return undefined;
    const bitmap = await createImageBitmap(new Blob([bytes as Uint8Array<ArrayBuffer>]));
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const ctx = canvas.getContext('2d') as OffscreenCanvasRenderingContext2D;
    ctx.drawImage(bitmap, 0, 0);
    const { data } = ctx.getImageData(0, 0, bitmap.width, bitmap.height);
    return {
      width: bitmap.width,
      height: bitmap.height,
      png: bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47,
      pixels: Array.from(data),
    };
  }

  /** Draws the document (originals, the style layer, results) beside the plugin window, for screenshots. */
  async function renderCanvas(scale = 1.5): Promise<void> {
    document.getElementById('canvas')?.remove();
    const canvas = document.createElement('div');
    canvas.id = 'canvas';
    canvas.style.cssText =
      'position:absolute;left:340px;top:0;right:0;bottom:0;background:#e5e5e5;overflow:hidden;font:11px system-ui;color:#666';
    const place = (bytes: Uint8Array, x: number, y: number, w: number, h: number, label: string) => {
      const img = document.createElement('img');
      img.src = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'image/png' }));
      img.style.cssText = `position:absolute;left:${20 + x * scale}px;top:${40 + y * scale}px;width:${w * scale}px;height:${h * scale}px;image-rendering:auto`;
      const caption = document.createElement('div');
      caption.textContent = label;
      caption.style.cssText = `position:absolute;left:${20 + x * scale}px;top:${24 + y * scale}px;white-space:nowrap`;
      canvas.append(caption, img);
    };
    for (const node of [...frames, styleNode]) {
      const b = node.absoluteRenderBounds as { x: number; y: number; width: number; height: number };
      place(await figma.renderer(node, undefined), b.x, b.y, b.width, b.height, node.name);
    }
    for (const rect of figma.rectangles) {
      const bytes = rect.imageHash === undefined ? undefined : figma.images.get(rect.imageHash);
      if (bytes !== undefined) place(bytes, rect.x, rect.y, rect.width, rect.height, rect.name);
    }
    document.body.append(canvas);
    await Promise.all([...canvas.querySelectorAll('img')].map((img) => img.decode()));
  }

  return {
    figma,
    frames,
    renderCanvas,
    styleNode,
    received,
    /** True when no frame changed since the harness started. */
    originalsUntouched: () => JSON.stringify(frames.map((f) => f.snapshot())) === JSON.stringify(before),
    select: (nodes: readonly FakeNode[]) => figma.select(nodes),
    describeImage,
    /** A frame's content as exported at 1× (to compare with its stylized result). */
    exportPixels: async (index: number) => {
      const node = frames[index] as FakeNode;
      const png = await figma.renderer(node, { format: 'PNG', constraint: { type: 'SCALE', value: 1 } });
      const { hash: h } = figma.createImage(png);
      const described = await describeImage(h);
      figma.images.delete(h);
      return described;
    },
    /** A small PNG of the style sample, for the file-input path. */
    stylePngBase64: async (width: number, height: number) => {
      const bytes = await toPng(drawCover(styleBitmap, width, height));
      let text = '';
      for (const b of bytes) text += String.fromCharCode(b);
      return btoa(text);
    },
  };
}

Object.assign(window, { startHarness });
