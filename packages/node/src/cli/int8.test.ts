/**
 * `--precision int8` as a user runs it: the shipped model (packages/model-image, whose model.json carries
 * int8 ranges from tools/train/calibrate_int8.py) through `adaattn stylize`, against the float32 PyTorch
 * reference image of the parity test. int8 is not exact, so this checks that it is close (PSNR) and that it
 * really ran in int8 (the image differs), and that the wrong backend or an uncalibrated model is refused.
 * The video model (packages/model-video) has ranges of its own, checked through the API.
 */
import { writeFile, readFile, mkdir, copyFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PARITY_FIXTURES as FIXTURES, SHIPPED_IMAGE_MODEL as MODEL, stylizeParityFixture } from '../test-utils/parity-fixture.js';
import { makeTempDir, psnr } from '../test-utils/images.js';
import { createStylizer } from '../api/create-stylizer.js';

/** Lowest PSNR accepted against the float32 reference on this fixture: 28.6 dB measured (Intel Ice Lake, VNNI). */
const MIN_PSNR_DB = 24;

const stylize = stylizeParityFixture;

describe('adaattn stylize --precision int8', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ dir, cleanup } = await makeTempDir('adaattn-int8-'));
  });
  afterAll(() => cleanup());

  it('runs the calibrated model in int8, close to the float32 reference', async () => {
    const output = join(dir, 'int8.png');
    const run = await stylize(output, ['--model', MODEL, '--precision', 'int8']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/ on onnx \(int8 convolutions\), /);
    const got = await sharp(output).raw().toBuffer();
    const want = await sharp(join(FIXTURES, 'expected.png')).raw().toBuffer();
    expect(got.length).toBe(want.length);
    const db = psnr(got, want);
    console.log(`int8 against the float32 reference: ${db.toFixed(1)} dB`);
    expect(db).toBeGreaterThan(MIN_PSNR_DB);
    expect(db).toBeLessThan(60); // float32 agrees to within 1 level (the parity test): this one did not run float32
  });

  it('runs the video model, whose model.json has its own ranges, in int8 close to its float32', async () => {
    const video = join(MODEL, '../model-video');
    const content = join(FIXTURES, 'content.png');
    const style = join(FIXTURES, 'style.png');
    await using float32 = await createStylizer({ model: video, backend: 'onnx' });
    await using int8 = await createStylizer({ model: video, precision: 'int8' });
    expect([int8.backend, int8.precision, int8.model.variant]).toEqual(['onnx', 'int8', 'video']);
    const [a, b] = [await float32.stylize(content, style, { size: 0 }), await int8.stylize(content, style, { size: 0 })];
    const db = psnr(a.data, b.data);
    console.log(`video model, int8 against float32: ${db.toFixed(1)} dB`);
    expect(db).toBeGreaterThan(MIN_PSNR_DB);
    expect(db).toBeLessThan(60);
  });

  it('refuses int8 on a backend that cannot run it, and a model without int8 ranges', async () => {
    const wasm = await stylize(join(dir, 'wasm.png'), ['--model', MODEL, '--precision', 'int8', '--backend', 'wasm']);
    expect(wasm.code).not.toBe(0);
    expect(wasm.stderr).toMatch(/precision 'int8' runs on the onnx backend .* not on wasm/);

    const plain = join(dir, 'uncalibrated');
    await mkdir(plain);
    for (const name of await readdir(MODEL)) if (name !== 'model.json') await copyFile(join(MODEL, name), join(plain, name));
    const config = JSON.parse(await readFile(join(MODEL, 'model.json'), 'utf8')) as Record<string, unknown>;
    delete config['int8'];
    await writeFile(join(plain, 'model.json'), JSON.stringify(config));
    const run = await stylize(join(dir, 'plain.png'), ['--model', plain, '--precision', 'int8']);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/has no int8 ranges in its model\.json/);

    const bad = await stylize(join(dir, 'bad.png'), ['--model', MODEL, '--precision', 'int4']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/--precision/);
  });
});
