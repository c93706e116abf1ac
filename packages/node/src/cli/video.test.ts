/** `adaattn video` end to end on a random-weight video model: frame directories, video files, cancel, ffmpeg. */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../test-utils/cli.js';
import { makeTempDir, rawRgb, writePng } from '../test-utils/images.js';
import { randomVideoWeights, writeTestModelDir } from '../test-utils/model.js';

const hasFfmpeg = spawnSync('ffmpeg', ['-version']).status === 0 && spawnSync('ffprobe', ['-version']).status === 0;

let dir: string;
let cleanup: () => Promise<void>;
let model: string;
let frames: string;
let style: string;

beforeAll(async () => {
  ({ dir, cleanup } = await makeTempDir('adaattn-video-'));
  model = join(dir, 'model');
  await writeTestModelDir(model, randomVideoWeights(7), 'video');
  frames = join(dir, 'frames');
  await mkdir(frames);
  // Named so that only natural order is right (2 before 10).
  for (const n of [1, 2, 3, 10])
    await rawRgb(36 + n, 20)
      .resize(36, 20, { fit: 'fill' })
      .png()
      .toFile(join(frames, `f${n}.png`));
  style = join(dir, 'style.png');
  await writePng(style, 24, 24);
});
afterAll(() => cleanup());

const video = (input: string, output: string, ...extra: string[]) => [
  'video',
  '--input',
  input,
  '--style',
  style,
  '--output',
  output,
  '--model',
  model,
  '--backend',
  'wasm',
  ...extra,
];

/** Entries in the test directory besides the fixtures: what a run left behind (temporaries included). */
async function leftovers(): Promise<string[]> {
  const fixed = new Set(['model', 'frames', 'style.png', 'clip.mp4']);
  return (await readdir(dir)).filter((n) => !fixed.has(n)).sort();
}

describe('adaattn video', () => {
  it('stylizes a directory of frames into PNG frames, in natural order, with progress and ETA', async () => {
    const out = join(dir, 'out-frames');
    const r = await runCli(video(frames, out, '--size', '0', '--strength', '0.8'));
    expect(r.stderr).toMatch(/using test-random-video \(video model\) on wasm, sampled attention, strength 0\.8\n/);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/adaattn: frame 1\/4 \(25%\), \d+\.\d\d s a frame, ETA \d+ s\n/);
    expect(r.stderr).toMatch(/adaattn: wrote .*out-frames \(4 frames, 36×20\) in \d+\.\d s/);
    expect(await readdir(out)).toEqual(['frame_000001.png', 'frame_000002.png', 'frame_000003.png', 'frame_000004.png']);
    const meta = await sharp(join(out, 'frame_000004.png')).metadata();
    expect([meta.width, meta.height]).toEqual([36, 20]);
    expect(await leftovers()).toEqual(['out-frames']);
  });

  it('a cancelled job stops and leaves no output, and no temporary, behind', async () => {
    for (const name of ['cancelled-frames', ...(hasFfmpeg ? ['cancelled.mp4'] : [])]) {
      const before = await leftovers();
      const controller = new AbortController();
      let seen = 0;
      const r = await runCli(video(frames, join(dir, name), '--size', '0'), {
        signal: controller.signal,
        tty: true,
        onStderr: (text) => {
          if (/frame 2\/4/.test(text) && seen++ === 0) controller.abort();
        },
      });
      expect(r.code).toBe(130);
      expect(r.stderr).toMatch(/adaattn: cancelled; no output was written\n$/);
      expect(r.stderr).not.toMatch(/frame 4\/4/);
      expect(existsSync(join(dir, name))).toBe(false);
      expect(await leftovers()).toEqual(before);
    }
  });

  it.runIf(hasFfmpeg)('reads and writes video files through ffmpeg', async () => {
    const clip = join(dir, 'clip.mp4');
    const made = spawnSync('ffmpeg', [
      '-v',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      'testsrc=size=48x32:rate=5',
      '-t',
      '1',
      '-pix_fmt',
      'yuv420p',
      clip,
    ]);
    expect(made.status).toBe(0);
    const out = join(dir, 'out.mp4');
    const r = await runCli(video(clip, out, '--size', '0'));
    expect(r.code).toBe(0);
    const probe = spawnSync('ffprobe', [
      '-v',
      'error',
      '-count_frames',
      '-show_entries',
      'stream=width,height,nb_read_frames',
      '-of',
      'csv=p=0',
      out,
    ]);
    expect(probe.stdout.toString().trim()).toBe('48,32,5');
    const framesOut = join(dir, 'clip-frames');
    expect((await runCli(video(clip, framesOut, '--size', '24'))).code).toBe(0);
    expect((await readdir(framesOut)).length).toBe(5);
  });

  it('says how to get ffmpeg when a video file needs it; a frame directory works without', async () => {
    const env = { ADAATTN_FFMPEG: join(dir, 'no-such-ffmpeg') };
    const r = await runCli(video(frames, join(dir, 'needs.mp4')), { env });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /writing the video '.*needs\.mp4' needs ffmpeg, and '.*no-such-ffmpeg' is not installed .*apt-get install ffmpeg.*directory of frames/,
    );
    const ok = await runCli(video(frames, join(dir, 'no-ffmpeg-frames'), '--size', '16'), { env });
    expect(ok.code).toBe(0);
    expect(await leftovers()).toContain('no-ffmpeg-frames');
  });

  it('checks its command line before reading anything', async () => {
    const usage = async (args: string[], message: RegExp) => {
      const r = await runCli(args);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
    };
    await usage(video(frames, join(dir, 'x'), '--image-model'), /--model and --image-model both choose the model/);
    await usage(video(frames, join(dir, 'x.png')), /must be a directory \(frames are written as PNG\) or a video file/);
    await usage(video(frames, join(dir, 'x'), '--fps', '0'), /--fps must be frames per second/);
    await usage(['video', '--style', style, '--output', 'x'], /missing --input <video\|dir>/);
    expect(await leftovers()).not.toContain('x');
  });
});
