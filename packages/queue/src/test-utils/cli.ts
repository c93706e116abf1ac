/** The `adaattn` CLI as the user runs it (its bin, in a child process), and images made on the fly. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtemp, rm } from 'node:fs/promises';
import { constants, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { defaultVideoModelDir } from '@adaattn/node';

const require = createRequire(import.meta.url);
// The package's bin, found as an installed package is (its main is dist/index.js).
export const BIN = join(dirname(dirname(require.resolve('@adaattn/node'))), 'bin', 'adaattn.js');
export const VIDEO_MODEL = defaultVideoModelDir({});

export interface Proc {
  readonly proc: ChildProcess;
  /** Everything written to stderr and stdout so far. */
  output(): string;
  /** Resolves once the output matches; rejects if the process ends first or after `ms`. */
  waitFor(pattern: RegExp, ms?: number): Promise<RegExpMatchArray>;
  /** Resolves with the exit code (a signal's name if killed). */
  exited: Promise<number>;
}

export function adaattn(args: readonly string[], env: Record<string, string> = {}): Proc {
  const proc = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  const listeners = new Set<() => void>();
  const append = (d: Buffer) => {
    text += d.toString();
    listeners.forEach((l) => l());
  };
  proc.stdout!.on('data', append);
  proc.stderr!.on('data', append);
  // A process ended by a signal reports it as a shell does, 128 + its number (the CLI dies by SIGINT on Ctrl-C: 130).
  const exited = new Promise<number>((resolve) =>
    proc.once('close', (code, signal) => resolve(code ?? (signal === null ? -1 : 128 + (constants.signals[signal] ?? 0)))),
  );
  void exited.then(() => listeners.forEach((l) => l()));
  return {
    proc,
    output: () => text,
    exited,
    waitFor(pattern, ms = 60_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => done(new Error(`timed out waiting for ${pattern}; output so far:\n${text}`)), ms);
        const check = () => {
          const m = text.match(pattern);
          if (m !== null) done(undefined, m);
          else if (proc.exitCode !== null || proc.signalCode !== null) done(new Error(`process ended before ${pattern}; output:\n${text}`));
        };
        const done = (err?: Error, m?: RegExpMatchArray) => {
          clearTimeout(timer);
          listeners.delete(check);
          if (err) reject(err);
          else resolve(m!);
        };
        listeners.add(check);
        check();
      });
    },
  };
}

/** A worker process, ready to take jobs. Threads: one, as the test machine is small. */
export async function startWorkerProcess(url: string, ...extra: string[]): Promise<Proc> {
  const worker = adaattn(['worker', '--queue', url, '--threads', '1', ...extra]);
  await worker.waitFor(/ready: /);
  return worker;
}

/** Stops a worker if it still runs (SIGKILL: the test is over). */
export async function kill(p: Proc | undefined): Promise<void> {
  if (p === undefined || p.proc.exitCode !== null || p.proc.signalCode !== null) return;
  p.proc.kill('SIGKILL');
  await p.exited;
}

export async function tempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'adaattn-queue-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** A smooth picture that differs with `seed`, so every output differs. */
export function picture(path: string, width: number, height: number, seed: number): Promise<unknown> {
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      data[i] = (x * 7 + seed * 40) % 256;
      data[i + 1] = (y * 5 + seed * 90) % 256;
      data[i + 2] = (x + y + seed * 13) % 256;
    }
  }
  return sharp(data, { raw: { width, height, channels: 3 } })
    .png()
    .toFile(path);
}

/** Lines of a log that say a job wrote a file, as the written paths. */
export function written(log: string): string[] {
  return [...log.matchAll(/ wrote (\S+) in /g)].map((m) => m[1]!);
}
