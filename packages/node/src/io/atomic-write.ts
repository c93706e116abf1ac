/**
 * Atomic file and directory writes.
 *
 * Output is written to a temporary sibling (same directory, so the final rename stays on one file system
 * and is atomic) and renamed into place only when complete. A reader therefore sees either the old file
 * or the whole new one, never a partial file, and a failed or cancelled run leaves nothing behind.
 */
import { randomBytes } from 'node:crypto';
import { constants, rmSync } from 'node:fs';
import { access, mkdir, open, readdir, realpath, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { OutputError } from '../errors.js';

/**
 * Temporaries still on disk. A process killed mid-write (second Ctrl-C) removes them synchronously with
 * {@link removePendingTemporariesSync}; normal failures remove them in `finally` blocks.
 */
const pending = new Set<string>();

export function removePendingTemporariesSync(): void {
  for (const path of pending) {
    try {
      rmSync(path, { recursive: true, force: true });
    } catch {
      // Best effort: the process is exiting and there is nobody left to tell.
    }
  }
  pending.clear();
}

export interface AtomicWriteOptions {
  /**
   * Files that must never be replaced, e.g. the inputs of the job; compared after resolving symlinks and by
   * device/inode (so a hard link counts too). Default: none.
   */
  protect?: readonly string[];
  /** Cancels the write; the temporary is removed and the target is left untouched. Default: none. */
  signal?: AbortSignal;
}

function temporaryName(target: string, kind: 'tmp' | 'old'): string {
  // Leading dot hides it from casual listings; pid + random bytes keep concurrent writers apart.
  return join(dirname(target), `.${basename(target)}.${kind}-${process.pid}-${randomBytes(4).toString('hex')}`);
}

async function statOrNull(path: string) {
  try {
    return await stat(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** The absolute path with symlinks resolved as far as the path exists (the target may not exist yet). */
async function canonicalPath(path: string): Promise<string> {
  const abs = resolve(path);
  try {
    return await realpath(abs);
  } catch {
    const parent = dirname(abs);
    if (parent === abs) return abs;
    return join(await canonicalPath(parent), basename(abs));
  }
}

/** True when both paths name the same file: same canonical path, or same device and inode. */
export async function isSameFile(a: string, b: string): Promise<boolean> {
  if ((await canonicalPath(a)) === (await canonicalPath(b))) return true;
  const [sa, sb] = await Promise.all([statOrNull(a), statOrNull(b)]);
  return sa !== null && sb !== null && sa.dev === sb.dev && sa.ino === sb.ino;
}

/** Throws if `target` is one of the `protect`ed files. */
export async function assertNotProtected(target: string, protect: readonly string[] = []): Promise<void> {
  for (const p of protect) {
    if (await isSameFile(target, p)) {
      throw new OutputError(`refusing to write '${target}': it is the input file '${p}'; choose another output path`);
    }
  }
}

/** Throws unless the directory that will hold `target` exists. */
export async function assertParentDirectory(target: string): Promise<void> {
  const parent = dirname(resolve(target));
  const info = await statOrNull(parent);
  if (info === null) throw new OutputError(`cannot write '${target}': the directory '${parent}' does not exist`);
  if (!info.isDirectory()) throw new OutputError(`cannot write '${target}': '${parent}' is not a directory`);
  // Checked now, not at the final write: a read-only folder used to fail with a raw EACCES after the compute.
  try {
    await access(parent, constants.W_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'EROFS'
        ? 'it is on a read-only file system'
        : code === 'EACCES' || code === 'EPERM'
          ? 'it is not writable (permission denied)'
          : (code ?? String(err));
    throw new OutputError(`cannot write '${target}': the directory '${parent}' cannot be written to (${why})`);
  }
}

/**
 * Throws unless `target` could be written now: not a protected file, not a directory, in an existing
 * directory. Callers run it before any expensive work so that a doomed job fails at once.
 */
export async function assertFileWritable(target: string, protect: readonly string[] = []): Promise<void> {
  await assertNotProtected(target, protect);
  await assertParentDirectory(target);
  const existing = await statOrNull(target);
  if (existing?.isDirectory()) throw new OutputError(`cannot write '${target}': it is a directory`);
}

/**
 * Writes `data` (or whatever `write(tmpPath)` puts in the temporary file) to `target` atomically.
 * An existing target is replaced unless it is protected; a directory at `target` is an error.
 */
export async function writeFileAtomic(
  target: string,
  data: Uint8Array | ((tmpPath: string) => Promise<void>),
  options: AtomicWriteOptions = {},
): Promise<void> {
  const { protect = [], signal } = options;
  signal?.throwIfAborted();
  await assertFileWritable(target, protect);

  const tmp = temporaryName(target, 'tmp');
  pending.add(tmp);
  try {
    if (typeof data === 'function') {
      await data(tmp);
    } else {
      const handle = await open(tmp, 'wx', 0o666);
      try {
        await handle.writeFile(data);
        // Flush before the rename, or a crash could leave a complete-looking name with missing bytes.
        await handle.sync();
      } finally {
        await handle.close();
      }
    }
    signal?.throwIfAborted();
    // Inputs could have been swapped in while we worked; check again right before replacing anything.
    await assertNotProtected(target, protect);
    await rename(tmp, target);
  } finally {
    pending.delete(tmp);
    await rm(tmp, { force: true });
  }
}

export interface AtomicDirectoryOptions {
  /** Replace a non-empty directory at the target. Default: `false` (a non-empty target is an error). */
  force?: boolean;
  /** Cancels the write; the temporary directory is removed and the target is left untouched. Default: none. */
  signal?: AbortSignal;
}

/** Throws if `target` exists and is a file, or a non-empty directory while `force` is false. */
export async function assertDirectoryWritable(target: string, force = false): Promise<void> {
  const info = await statOrNull(target);
  if (info === null) return assertParentDirectory(target);
  if (!info.isDirectory()) throw new OutputError(`cannot write the directory '${target}': a file with that name exists`);
  if (!force && (await readdir(target)).length > 0) {
    throw new OutputError(`output directory '${target}' is not empty; pass --force (force: true) to replace it`);
  }
}

/**
 * Builds a directory atomically: `fill(tmpDir)` writes into a temporary sibling directory, which then
 * replaces `target`. With `force`, a non-empty target is moved aside first and deleted only after the
 * new directory is in place, so a failure at any point leaves either the old or the new directory.
 */
export async function writeDirectoryAtomic(
  target: string,
  fill: (tmpDir: string) => Promise<void>,
  options: AtomicDirectoryOptions = {},
): Promise<void> {
  const { force = false, signal } = options;
  signal?.throwIfAborted();
  await assertDirectoryWritable(target, force);

  const tmp = temporaryName(resolve(target), 'tmp');
  pending.add(tmp);
  try {
    await mkdir(tmp);
    await fill(tmp);
    signal?.throwIfAborted();
    await assertDirectoryWritable(target, force);
    const existing = await statOrNull(target);
    if (existing === null) {
      await rename(tmp, target);
    } else {
      const old = temporaryName(resolve(target), 'old');
      await rename(target, old);
      try {
        await rename(tmp, target);
      } catch (err) {
        await rename(old, target);
        throw err;
      }
      // Only now, with the new directory in place, is the old one garbage.
      await rm(old, { recursive: true, force: true });
    }
  } finally {
    pending.delete(tmp);
    await rm(tmp, { recursive: true, force: true });
  }
}
