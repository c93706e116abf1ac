import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../test-utils/images.js';
import { ffmpegPaths } from './ffmpeg.js';
import { openFrames, outputKind, writeFrames } from './frames.js';

let dir: string;
let cleanup: () => Promise<void>;
const tools = ffmpegPaths({});
const solid = (v: number) => ({ width: 4, height: 2, channels: 3 as const, data: new Uint8Array(24).fill(v) });

beforeAll(async () => {
  ({ dir, cleanup } = await makeTempDir('adaattn-frames-'));
});
afterAll(() => cleanup());

describe('frame directories', () => {
  it('reads image files in natural order, skipping hidden and other files', async () => {
    const frames = join(dir, 'in');
    await mkdir(frames);
    for (const n of [10, 2, 1, 3])
      await sharp(solid(n).data, { raw: { width: 4, height: 2, channels: 3 } })
        .png()
        .toFile(join(frames, `f${n}.PNG`));
    await writeFile(join(frames, 'notes.txt'), 'not a frame');
    await writeFile(join(frames, '.f0.png'), 'hidden');
    const source = await openFrames(frames, tools, { maxPixels: 1e6 });
    expect([source.kind, source.count, source.fps]).toEqual(['directory', 4, undefined]);
    const firsts: number[] = [];
    for await (const f of source.frames()) firsts.push(f.data[0]!);
    expect(firsts).toEqual([1, 2, 3, 10]);
    await expect(openFrames(join(dir, 'absent'), tools, { maxPixels: 1e6 })).rejects.toThrow(/does not exist/);
    const empty = join(dir, 'empty');
    await mkdir(empty);
    await expect(openFrames(empty, tools, { maxPixels: 1e6 })).rejects.toThrow(/holds no frames/);
  });

  it('writes all frames or nothing: a failure half-way leaves no directory and no temporary', async () => {
    const out = join(dir, 'out');
    const before = await readdir(dir);
    await expect(
      writeFrames(
        out,
        async (sink) => {
          await sink(solid(5));
          await sink(solid(6));
          throw new Error('stopped');
        },
        { tools, fps: 25 },
      ),
    ).rejects.toThrow('stopped');
    expect(await readdir(dir)).toEqual(before);
    expect(await writeFrames(out, async (sink) => sink(solid(7)), { tools, fps: 25 })).toBe(1);
    expect(await readdir(out)).toEqual(['frame_000001.png']);
  });

  it('tells video outputs from frame directories by extension', () => {
    expect(outputKind('a/b.MP4')).toBe('video');
    expect(outputKind('a/frames')).toBe('directory');
    expect(() => outputKind('a/b.png')).toThrow(/directory \(frames are written as PNG\) or a video file: .mp4/);
  });
});
