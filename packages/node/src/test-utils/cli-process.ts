/**
 * The CLI as a real process (signals, file permissions, exit codes as a shell sees them): src/cli/main.ts
 * bundled with esbuild (dependencies stay external, so @adaattn/core is the workspace build), run with
 * `node`. As root, file permissions mean nothing, so the process then runs as `nobody`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
/** Inside the package, so that its imports resolve through the workspace's node_modules. */
const BUNDLE = join(here, '../../node_modules/.cache/adaattn-test-cli/adaattn.mjs');

export async function bundleCli(): Promise<string> {
  await mkdir(dirname(BUNDLE), { recursive: true });
  await build({
    entryPoints: [join(here, '../cli/main.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    outfile: BUNDLE,
    logLevel: 'silent',
  });
  return BUNDLE;
}

/** Root ignores file modes: run as `nobody` then, so that a read-only folder is read-only. */
export const RUNS_AS = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};

export interface CliProcess {
  readonly child: ChildProcess;
  /** stderr so far. */
  stderr(): string;
  /** Resolves when stderr contains `text`. */
  waitFor(text: string | RegExp): Promise<void>;
  /** Exit code (128 + n for a signal) and the milliseconds since `since` (default: start). */
  exited: Promise<{ code: number; at: number }>;
}

export function startCli(bundle: string, argv: readonly string[], env: Record<string, string> = {}): CliProcess {
  const child = spawn(process.execPath, [bundle, ...argv], {
    env: { PATH: process.env['PATH'] ?? '', HOME: '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...RUNS_AS,
  });
  let err = '';
  const waiters: { test: string | RegExp; resolve: () => void }[] = [];
  const seen = (t: string | RegExp) => (typeof t === 'string' ? err.includes(t) : t.test(err));
  child.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString();
    for (const w of waiters.filter((x) => seen(x.test))) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
  });
  child.stdout?.resume();
  const exited = new Promise<{ code: number; at: number }>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code: code ?? 128 + (signal === 'SIGINT' ? 2 : 9), at: performance.now() }));
  });
  return {
    child,
    stderr: () => err,
    waitFor: (test) => (seen(test) ? Promise.resolve() : new Promise((resolve) => waiters.push({ test, resolve }))),
    exited,
  };
}
