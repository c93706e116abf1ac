import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../test-utils/images.js';
import { WeightsError } from '@adaattn/core';
import { ModelNotFoundError, OFFICIAL_FILES, defaultModelDir, directoryReader, inspectModelDir } from './model-dir.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ dir, cleanup } = await makeTempDir());
});
afterAll(() => cleanup());

describe('inspectModelDir', () => {
  it('recognises our layout by model.json, and the authors’ four files', async () => {
    const ours = join(dir, 'ours');
    await mkdir(ours);
    await writeFile(join(ours, 'model.json'), '{}');
    expect(await inspectModelDir(ours)).toEqual({ dir: ours, kind: 'adaattn-model' });

    const official = join(dir, 'official');
    await mkdir(official);
    for (const f of Object.values(OFFICIAL_FILES)) await writeFile(join(official, f), 'x');
    expect(await inspectModelDir(official)).toEqual({ dir: official, kind: 'official', variant: 'image' });
  });

  it('lists what it found when the directory is neither', async () => {
    const other = join(dir, 'other');
    await mkdir(other);
    await writeFile(join(other, 'weights.bin'), 'x');
    await expect(inspectModelDir(other)).rejects.toThrow(/is not a model directory \(it holds weights\.bin\); pass --model <dir>/);
    const empty = join(dir, 'empty');
    await mkdir(empty);
    await expect(inspectModelDir(empty)).rejects.toThrow(/\(it is empty\)/);
    await expect(inspectModelDir(join(other, 'weights.bin'))).rejects.toThrow(/is a file, but a model is a directory with model\.json/);
    await expect(inspectModelDir(join(dir, 'absent'))).rejects.toThrow(/model directory '.*absent' does not exist/);
  });

  it('resolves the default directory to the installed model package, unless the environment names one', () => {
    // In the workspace the packages resolve to their folders; the release test covers a real install.
    expect(defaultModelDir('image', {})).toBe(resolve(import.meta.dirname, '../../../model-image'));
    expect(defaultModelDir('video', {})).toBe(resolve(import.meta.dirname, '../../../model-video'));
    expect(defaultModelDir('image', { ADAATTN_MODEL: 'rel/dir' })).toBe(resolve('rel/dir'));
    expect(defaultModelDir('video', { ADAATTN_MODEL: '/x', ADAATTN_VIDEO_MODEL: '/v' })).toBe('/v');
  });

  it('says what to install when no model package can be resolved', () => {
    // Resolution from a folder outside the repository finds no node_modules with the packages.
    const outside = join(dir, 'outside', 'index.js');
    const err = (() => {
      try {
        defaultModelDir('video', {}, outside);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ModelNotFoundError);
    expect(err).toBeInstanceOf(WeightsError);
    expect((err as ModelNotFoundError).code).toBe('missing-file');
    expect((err as Error).message).toBe(
      'no video model: @adaattn/model-video is not installed (run `npm install @adaattn/model-video`), ' +
        "or set ADAATTN_VIDEO_MODEL=<dir>, or pass --model <dir> (API: the 'model' option)",
    );
  });
});

describe('directoryReader', () => {
  it('reads files inside the directory and refuses names that leave it', async () => {
    const m = join(dir, 'reader');
    await mkdir(m);
    await writeFile(join(m, 'a.safetensors'), 'abc');
    const read = directoryReader(m);
    expect(Buffer.from(await read('a.safetensors')).toString()).toBe('abc');
    await expect(read('missing.safetensors')).rejects.toThrow(/model file '.*missing\.safetensors' does not exist/);
    await expect(read('../escape')).rejects.toThrow(/points outside the model directory/);
    await expect(read('/etc/passwd')).rejects.toThrow(/points outside the model directory/);
  });
});
