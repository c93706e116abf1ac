import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../test-utils/images.js';
import { OFFICIAL_FILES, defaultModelDir, directoryReader, inspectModelDir } from './model-dir.js';

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

  it('resolves the default directory to <repo>/models/adaattn-image', () => {
    expect(defaultModelDir()).toBe(resolve(import.meta.dirname, '../../../../models/adaattn-image'));
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
