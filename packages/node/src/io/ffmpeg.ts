/**
 * Debian's ffmpeg, run as a child process, for video files: probing (ffprobe), decoding to raw RGB frames
 * on a pipe, and encoding raw RGB frames from a pipe. Nothing is bundled: ffmpeg is found on PATH (or at
 * $ADAATTN_FFMPEG, with ffprobe beside it) and its absence is reported with what to install — a directory
 * of frames works without it.
 *
 * Frames stream through pipes, so memory holds one frame at a time whatever the video's length.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import type { PixelImage } from '../types.js';
import { InputError, OutputError } from '../errors.js';

export interface FfmpegTools {
  readonly ffmpeg: string;
  readonly ffprobe: string;
}

/** Thrown when ffmpeg is needed and not installed; its message says what to do. */
export class FfmpegMissingError extends Error {
  override readonly name = 'FfmpegMissingError';
}

/** Where to look: $ADAATTN_FFMPEG (a path to the ffmpeg binary) or PATH. */
export function ffmpegPaths(env: Readonly<Record<string, string | undefined>>): FfmpegTools {
  const custom = env['ADAATTN_FFMPEG'];
  if (custom === undefined || custom === '') return { ffmpeg: 'ffmpeg', ffprobe: 'ffprobe' };
  return { ffmpeg: custom, ffprobe: join(dirname(custom), 'ffprobe') };
}

/** Runs a tool to completion; resolves with its stdout, rejects with the last line of its stderr. */
function run(command: string, args: readonly string[], signal?: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...(signal ? { signal } : {}) });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${command} failed: ${lastLine(err) || `exit ${code}`}`))));
  });
}

function lastLine(text: string): string {
  return text.trim().split('\n').at(-1)?.trim() ?? '';
}

/** Resolves when both tools start; otherwise throws FfmpegMissingError naming `why` (what needed them). */
export async function requireFfmpeg(tools: FfmpegTools, why: string): Promise<void> {
  for (const tool of [tools.ffmpeg, tools.ffprobe]) {
    try {
      await run(tool, ['-version']);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const what = code === 'ENOENT' ? 'is not installed (not found on PATH)' : `does not run (${(err as Error).message})`;
      throw new FfmpegMissingError(
        `${why} needs ffmpeg, and '${tool}' ${what}: install it (Debian/Ubuntu: apt-get install ffmpeg), ` +
          `point ADAATTN_FFMPEG at an ffmpeg binary, or use a directory of frames instead`,
      );
    }
  }
}

export interface VideoInfo {
  readonly width: number;
  readonly height: number;
  /** Frames per second (from the stream's average or nominal rate). */
  readonly fps: number;
  /** Frame count when the container says (or its duration implies); undefined if unknown. */
  readonly frames: number | undefined;
  readonly hasAudio: boolean;
}

function rate(text: string | undefined): number | undefined {
  const m = /^(\d+)(?:\/(\d+))?$/.exec(text ?? '');
  if (m === null) return undefined;
  const value = Number(m[1]) / Number(m[2] ?? 1);
  return Number.isFinite(value) && value > 0 ? value : undefined;
}

export async function probeVideo(tools: FfmpegTools, path: string, signal?: AbortSignal): Promise<VideoInfo> {
  const json = await run(
    tools.ffprobe,
    ['-v', 'error', '-show_entries', 'stream=codec_type,width,height,avg_frame_rate,r_frame_rate,nb_frames,duration', '-of', 'json', path],
    signal,
  ).catch((err: Error) => {
    throw new InputError(`'${path}' could not be read as a video (${err.message.replace(/^\S+ failed: /, '')})`);
  });
  const streams = (JSON.parse(json) as { streams?: Record<string, string | number>[] }).streams ?? [];
  const video = streams.find((s) => s['codec_type'] === 'video');
  if (video === undefined) throw new InputError(`'${path}' has no video stream`);
  const fps = rate(String(video['avg_frame_rate'])) ?? rate(String(video['r_frame_rate'])) ?? 25;
  const counted = Number(video['nb_frames']);
  const duration = Number(video['duration']);
  const frames =
    Number.isInteger(counted) && counted > 0 ? counted : Number.isFinite(duration) && duration > 0 ? Math.round(duration * fps) : undefined;
  return {
    width: Number(video['width']),
    height: Number(video['height']),
    fps,
    frames,
    hasAudio: streams.some((s) => s['codec_type'] === 'audio'),
  };
}

/** A child whose failure is reported with its stderr's last line, and which is killed if left behind. */
function child(
  command: string,
  args: readonly string[],
  stdin: 'pipe' | 'ignore',
  signal?: AbortSignal,
): { proc: ChildProcess; done: Promise<void> } {
  const proc = spawn(command, args, { stdio: [stdin, 'pipe', 'pipe'], ...(signal ? { signal } : {}) });
  let err = '';
  proc.stderr?.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
  const done = new Promise<void>((resolve, reject) => {
    proc.on('error', reject);
    proc.on('close', (code, sig) =>
      code === 0 ? resolve() : reject(new Error(`ffmpeg ${sig ? `was stopped (${sig})` : `failed: ${lastLine(err) || `exit ${code}`}`}`)),
    );
  });
  done.catch(() => undefined); // observed by the caller; never an unhandled rejection
  return { proc, done };
}

/** Decodes the first video stream of `path` into RGB frames at its own size, one at a time. */
export async function* decodeFrames(tools: FfmpegTools, path: string, info: VideoInfo, signal?: AbortSignal): AsyncGenerator<PixelImage> {
  const { proc, done } = child(
    tools.ffmpeg,
    ['-v', 'error', '-nostdin', '-i', path, '-map', '0:v:0', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'],
    'ignore',
    signal,
  );
  const frameBytes = info.width * info.height * 3;
  let pending: Buffer[] = [];
  let have = 0;
  try {
    for await (const chunk of proc.stdout as AsyncIterable<Buffer>) {
      pending.push(chunk);
      have += chunk.length;
      while (have >= frameBytes) {
        const all = Buffer.concat(pending);
        yield { width: info.width, height: info.height, channels: 3, data: new Uint8Array(all.subarray(0, frameBytes)) };
        pending = [all.subarray(frameBytes)];
        have -= frameBytes;
      }
    }
    await done;
  } finally {
    if (proc.exitCode === null) proc.kill('SIGKILL');
  }
}

/** ffmpeg's muxer, codec arguments and audio codec for each output extension we write. */
export const VIDEO_OUTPUTS: Readonly<Record<string, { muxer: string; video: readonly string[]; audio: string | null }>> = Object.freeze({
  '.mp4': {
    muxer: 'mp4',
    video: ['-c:v', 'libx264', '-preset', 'medium', '-crf', '18', '-pix_fmt', 'yuv420p', '-movflags', '+faststart'],
    audio: 'aac',
  },
  '.mov': { muxer: 'mov', video: ['-c:v', 'libx264', '-preset', 'medium', '-crf', '18', '-pix_fmt', 'yuv420p'], audio: 'aac' },
  '.mkv': { muxer: 'matroska', video: ['-c:v', 'libx264', '-preset', 'medium', '-crf', '18', '-pix_fmt', 'yuv420p'], audio: 'aac' },
  '.webm': { muxer: 'webm', video: ['-c:v', 'libvpx-vp9', '-b:v', '0', '-crf', '31', '-pix_fmt', 'yuv420p'], audio: 'libopus' },
  '.gif': { muxer: 'gif', video: [], audio: null },
});

export interface EncoderOptions {
  readonly width: number;
  readonly height: number;
  readonly fps: number;
  /** Extension of the final name (the temporary file has none ffmpeg could go by). */
  readonly extension: string;
  /** A video whose audio is carried over, if it has any. */
  readonly audioFrom?: string;
  readonly signal?: AbortSignal;
}

export interface FrameEncoder {
  write(frame: PixelImage): Promise<void>;
  /** Closes the pipe and waits for ffmpeg to finish the file. */
  finish(): Promise<void>;
  /** Stops ffmpeg at once (the caller removes the file). */
  kill(): void;
}

export function encodeFrames(tools: FfmpegTools, path: string, options: EncoderOptions): FrameEncoder {
  const out = VIDEO_OUTPUTS[options.extension];
  if (out === undefined)
    throw new OutputError(`cannot write '${options.extension}' video; choose one of ${Object.keys(VIDEO_OUTPUTS).join(', ')}`);
  const args = [
    '-v',
    'error',
    '-y',
    '-f',
    'rawvideo',
    '-pix_fmt',
    'rgb24',
    '-s',
    `${options.width}x${options.height}`,
    '-r',
    String(options.fps),
    '-i',
    '-',
  ];
  const audio = options.audioFrom !== undefined && out.audio !== null;
  if (audio) args.push('-i', options.audioFrom!, '-map', '0:v:0', '-map', '1:a:0?', '-c:a', out.audio!, '-shortest');
  // yuv420p needs even sides: drop the last row/column of an odd frame rather than resample it.
  if (out.muxer !== 'gif') args.push('-vf', 'crop=trunc(iw/2)*2:trunc(ih/2)*2');
  args.push(...out.video, '-f', out.muxer, path);
  const { proc, done } = child(tools.ffmpeg, args, 'pipe', options.signal);
  const stdin = proc.stdin!;
  stdin.on('error', () => undefined); // a dead ffmpeg is reported by `done`
  return {
    async write(frame) {
      if (frame.width !== options.width || frame.height !== options.height || frame.channels !== 3) {
        throw new OutputError(
          `frame is ${frame.width}×${frame.height}×${frame.channels}, but the video is ${options.width}×${options.height} RGB`,
        );
      }
      const ok = stdin.write(frame.data);
      if (!ok) await Promise.race([new Promise((r) => stdin.once('drain', r)), done]);
    },
    async finish() {
      stdin.end();
      await done;
    },
    kill() {
      if (proc.exitCode === null) proc.kill('SIGKILL');
    },
  };
}
