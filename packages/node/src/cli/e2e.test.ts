/** The CLI on a real (random-weight) model: stylize, convert, cancellation, broken models. */
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../test-utils/cli.js';
import { makeTempDir, writeJpeg, writePng } from '../test-utils/images.js';
import { randomImageWeights, writeOfficialDir, writeTestModelDir } from '../test-utils/model.js';

let dir: string;
let cleanup: () => Promise<void>;
let model: string;
let official: string;
let content: string;
let style: string;

beforeAll(async () => {
  ({ dir, cleanup } = await makeTempDir());
  const weights = randomImageWeights(11);
  model = join(dir, 'model');
  official = join(dir, 'official');
  await writeTestModelDir(model, weights);
  await writeOfficialDir(official, weights);
  content = join(dir, 'content.jpg');
  style = join(dir, 'style.png');
  await writeJpeg(content, 40, 24);
  await writePng(style, 24, 24);
});
afterAll(() => cleanup());

const stylize = (output: string, ...extra: string[]) => [
  'stylize',
  '--content',
  content,
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

/** Names in `dir` other than the fixtures: what a run left behind. */
async function leftovers(): Promise<string[]> {
  const fixed = new Set(['model', 'official', 'content.jpg', 'style.png']);
  return (await readdir(dir)).filter((n) => !fixed.has(n)).sort();
}

describe('adaattn stylize (end to end)', () => {
  it('writes a PNG of the content size with --size 0, and says so in two lines', async () => {
    const out = join(dir, 'out.png');
    const r = await runCli(stylize(out, '--size', '0'));
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe('adaattn: stylizing content.jpg (40×24) with style.png (24×24) using test-random on wasm, sampled attention');
    expect(lines[1]).toMatch(new RegExp(`^adaattn: wrote ${out} \\(40×24, png\\) in \\d+\\.\\d s$`));
    const meta = await sharp(out).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 40, 24]);
    expect(await leftovers()).toEqual(['out.png']);
  });

  it('resizes by --size and encodes JPEG and WebP by extension; shows progress on a terminal', async () => {
    const jpg = join(dir, 'out.jpg');
    const r = await runCli(stylize(jpg, '--size', '48', '--quality', '70', '--seed', '1', '--attention', 'exact'), { tty: true });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/\r\x1b\[2Kadaattn: +\d+% encoding style/);
    expect(r.stderr).toMatch(/\d+% decoding/);
    expect(r.stderr).toContain('exact attention');
    const meta = await sharp(jpg).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 48, 29]);
    const webp = join(dir, 'out.webp');
    expect((await runCli(stylize(webp, '--size', '32'))).code).toBe(0);
    expect((await sharp(webp).metadata()).format).toBe('webp');
  });

  it('cancels cleanly: exit 130, no output, no temporary', async () => {
    const before = await leftovers();
    const controller = new AbortController();
    const out = join(dir, 'cancelled.png');
    const r = await runCli(stylize(out, '--size', '32'), {
      tty: true,
      signal: controller.signal,
      onStderr: (text) => {
        if (text.includes('encoding content')) controller.abort();
      },
    });
    expect(r.code).toBe(130);
    expect(r.stderr.endsWith('\r\x1b[2Kadaattn: cancelled; no output was written\n')).toBe(true);
    expect(await leftovers()).toEqual(before);
  });

  it('fails with one line and exit 1 on a corrupted model, leaving no output', async () => {
    const broken = join(dir, 'broken-model');
    await writeTestModelDir(broken, randomImageWeights(2));
    const encoder = join(broken, 'encoder.safetensors');
    const bytes = await readFile(encoder);
    bytes[bytes.length - 1] ^= 0xff; // same size, different sha256
    await writeFile(encoder, bytes);
    const out = join(dir, 'never.png');
    const r = await runCli(['stylize', '--content', content, '--style', style, '--output', out, '--model', broken]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^adaattn: error: model directory '.*broken-model': .*encoder\.safetensors.*sha256/);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    await expect(stat(out)).rejects.toThrow();
  });

  it('runs on the authors’ four files directly', async () => {
    const out = join(dir, 'from-official.png');
    const r = await runCli(['stylize', '-c', content, '-s', style, '-o', out, '-m', official, '--size', '32']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("using the authors' released AdaAttN image model");
  });
});

// Without --model the CLI finds the installed @adaattn/model-image (in the workspace, packages/model-image).
describe('adaattn stylize with the shipped model', () => {
  it('stylizes a small image with the default model directory', async () => {
    const out = join(dir, 'shipped.png');
    const r = await runCli(['stylize', '-c', content, '-s', style, '-o', out, '--size', '64']);
    expect(r.stderr).toMatch(/wrote .*shipped\.png \(64×38, png\)/);
    expect(r.code).toBe(0);
  });
});

describe('adaattn convert (end to end)', () => {
  it('converts the authors’ files into a model directory that stylizes identically (float32)', async () => {
    const converted = join(dir, 'converted');
    const r = await runCli(['convert', '--from', official, '--output', converted, '--dtype', 'float32']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(
      /^adaattn: converting the authors' checkpoints in .* to float32\nadaattn: wrote .*converted \(encoder\.safetensors, transformer\.safetensors, adaattn3\.safetensors, decoder\.safetensors, model\.json; [\d.]+ MB\) in [\d.]+ s\n$/,
    );
    expect((await readdir(converted)).sort()).toEqual([
      'adaattn3.safetensors',
      'decoder.safetensors',
      'encoder.safetensors',
      'model.json',
      'transformer.safetensors',
    ]);
    const json = JSON.parse(await readFile(join(converted, 'model.json'), 'utf8'));
    expect(json.files.encoder.dtype).toBe('float32');
    expect(Object.keys(json.provenance.sourceFilesSha256)).toHaveLength(4);

    const a = join(dir, 'conv-a.png');
    const b = join(dir, 'conv-b.png');
    expect((await runCli(['stylize', '-c', content, '-s', style, '-o', a, '-m', official, '--size', '32'])).code).toBe(0);
    expect((await runCli(['stylize', '-c', content, '-s', style, '-o', b, '-m', converted, '--size', '32'])).code).toBe(0);
    expect((await sharp(a).raw().toBuffer()).equals(await sharp(b).raw().toBuffer())).toBe(true);
  });

  it('writes float16 by default, refuses to overwrite without --force, replaces with it', async () => {
    const target = join(dir, 'converted16');
    expect((await runCli(['convert', '--from', official, '--output', target])).code).toBe(0);
    const json = JSON.parse(await readFile(join(target, 'model.json'), 'utf8'));
    expect(json.files.decoder.dtype).toBe('float16');
    const again = await runCli(['convert', '--from', official, '--output', target]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/is not empty; pass --force/);
    expect((await runCli(['convert', '--from', official, '--output', target, '--force'])).code).toBe(0);
    expect((await readdir(dir)).filter((n) => n.includes('.tmp-') || n.includes('.old-'))).toEqual([]);
  });
});
