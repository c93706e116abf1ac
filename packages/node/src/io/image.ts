/**
 * Image decoding and encoding with sharp.
 *
 * Everything the model sees goes through `readImage`, which always returns 8-bit sRGB with exactly three
 * channels (HWC): EXIF orientation applied, greyscale expanded, alpha composited over white.
 *
 * Why composite over white rather than drop alpha: the colour stored under fully transparent pixels is
 * arbitrary (often black, sometimes leftovers of an edit), and dropping alpha would feed that to the model.
 * White is what most viewers show behind a transparent image, so the result matches what the user saw.
 */
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { extname } from 'node:path';
import sharp, { type Metadata, type Sharp } from 'sharp';
import type { PixelImage } from '../types.js';
import { InputError, OutputError } from '../errors.js';
import { InvalidArgumentError } from '@adaattn/core';

/** Default decompression-bomb guard: 100 megapixels (a 10000 × 10000 image). */
export const DEFAULT_MAX_PIXELS = 100_000_000;

/** Anything `readImage` accepts: a file path, the bytes of an encoded file, or decoded pixels. */
export type ImageInput = string | Uint8Array | PixelImage;

export interface ReadImageOptions {
  /**
   * Resize so that the longer side is this many pixels (up or down, aspect ratio kept).
   * `0` keeps the decoded size. Default: `0`.
   */
  size?: number;
  /**
   * Refuse images with more pixels than this (width × height, checked from the header before decoding),
   * to guard against decompression bombs. `Infinity` disables the check. Default: {@link DEFAULT_MAX_PIXELS}.
   */
  maxPixels?: number;
  /** How the image is named in error messages, e.g. `'content image'`. Default: `'image'`. */
  label?: string;
  /**
   * What transparent pixels are composited over. Default: `'#ffffff'` (what viewers show behind a
   * transparent picture); masks use black, so that a transparent area of a mask is outside.
   */
  background?: string;
}

/** Output formats, keyed by the file extensions that select them. */
const FORMAT_BY_EXTENSION = Object.freeze({
  '.png': 'png',
  '.jpg': 'jpeg',
  '.jpeg': 'jpeg',
  '.webp': 'webp',
} as const);

export type OutputFormat = (typeof FORMAT_BY_EXTENSION)[keyof typeof FORMAT_BY_EXTENSION];

export interface EncodeOptions {
  /** JPEG/WebP quality, 1–100; ignored for PNG. Default: 92 for JPEG, 90 for WebP. */
  quality?: number;
}

const FORMAT_NAMES: Record<string, string> = {
  jpeg: 'JPEG',
  png: 'PNG',
  webp: 'WebP',
  tiff: 'TIFF',
  gif: 'GIF',
  svg: 'SVG',
  heif: 'AVIF/HEIF',
  jp2k: 'JPEG 2000',
  jxl: 'JPEG XL',
};

/** Formats the installed sharp can decode, for error messages (the prebuilt libvips varies by platform). */
function readableFormats(): string {
  return Object.entries(sharp.format)
    .filter(([id, f]) => (f.input.file || f.input.buffer) && id !== 'raw' && id !== 'vips')
    .map(([id]) => FORMAT_NAMES[id] ?? id.toUpperCase())
    .join(', ');
}

/**
 * The output format for a path, from its extension (case-insensitive).
 * Throws before any work is done when the extension is not one we can write.
 */
export function outputFormatForPath(path: string): OutputFormat {
  const ext = extname(path).toLowerCase();
  const format = (FORMAT_BY_EXTENSION as Record<string, OutputFormat>)[ext];
  if (format === undefined) {
    const known = Object.keys(FORMAT_BY_EXTENSION).join(', ');
    const what = ext === '' ? 'has no extension' : `has the extension '${ext}'`;
    throw new OutputError(`output '${path}' ${what}; the format is chosen by extension, one of ${known}`);
  }
  return format;
}

export function isPixelImage(value: unknown): value is PixelImage {
  if (typeof value !== 'object' || value === null || ArrayBuffer.isView(value)) return false;
  const v = value as Partial<PixelImage>;
  return typeof v.width === 'number' && typeof v.height === 'number' && typeof v.channels === 'number' && ArrayBuffer.isView(v.data);
}

function validatePixelImage(image: PixelImage, label: string): void {
  const { width, height, channels, data } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new InvalidArgumentError(`${label}: width and height must be positive integers, got ${width}×${height}`);
  }
  if (channels !== 1 && channels !== 3 && channels !== 4) {
    throw new InvalidArgumentError(`${label}: channels must be 1, 3 or 4, got ${channels}`);
  }
  if (data.length !== width * height * channels) {
    throw new InputError(`${label}: data has ${data.length} bytes but ${width}×${height}×${channels} needs ${width * height * channels}`);
  }
}

function checkSize(size: number, label: string): void {
  if (!Number.isInteger(size) || size < 0) {
    throw new InvalidArgumentError(`${label}: size must be a whole number of pixels ≥ 0 (0 keeps the size), got ${size}`);
  }
}

function checkMaxPixels(maxPixels: number): void {
  if (!(maxPixels > 0)) throw new InvalidArgumentError(`maxPixels must be a positive number (or Infinity), got ${maxPixels}`);
}

function megapixels(n: number): string {
  return `${(n / 1e6).toFixed(n < 1e6 ? 3 : 1)} MP`;
}

/** Turns sharp's decoder messages into one line that names the input and says what is wrong. */
function describeDecodeError(err: unknown, label: string): Error {
  const raw = err instanceof Error ? err.message : String(err);
  const first = raw.split('\n')[0]!.trim();
  let message: string;
  if (/unsupported image format/i.test(raw)) {
    message = `${label} is not an image format that can be read (supported: ${readableFormats()})`;
  } else if (/premature end|truncat|corrupt|bogus|unexpected end|incomplete|crc|bad /i.test(raw)) {
    message = `${label} is corrupt or truncated (${first.replace(/^Input (file|buffer) has corrupt header: /, '')})`;
  } else {
    message = `${label} could not be decoded: ${first}`;
  }
  const out = new Error(message);
  (out as { cause?: unknown }).cause = err;
  return out;
}

/** Fails early, with a plain message, for paths that cannot be an image file. */
async function checkPath(path: string, label: string): Promise<void> {
  let info;
  try {
    info = await stat(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new InputError(`${label} does not exist`);
    if (code === 'EACCES') throw new InputError(`${label} cannot be read (permission denied)`);
    throw new InputError(`${label} cannot be read (${code ?? String(err)})`);
  }
  if (info.isDirectory()) throw new InputError(`${label} is a directory, not an image file`);
  if (info.size === 0) throw new InputError(`${label} is empty (0 bytes)`);
  // stat() needs no read permission: without this, an unreadable file reached the decoder and was
  // reported as "not an image format".
  try {
    await access(path, constants.R_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InputError(
      `${label} cannot be read (${code === 'EACCES' || code === 'EPERM' ? 'permission denied' : (code ?? String(err))})`,
    );
  }
}

/**
 * SVG is refused: librsvg renders the files an SVG references from its own folder (and below), so a
 * stylized "image" could carry the pixels of any picture next to it. Convert it to PNG first.
 */
function refuseSvg(meta: Metadata, label: string): void {
  if (meta.format === 'svg') {
    throw new InputError(`${label} is an SVG, which is refused (an SVG can pull in other files when rendered); convert it to PNG first`);
  }
}

/**
 * Decodes an image into 8-bit RGB pixels (HWC, 3 channels) ready for the model.
 *
 * Accepts a file path, encoded bytes (JPEG, PNG, WebP and whatever else sharp reads; the first frame of an
 * animation), or a PixelImage (1, 3 or 4 channels). Applies EXIF orientation, expands greyscale, composites
 * alpha over white, and resizes so that the longer side is `size` pixels when `size > 0`.
 */
export async function readImage(input: ImageInput, options: ReadImageOptions = {}): Promise<PixelImage> {
  const { size = 0, maxPixels = DEFAULT_MAX_PIXELS, background = '#ffffff' } = options;
  const baseLabel = options.label ?? 'image';
  checkMaxPixels(maxPixels);

  let pipeline: Sharp;
  let label: string;
  if (isPixelImage(input)) {
    label = baseLabel;
    checkSize(size, label);
    validatePixelImage(input, label);
    const pixels = input.width * input.height;
    if (pixels > maxPixels) throw overLimit(label, input.width, input.height, maxPixels);
    // Already-decoded RGB at the requested size needs no round trip through libvips.
    if (input.channels === 3 && (size === 0 || Math.max(input.width, input.height) === size)) {
      return { width: input.width, height: input.height, channels: 3, data: Uint8Array.from(input.data) };
    }
    pipeline = sharp(input.data, {
      raw: { width: input.width, height: input.height, channels: input.channels },
      limitInputPixels: false,
    });
    // Raw single-channel input is otherwise taken as one band of sRGB; say it is greyscale.
    if (input.channels === 1) pipeline = pipeline.toColourspace('b-w');
  } else {
    if (typeof input === 'string') {
      label = `${baseLabel} '${input}'`;
      checkSize(size, label);
      await checkPath(input, label);
    } else if (ArrayBuffer.isView(input)) {
      label = baseLabel;
      checkSize(size, label);
      if (input.byteLength === 0) throw new InputError(`${label} is empty (0 bytes)`);
    } else {
      throw new InvalidArgumentError(`${baseLabel} must be a file path, a Buffer/Uint8Array of an encoded image, or a PixelImage`);
    }
    // Read dimensions from the header first: this costs nothing and lets the pixel limit name the size.
    let meta: Metadata;
    try {
      meta = await sharp(input, { limitInputPixels: false }).metadata();
    } catch (err) {
      throw describeDecodeError(err, label);
    }
    refuseSvg(meta, label);
    if (meta.width * meta.height > maxPixels) throw overLimit(label, meta.width, meta.height, maxPixels);
    // sharp's own limit stays on as a second guard (a header that understates the decoded size).
    pipeline = sharp(input, {
      autoOrient: true,
      failOn: 'warning',
      limitInputPixels: Number.isFinite(maxPixels) ? Math.floor(maxPixels) : false,
    });
  }

  pipeline = pipeline.flatten({ background }).toColourspace('srgb');
  if (size > 0) pipeline = pipeline.resize(size, size, { fit: 'inside', kernel: 'lanczos3' });

  try {
    const { data, info } = await pipeline.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new InputError(`decoded to ${info.channels} channels, expected 3`);
    return { width: info.width, height: info.height, channels: 3, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
  } catch (err) {
    if (err instanceof Error && /exceeds pixel limit/i.test(err.message)) {
      throw new InputError(`${label} is larger than the ${megapixels(maxPixels)} limit once decoded; raise the limit to read it`);
    }
    throw describeDecodeError(err, label);
  }
}

function overLimit(label: string, width: number, height: number, maxPixels: number): Error {
  return new Error(
    `${label} is ${width}×${height} = ${megapixels(width * height)}, over the ${megapixels(maxPixels)} limit ` +
      `that guards against decompression bombs; raise the limit (--max-pixels / maxPixels) if the file is trusted`,
  );
}

/** Encodes pixels (1, 3 or 4 channels) as PNG, JPEG or WebP. */
export async function encodeImage(image: PixelImage, format: OutputFormat, options: EncodeOptions = {}): Promise<Buffer> {
  validatePixelImage(image, 'image to encode');
  const { quality } = options;
  if (quality !== undefined && (!Number.isInteger(quality) || quality < 1 || quality > 100)) {
    throw new InvalidArgumentError(`quality must be a whole number from 1 to 100, got ${quality}`);
  }
  let pipeline = sharp(image.data, {
    raw: { width: image.width, height: image.height, channels: image.channels },
    limitInputPixels: false,
  });
  if (image.channels === 1) pipeline = pipeline.toColourspace('b-w');
  switch (format) {
    case 'png':
      return pipeline.png().toBuffer();
    case 'jpeg':
      return pipeline.jpeg({ quality: quality ?? 92 }).toBuffer();
    case 'webp':
      return pipeline.webp({ quality: quality ?? 90 }).toBuffer();
    default: {
      const never: never = format;
      throw new OutputError(`unknown output format '${String(never)}'`);
    }
  }
}
