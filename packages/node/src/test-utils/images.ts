/** Test images generated on the fly with sharp, so the suite needs no binary fixtures. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import sharp from 'sharp';

export async function makeTempDir(prefix = 'adaattn-node-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** A smooth RGB gradient (compresses well, survives JPEG) of the given size. */
export function gradient(width: number, height: number): Buffer {
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      data[i] = Math.round((255 * x) / Math.max(1, width - 1));
      data[i + 1] = Math.round((255 * y) / Math.max(1, height - 1));
      data[i + 2] = 128;
    }
  }
  return data;
}

export function rawRgb(width: number, height: number) {
  return sharp(gradient(width, height), { raw: { width, height, channels: 3 } });
}

export async function writeJpeg(path: string, width: number, height: number, orientation?: number): Promise<void> {
  let p = rawRgb(width, height).jpeg({ quality: 95 });
  if (orientation !== undefined) p = p.withMetadata({ orientation });
  await p.toFile(path);
}

export async function writePng(path: string, width: number, height: number): Promise<void> {
  await rawRgb(width, height).png().toFile(path);
}

/**
 * A PNG whose header claims `width`×`height` but whose data is a few bytes: the shape of a
 * decompression bomb, cheap to make. Only the header is valid; decoding it would fail anyway.
 */
export async function writeBombPng(path: string, width: number, height: number): Promise<void> {
  const chunk = (type: string, body: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(body.length);
    const typed = Buffer.concat([Buffer.from(type, 'ascii'), body]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(typed) >>> 0);
    return Buffer.concat([len, typed, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type RGB
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  await writeFile(
    path,
    Buffer.concat([
      signature,
      chunk('IHDR', ihdr),
      chunk('IDAT', Buffer.from([0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01])),
      chunk('IEND', Buffer.alloc(0)),
    ]),
  );
}

/** PSNR in dB of two 8-bit pixel arrays of one length. */
export function psnr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += ((a[i] as number) - (b[i] as number)) ** 2;
  return 10 * Math.log10((255 * 255) / (sum / a.length));
}
