/**
 * `@adaattn/core/browser`: helpers that need a browser (pages, plugin iframes, Electron renderers), kept out
 * of the main entry so that Node code never loads them. Image bytes ⇄ PixelImage with the browser's own
 * decoders and a canvas; tfjs's WebGL and inlined-wasm backends with the checks both plugins share.
 */
export {
  decodeImage,
  drawThumbnail,
  encodePng,
  fitWithin,
  toRgba,
  type CanvasTarget,
  type ColorSpaceConversion,
  type DecodedImage,
  type DecodeImageOptions,
} from './image-codec.js';
export {
  isSoftwareRenderer,
  probeWebgl,
  startInlineWasmBackend,
  startWebglBackend,
  type DocumentLike,
  type InlineWasmBinaries,
  type InlineWasmDelivery,
  type WebglProbe,
  type WebglStartOptions,
} from './tfjs-runtimes.js';
