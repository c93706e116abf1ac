/** Encode-and-save in one call, by extension, atomically. */
import type { PixelImage } from '../types.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { encodeImage, outputFormatForPath, type EncodeOptions } from '../io/image.js';

export interface WriteImageOptions extends EncodeOptions {
  /** Files that must not be overwritten (e.g. the inputs), compared by real path and inode. Default: none. */
  protect?: readonly string[];
  /** Cancels the write; nothing is left on disk. Default: none. */
  signal?: AbortSignal;
}

/**
 * Writes `image` to `path` as PNG, JPEG or WebP according to the extension. The extension is checked
 * before encoding; the file appears complete or not at all (temporary file + rename).
 */
export async function writeImage(path: string, image: PixelImage, options: WriteImageOptions = {}): Promise<void> {
  const { protect, signal, ...encode } = options;
  const format = outputFormatForPath(path);
  const bytes = await encodeImage(image, format, encode);
  await writeFileAtomic(path, bytes, { protect, signal });
}
