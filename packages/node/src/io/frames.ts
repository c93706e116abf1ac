/**
 * Frame sequences in and out: a directory of images, or a video file through ffmpeg (io/ffmpeg.ts).
 *
 * Output is atomic either way: frames go into a temporary sibling directory that is renamed into place
 * at the end, a video into a temporary file renamed at the end (io/atomic-write.ts), so a failed or
 * cancelled job leaves no half-written output.
 */
import { readdir, stat, writeFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { PixelImage } from '../types.js';
import { assertDirectoryWritable, assertFileWritable, writeDirectoryAtomic, writeFileAtomic } from './atomic-write.js';
import { decodeFrames, encodeFrames, probeVideo, requireFfmpeg, VIDEO_OUTPUTS, type FfmpegTools, type FrameEncoder } from './ffmpeg.js';
import { encodeImage, readImage } from './image.js';
import { InputError, OutputError } from '../errors.js';

/** Image files a frame directory may hold (what sharp decodes), compared case-insensitively. */
export const FRAME_EXTENSIONS: readonly string[] = ['.png', '.jpg', '.jpeg', '.webp', '.tif', '.tiff'];

export interface FrameSource {
  readonly kind: 'directory' | 'video';
  /** Number of frames when known (always for a directory). */
  readonly count: number | undefined;
  /** The video's frame rate; undefined for a directory. */
  readonly fps: number | undefined;
  readonly hasAudio: boolean;
  /** The frames in order, each at its own size, decoded one at a time. */
  frames(signal?: AbortSignal): AsyncIterable<PixelImage>;
}

/** Natural order, so that frame2.png comes before frame10.png. */
const naturally = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

export async function openFrames(
  input: string,
  tools: FfmpegTools,
  options: { maxPixels: number; signal?: AbortSignal },
): Promise<FrameSource> {
  let info;
  try {
    info = await stat(input);
  } catch {
    throw new InputError(`input '${input}' does not exist`);
  }
  if (info.isDirectory()) {
    const names = (await readdir(input))
      .filter((n) => !n.startsWith('.') && FRAME_EXTENSIONS.includes(extname(n).toLowerCase()))
      .sort(naturally.compare);
    if (names.length === 0) throw new InputError(`input directory '${input}' holds no frames (${FRAME_EXTENSIONS.join(', ')} files)`);
    return {
      kind: 'directory',
      count: names.length,
      fps: undefined,
      hasAudio: false,
      async *frames() {
        for (const name of names) yield await readImage(join(input, name), { maxPixels: options.maxPixels, label: `frame '${name}'` });
      },
    };
  }
  await requireFfmpeg(tools, `reading the video '${input}'`);
  const video = await probeVideo(tools, input, options.signal);
  if (video.width * video.height > options.maxPixels)
    throw new InputError(`video '${input}' is ${video.width}×${video.height}, over the pixel limit (--max-pixels)`);
  return {
    kind: 'video',
    count: video.frames,
    fps: video.fps,
    hasAudio: video.hasAudio,
    frames: (signal) => decodeFrames(tools, input, video, signal),
  };
}

export type OutputKind = 'directory' | 'video';

/** A video by its extension (one ffmpeg can write), otherwise a directory of PNG frames. */
export function outputKind(output: string): OutputKind {
  const ext = extname(output).toLowerCase();
  if (ext in VIDEO_OUTPUTS) return 'video';
  if (ext === '' || ext === '.frames') return 'directory';
  throw new OutputError(
    `output '${output}' must be a directory (frames are written as PNG) or a video file: ${Object.keys(VIDEO_OUTPUTS).join(', ')}`,
  );
}

export interface WriteFramesOptions {
  readonly tools: FfmpegTools;
  /** Frame rate of a video output. */
  readonly fps: number;
  /** A video whose audio a video output carries over. */
  readonly audioFrom?: string;
  /** Replace a non-empty output directory. Default: false. */
  readonly force?: boolean;
  /** Files a video output must never replace (the inputs). */
  readonly protect?: readonly string[];
  readonly signal?: AbortSignal;
}

/** Takes the frames, in order. */
export type FrameSink = (frame: PixelImage) => Promise<void>;

/** Fails now, before any work, if `output` could not be written at the end. */
export async function checkFramesOutput(
  output: string,
  tools: FfmpegTools,
  options: Pick<WriteFramesOptions, 'force' | 'protect'>,
): Promise<OutputKind> {
  const kind = outputKind(output);
  if (kind === 'directory') await assertDirectoryWritable(output, options.force ?? false);
  else {
    await requireFfmpeg(tools, `writing the video '${output}'`);
    await assertFileWritable(output, options.protect ?? []);
  }
  return kind;
}

/**
 * Runs `produce`, which hands frames to the sink, and makes `output` from them atomically: nothing appears
 * at `output` unless `produce` finishes and every frame is written.
 */
export async function writeFrames(
  output: string,
  produce: (sink: FrameSink) => Promise<void>,
  options: WriteFramesOptions,
): Promise<number> {
  let count = 0;
  if (outputKind(output) === 'directory') {
    await writeDirectoryAtomic(
      output,
      (tmp) =>
        produce(async (frame) => {
          count++;
          await writeFile(join(tmp, `frame_${String(count).padStart(6, '0')}.png`), await encodeImage(frame, 'png'));
        }),
      { force: options.force ?? false, ...(options.signal ? { signal: options.signal } : {}) },
    );
    return count;
  }
  await writeFileAtomic(
    output,
    async (tmp) => {
      let encoder: FrameEncoder | undefined;
      try {
        await produce(async (frame) => {
          encoder ??= encodeFrames(options.tools, tmp, {
            width: frame.width,
            height: frame.height,
            fps: options.fps,
            extension: extname(output).toLowerCase(),
            ...(options.audioFrom === undefined ? {} : { audioFrom: options.audioFrom }),
            ...(options.signal ? { signal: options.signal } : {}),
          });
          await encoder.write(frame);
          count++;
        });
        if (encoder === undefined) throw new OutputError('no frames to write');
        await encoder.finish();
      } catch (error) {
        encoder?.kill();
        throw error;
      }
    },
    { protect: options.protect ?? [], ...(options.signal ? { signal: options.signal } : {}) },
  );
  return count;
}
