/**
 * `adaattn video --queue`: a clip split into chunks over two worker processes equals, frame for frame, the
 * single-machine `adaattn video` of the same clip (shipped video model, tiny frames).
 */
import { spawnSync } from 'node:child_process';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adaattn, kill, picture, startWorkerProcess, tempDir, VIDEO_MODEL, type Proc } from './test-utils/cli.js';
import { hasRedis, startRedis, type TestRedis } from './test-utils/redis.js';

const hasFfmpeg = spawnSync('ffmpeg', ['-version']).status === 0 && spawnSync('ffprobe', ['-version']).status === 0;

let redis: TestRedis;
let dir: string;
let cleanup: () => Promise<void>;
const workers: Proc[] = [];

beforeAll(async () => {
  redis = await startRedis();
  ({ dir, cleanup } = await tempDir());
});
afterAll(async () => {
  await Promise.all(workers.map(kill));
  await redis?.stop();
  await cleanup?.();
});

async function frames(path: string): Promise<Buffer[]> {
  const names = (await readdir(path)).sort();
  return Promise.all(names.map((n) => readFile(join(path, n))));
}

describe.runIf(hasRedis)('adaattn video --queue', () => {
  it('a clip split over 2 workers equals the single-machine output frame for frame', async () => {
    const style = join(dir, 'style.png');
    await picture(style, 40, 40, 3);
    // A video file where ffmpeg is installed (each chunk decodes and skips to its frames), else a frame directory.
    let input = join(dir, 'clip.mp4');
    if (hasFfmpeg) {
      const made = spawnSync('ffmpeg', [
        '-v',
        'error',
        '-y',
        '-f',
        'lavfi',
        '-i',
        'testsrc=size=48x32:rate=7',
        '-t',
        '1',
        '-pix_fmt',
        'yuv420p',
        input,
      ]);
      expect(made.status).toBe(0);
    } else {
      input = join(dir, 'frames');
      await mkdir(input);
      for (let i = 0; i < 7; i++) await picture(join(input, `f${i}.png`), 48, 32, i);
    }
    const common = ['--input', input, '--style', style, '--size', '32'];
    const pool = Promise.all([0, 1].map(() => startWorkerProcess(redis.url, '--model', VIDEO_MODEL)));
    const local = adaattn(['video', ...common, '--output', join(dir, 'local'), '--model', VIDEO_MODEL]);
    expect(await local.exited).toBe(0);
    workers.push(...(await pool));

    const queued = adaattn(['video', '--queue', redis.url, ...common, '--output', join(dir, 'queued'), '--chunk', '2']);
    expect(await queued.exited).toBe(0);
    expect(queued.output()).toMatch(/\(7 frames\) .* over the queue at redis:\/\/127\.0\.0\.1:\d+: 4 chunks/);
    expect(queued.output()).toMatch(/adaattn: wrote \S+queued \(7 frames, 32×21\)/);
    const expected = await frames(join(dir, 'local'));
    expect(expected).toHaveLength(7);
    expect(await frames(join(dir, 'queued'))).toEqual(expected);
    // Both workers took chunks, and the chunk directories are gone.
    for (const w of workers) expect(w.output()).toMatch(/job vid-\S+ wrote /);
    expect((await readdir(dir)).filter((n) => n.startsWith('.'))).toEqual([]);

    if (hasFfmpeg) {
      // Into a video file, with the local command's ffmpeg encoder.
      const mp4 = adaattn(['video', '--queue', redis.url, ...common, '--output', join(dir, 'queued.mp4'), '--chunk', '3']);
      expect(await mp4.exited).toBe(0);
      const probe = spawnSync('ffprobe', [
        '-v',
        'error',
        '-count_frames',
        '-select_streams',
        'v:0',
        '-show_entries',
        'stream=nb_read_frames,width,height',
        '-of',
        'csv=p=0',
        join(dir, 'queued.mp4'),
      ]);
      expect(probe.stdout.toString().trim()).toBe('32,20,7');
    }
  });
});
