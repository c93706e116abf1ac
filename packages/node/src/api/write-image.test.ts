import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { gradient, makeTempDir } from '../test-utils/images.js';
import { writeImage } from './write-image.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir, cleanup } = await makeTempDir());
});
afterEach(() => cleanup());

const image = { width: 10, height: 4, channels: 3 as const, data: new Uint8Array(gradient(10, 4)) };

it('encodes by extension and writes atomically', async () => {
  await writeImage(join(dir, 'a.webp'), image, { quality: 80 });
  await writeImage(join(dir, 'b.JPEG'), image);
  expect((await sharp(join(dir, 'a.webp')).metadata()).format).toBe('webp');
  expect((await sharp(join(dir, 'b.JPEG')).metadata()).format).toBe('jpeg');
  expect((await readdir(dir)).sort()).toEqual(['a.webp', 'b.JPEG']);
});

it('refuses an unknown extension or a protected input before writing anything', async () => {
  await expect(writeImage(join(dir, 'a.gif'), image)).rejects.toThrow(/has the extension '\.gif'/);
  const input = join(dir, 'in.png');
  await writeFile(input, 'original');
  await expect(writeImage(input, image, { protect: [input] })).rejects.toThrow(/it is the input file/);
  expect(await readdir(dir)).toEqual(['in.png']);
});
