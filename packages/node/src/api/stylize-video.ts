/**
 * stylizeVideo(): a frame sequence (a directory of images or a video file) through a stylizer, the style
 * encoded once and every frame stylized independently (docs/MODEL.md §7), written atomically.
 */
import { floatToPixels, matchColors, pixelsToFloat } from '@adaattn/core';
import { ffmpegPaths } from '../io/ffmpeg.js';
import { checkFramesOutput, openFrames, writeFrames } from '../io/frames.js';
import { DEFAULT_MAX_PIXELS, readImage, type ImageInput } from '../io/image.js';
import type { PixelImage } from '../types.js';
import { DEFAULT_SIZE, type ControlOptions, type EncodedStyle, type NodeStylizer } from './options.js';
import { InputError } from '../errors.js';
import { checkSize } from './create-stylizer.js';

/** Frame rate of a video made from a directory of frames, unless told. */
export const DEFAULT_FPS = 25;

export interface VideoProgress {
  /** Frames done. */
  readonly frame: number;
  /** Frames in all, when known. */
  readonly total: number | undefined;
  readonly elapsedSeconds: number;
  /** Seconds left at the pace so far, when the total is known. */
  readonly etaSeconds: number | undefined;
}

export interface StylizeVideoOptions extends ControlOptions {
  /** A directory of frames (PNG, JPEG, WebP, TIFF; natural order) or a video file (needs ffmpeg). */
  input: string;
  /** A directory (PNG frames) or a video file by extension (.mp4, .mov, .mkv, .webm, .gif; needs ffmpeg). */
  output: string;
  /** One style, or several (interpolated by `weights`, or pooled with `mix: 'concat'`). */
  style: ImageInput | readonly ImageInput[];
  /** Longer side of the frames (and styles) in pixels; 0 keeps the input size. Default: 512. */
  size?: number;
  /** Frame rate of a video output. Default: the input video's, or 25 for a directory. */
  fps?: number;
  attention?: 'sampled' | 'exact';
  seed?: number;
  /** Replace a non-empty output directory. Default: false. */
  force?: boolean;
  /** Refuse frames with more pixels. Default: 100 000 000. */
  maxPixels?: number;
  /** Cancels the job; nothing is left at `output`. */
  signal?: AbortSignal;
  /** Called after every frame. */
  onProgress?: (progress: VideoProgress) => void;
  /** Where ffmpeg is looked up ($ADAATTN_FFMPEG, PATH). Default: process.env. */
  env?: Readonly<Record<string, string | undefined>>;
}

export interface StylizeVideoResult {
  readonly frames: number;
  readonly width: number;
  readonly height: number;
  readonly seconds: number;
}

/**
 * `preserveColor: 'histogram'` recolours the style before it is encoded; a video's style is encoded once,
 * so it is matched to the first frame (a per-frame match would re-encode the style for every frame and
 * make its colours flicker with the content).
 */
export function stylizeVideo(stylizer: NodeStylizer, options: StylizeVideoOptions): Promise<StylizeVideoResult> {
  return stylizeFrames(stylizer, options);
}

/** Frames `start` to `end - 1` of a sequence, counted from 0. */
export interface FrameRange {
  readonly start: number;
  readonly end: number;
}

/**
 * stylizeVideo() with two additions for @adaattn/queue, whose workers each take a chunk of one video:
 * only the frames of `range` are stylized and written, and `prepared` styles (from {@link prepareVideoStyles},
 * cached by the caller and not freed here) replace encoding the style again for every chunk.
 */
export async function stylizeFrames(
  stylizer: NodeStylizer,
  options: StylizeVideoOptions & { range?: FrameRange },
  prepared?: VideoStyles,
): Promise<StylizeVideoResult> {
  const { input, output, size = DEFAULT_SIZE, signal, onProgress, maxPixels = DEFAULT_MAX_PIXELS } = options;
  checkSize(size);
  const { start, end } = options.range ?? { start: 0, end: Infinity };
  const tools = ffmpegPaths(options.env ?? process.env);
  const started = Date.now();
  const source = await openFrames(input, tools, { maxPixels, ...(signal ? { signal } : {}) });
  const protect = [input, ...(isList(options.style) ? options.style : [options.style]).filter((s): s is string => typeof s === 'string')];
  await checkFramesOutput(output, tools, { force: options.force ?? false, protect });
  signal?.throwIfAborted();

  const frames = source.frames(signal)[Symbol.asyncIterator]();
  const nextFrame = async (index: number): Promise<PixelImage | undefined> => {
    const next = await frames.next();
    if (next.done !== true) return readImage(next.value, { size, maxPixels });
    if (index === 0) throw new InputError(`input '${input}' has no frames`);
    if (index <= start) throw new InputError(`input '${input}' ends before frame ${start + 1}`);
    return undefined;
  };
  // Frame 0 always: the histogram colour match of the style is to the video's first frame, whatever the range.
  const frame0 = await nextFrame(0);
  for (let index = 1; index < start; index++) await frames.next();
  const firstFrame = start === 0 ? frame0 : await nextFrame(start);
  const styles = prepared ?? (await encodeStyles(stylizer, frame0!, options));
  const total = source.count === undefined ? undefined : Math.min(source.count, end) - start;
  let width = 0;
  let height = 0;
  try {
    const count = await writeFrames(
      output,
      async (sink) => {
        let frame: PixelImage | undefined = firstFrame;
        for (let done = 0; frame !== undefined && start + done < end; done++) {
          const out = await stylizer.stylize(frame, styles.list.length === 1 ? styles.list[0]! : styles.list, {
            ...styles.perFrame,
            size: 0,
            ...(signal ? { signal } : {}),
          });
          if (done === 0) [width, height] = [out.width, out.height];
          else if (out.width !== width || out.height !== height) {
            throw new InputError(
              `frame ${done + 1} is ${out.width}×${out.height} after resizing, but the first frame was ${width}×${height}; frames of a video must share one size`,
            );
          }
          await sink(out);
          const elapsed = (Date.now() - started) / 1000;
          onProgress?.({
            frame: done + 1,
            total,
            elapsedSeconds: elapsed,
            etaSeconds: total === undefined ? undefined : (elapsed / (done + 1)) * Math.max(0, total - done - 1),
          });
          frame = start + done + 1 < end ? await nextFrame(start + done + 1) : undefined;
        }
      },
      {
        tools,
        fps: options.fps ?? source.fps ?? DEFAULT_FPS,
        ...(source.kind === 'video' && source.hasAudio ? { audioFrom: input } : {}),
        force: options.force ?? false,
        protect,
        ...(signal ? { signal } : {}),
      },
    );
    return { frames: count, width, height, seconds: (Date.now() - started) / 1000 };
  } finally {
    await frames.return?.();
    if (prepared === undefined) styles.list.forEach((s) => s.dispose());
  }
}

/** The style(s) of a video encoded once, and the options every frame's stylize call takes. */
export interface VideoStyles {
  readonly list: EncodedStyle[];
  readonly perFrame: ControlOptions;
}

/** The styles as stylizeVideo() encodes them (reading the input's first frame only for the histogram match). */
export async function prepareVideoStyles(stylizer: NodeStylizer, options: StylizeVideoOptions): Promise<VideoStyles> {
  const { input, size = DEFAULT_SIZE, maxPixels = DEFAULT_MAX_PIXELS, signal } = options;
  let firstFrame: PixelImage = { width: 1, height: 1, channels: 3, data: new Uint8Array(3) }; // unused without the histogram match
  if (options.preserveColor === 'histogram') {
    const source = await openFrames(input, ffmpegPaths(options.env ?? process.env), { maxPixels, ...(signal ? { signal } : {}) });
    const frames = source.frames(signal)[Symbol.asyncIterator]();
    try {
      const first = await frames.next();
      if (first.done === true) throw new InputError(`input '${input}' has no frames`);
      firstFrame = await readImage(first.value, { size, maxPixels });
    } finally {
      await frames.return?.();
    }
  }
  return encodeStyles(stylizer, firstFrame, options);
}

async function encodeStyles(stylizer: NodeStylizer, firstFrame: PixelImage, options: StylizeVideoOptions): Promise<VideoStyles> {
  const {
    size = DEFAULT_SIZE,
    maxPixels = DEFAULT_MAX_PIXELS,
    attention,
    seed,
    signal,
    weights,
    mix,
    regions,
    strength,
    preserveColor,
  } = options;
  const inputs = isList(options.style) ? options.style : [options.style];
  let images = await Promise.all(
    inputs.map((s, i) => readImage(s, { size, maxPixels, label: inputs.length > 1 ? `style image ${i + 1}` : 'style image' })),
  );
  if (preserveColor === 'histogram') {
    const frame = pixelsToFloat(firstFrame);
    images = images.map((s) => floatToPixels(matchColors(pixelsToFloat(s), frame)));
  }
  const encode = (s: PixelImage | PixelImage[]) =>
    stylizer.encodeStyle(s, {
      size: 0,
      ...(attention ? { attention } : {}),
      ...(seed === undefined ? {} : { seed }),
      ...(signal ? { signal } : {}),
    });
  const list: EncodedStyle[] = [];
  try {
    if (mix === 'concat') list.push(await encode(images));
    else for (const image of images) list.push(await encode(image));
  } catch (error) {
    list.forEach((s) => s.dispose());
    throw error;
  }
  const perFrame: ControlOptions = {
    ...(mix === 'concat' ? { mix } : {}),
    ...(weights === undefined ? {} : { weights }),
    ...(regions === undefined ? {} : { regions }),
    ...(strength === undefined ? {} : { strength }),
    ...(preserveColor === 'luminance' ? { preserveColor } : {}),
  };
  return { list, perFrame };
}

function isList<T>(value: T | readonly T[]): value is readonly T[] {
  return Array.isArray(value);
}
