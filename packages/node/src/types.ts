/**
 * Types shared across the Node package.
 *
 * PixelImage mirrors the core contract (docs/ARCHITECTURE.md); it is declared here until core exports it.
 */
export interface PixelImage {
  readonly width: number;
  readonly height: number;
  /** 1 (grey), 3 (RGB) or 4 (RGBA). Images this package decodes are always 3. */
  readonly channels: 1 | 3 | 4;
  /** HWC, 8 bits per sample, row-major, no padding between rows. */
  readonly data: Uint8Array | Uint8ClampedArray;
}
