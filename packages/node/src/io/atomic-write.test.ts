import { link, mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDir } from '../test-utils/images.js';
import { isSameFile, removePendingTemporariesSync, writeDirectoryAtomic, writeFileAtomic } from './atomic-write.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir, cleanup } = await makeTempDir());
});
afterEach(() => cleanup());

describe('writeFileAtomic', () => {
  it('writes a new file and replaces an existing one, leaving no temporaries', async () => {
    const out = join(dir, 'out.bin');
    await writeFileAtomic(out, Buffer.from('one'));
    await writeFileAtomic(out, Buffer.from('two'));
    expect(await readFile(out, 'utf8')).toBe('two');
    expect(await readdir(dir)).toEqual(['out.bin']);
  });

  it('leaves the old file untouched and removes the temporary when the writer fails', async () => {
    const out = join(dir, 'out.bin');
    await writeFile(out, 'old');
    let seenTmp = '';
    await expect(
      writeFileAtomic(out, async (tmp) => {
        seenTmp = tmp;
        await writeFile(tmp, 'partial');
        throw new Error('encoder crashed');
      }),
    ).rejects.toThrow('encoder crashed');
    expect(seenTmp.startsWith(join(dir, '.out.bin.tmp-'))).toBe(true);
    expect(await readFile(out, 'utf8')).toBe('old');
    expect(await readdir(dir)).toEqual(['out.bin']);
  });

  it('does nothing when cancelled, before or during the write', async () => {
    const out = join(dir, 'out.bin');
    const early = new AbortController();
    early.abort();
    await expect(writeFileAtomic(out, Buffer.from('x'), { signal: early.signal })).rejects.toThrow(/abort/i);
    const late = new AbortController();
    await expect(
      writeFileAtomic(
        out,
        async (tmp) => {
          await writeFile(tmp, 'partial');
          late.abort();
        },
        { signal: late.signal },
      ),
    ).rejects.toThrow(/abort/i);
    expect(await readdir(dir)).toEqual([]);
  });

  it('refuses to overwrite a protected input, through symlinks and hard links', async () => {
    const input = join(dir, 'content.png');
    await writeFile(input, 'pixels');
    await symlink(input, join(dir, 'alias.png'));
    await link(input, join(dir, 'hard.png'));
    for (const target of [input, join(dir, '.', 'content.png'), join(dir, 'alias.png'), join(dir, 'hard.png')]) {
      await expect(writeFileAtomic(target, Buffer.from('x'), { protect: [input] })).rejects.toThrow(
        /refusing to write .*: it is the input file/,
      );
    }
    expect(await readFile(input, 'utf8')).toBe('pixels');
    expect(await isSameFile(join(dir, 'other.png'), input)).toBe(false);
  });

  it('names a missing output directory, and a directory at the target', async () => {
    await expect(writeFileAtomic(join(dir, 'no', 'out.png'), Buffer.from('x'))).rejects.toThrow(/the directory '.*no' does not exist/);
    await mkdir(join(dir, 'd.png'));
    await expect(writeFileAtomic(join(dir, 'd.png'), Buffer.from('x'))).rejects.toThrow(/it is a directory/);
  });

  it('removePendingTemporariesSync deletes a temporary still being written', async () => {
    const out = join(dir, 'out.bin');
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const writing = writeFileAtomic(out, async (tmp) => {
      await writeFile(tmp, 'partial');
      await gate;
    });
    await new Promise((r) => setTimeout(r, 20));
    expect((await readdir(dir)).length).toBe(1);
    removePendingTemporariesSync();
    expect(await readdir(dir)).toEqual([]);
    release();
    await writing.catch(() => undefined);
  });
});

describe('writeDirectoryAtomic', () => {
  const fill = async (tmp: string) => {
    await writeFile(join(tmp, 'model.json'), '{}');
  };

  it('creates the directory, or fills an empty one', async () => {
    await writeDirectoryAtomic(join(dir, 'm'), fill);
    expect(await readdir(join(dir, 'm'))).toEqual(['model.json']);
    await mkdir(join(dir, 'empty'));
    await writeDirectoryAtomic(join(dir, 'empty'), fill);
    expect(await readdir(join(dir, 'empty'))).toEqual(['model.json']);
  });

  it('refuses a non-empty directory unless forced, then replaces it whole', async () => {
    const target = join(dir, 'm');
    await mkdir(target);
    await writeFile(join(target, 'stale.txt'), 'old');
    await expect(writeDirectoryAtomic(target, fill)).rejects.toThrow(/is not empty; pass --force/);
    expect(await readdir(target)).toEqual(['stale.txt']);
    await writeDirectoryAtomic(target, fill, { force: true });
    expect(await readdir(target)).toEqual(['model.json']);
    expect(await readdir(dir)).toEqual(['m']);
  });

  it('keeps the old directory and removes the temporary when filling fails', async () => {
    const target = join(dir, 'm');
    await mkdir(target);
    await writeFile(join(target, 'keep.txt'), 'old');
    await expect(
      writeDirectoryAtomic(
        target,
        async (tmp) => {
          await writeFile(join(tmp, 'half.safetensors'), 'x');
          throw new Error('disk full');
        },
        { force: true },
      ),
    ).rejects.toThrow('disk full');
    expect(await readdir(dir)).toEqual(['m']);
    expect(await readdir(target)).toEqual(['keep.txt']);
  });

  it('refuses when a file has the name', async () => {
    await writeFile(join(dir, 'm'), 'file');
    await expect(writeDirectoryAtomic(join(dir, 'm'), fill, { force: true })).rejects.toThrow(/a file with that name exists/);
  });
});
