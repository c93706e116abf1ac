/** Types shared across the Node package, taken from core so that images pass between the two unchanged. */
export type { PixelImage } from '@adaattn/core';
