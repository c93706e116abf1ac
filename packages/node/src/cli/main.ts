#!/usr/bin/env node
/**
 * The `adaattn` command: dispatch, exit codes, one-line errors, and Ctrl-C.
 *
 * `main()` takes its streams, environment and abort signal as arguments and returns the exit code, so
 * tests run it in-process; only the block at the bottom touches `process`.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { removePendingTemporariesSync } from '../io/atomic-write.js';
import { wantsHelp } from './args.js';
import { convertCommand } from './commands/convert.js';
import { stylizeCommand } from './commands/stylize.js';
import { videoCommand } from './commands/video.js';
import { localOrQueued, queueCommand, queueHelp } from './queue-dispatch.js';
import type { CliContext } from './context.js';
import { EXIT_CANCELLED, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, UsageError, isAbortError, oneLine } from './errors.js';
import { convertHelp, programHelp, stylizeHelp, videoHelp } from './help.js';
import { version } from './version.js';

export { version };

interface Command {
  help: () => string;
  run: (argv: readonly string[], ctx: CliContext) => Promise<number>;
  /** --help is answered by the command itself (the queue commands, whose options live in @adaattn/queue; video --queue). */
  ownHelp?: true;
}

const COMMANDS: Readonly<Record<string, Command>> = Object.freeze({
  stylize: { help: stylizeHelp, run: stylizeCommand },
  video: { help: videoHelp, run: localOrQueued(videoCommand, videoHelp), ownHelp: true },
  convert: { help: convertHelp, run: convertCommand },
  worker: { help: queueHelp('worker'), run: queueCommand('worker'), ownHelp: true },
  batch: { help: queueHelp('batch'), run: queueCommand('batch'), ownHelp: true },
});

export async function main(argv: readonly string[], ctx: CliContext): Promise<number> {
  const [first, ...rest] = argv;
  try {
    if (first === undefined) {
      ctx.stderr.write(programHelp());
      return EXIT_USAGE;
    }
    if (first === '-h' || first === '--help') {
      ctx.stdout.write(programHelp());
      return EXIT_OK;
    }
    if (first === '--version' || first === '-v') {
      ctx.stdout.write(`${version()}\n`);
      return EXIT_OK;
    }
    if (first === 'help') {
      const topic = rest[0];
      const command = topic === undefined ? undefined : COMMANDS[topic];
      if (topic !== undefined && command === undefined) throw new UsageError(`unknown command '${topic}'`);
      ctx.stdout.write(command ? command.help() : programHelp());
      return EXIT_OK;
    }
    const command = Object.hasOwn(COMMANDS, first) ? COMMANDS[first] : undefined;
    if (command === undefined) {
      const what = first.startsWith('-') ? `unknown option '${first}'` : `unknown command '${first}'`;
      throw new UsageError(`${what}; commands are ${Object.keys(COMMANDS).join(', ')}`);
    }
    if (wantsHelp(rest) && command.ownHelp !== true) {
      ctx.stdout.write(command.help());
      return EXIT_OK;
    }
    return await command.run(rest, ctx);
  } catch (err) {
    return report(err, ctx);
  }
}

function report(err: unknown, ctx: CliContext): number {
  const debug = ctx.env['ADAATTN_DEBUG'] === '1';
  if (err instanceof UsageError) {
    const page = err.command ? `adaattn ${err.command} --help` : 'adaattn --help';
    const where = err.command ? `adaattn ${err.command}` : 'adaattn';
    ctx.stderr.write(`${where}: ${oneLine(err.message)} (see '${page}')\n`);
    return EXIT_USAGE;
  }
  if (isAbortError(err) || ctx.signal.aborted) {
    ctx.stderr.write('adaattn: cancelled; no output was written\n');
    return EXIT_CANCELLED;
  }
  const message = err instanceof Error ? err.message : String(err);
  // A TypeError and kin mean a bug rather than bad input: say how to get what a bug report needs.
  const bug = [TypeError, RangeError, ReferenceError, SyntaxError].some((t) => err instanceof t);
  const hint = bug && !debug ? ' (unexpected; set ADAATTN_DEBUG=1 for the stack trace)' : '';
  ctx.stderr.write(`adaattn: error: ${oneLine(message)}${hint}\n`);
  if (debug && err instanceof Error && err.stack) ctx.stderr.write(`${err.stack}\n`);
  return EXIT_FAILURE;
}

/** Runs `main` on the real process: SIGINT aborts the job; a second SIGINT exits at once. */
export async function runAsProgram(): Promise<void> {
  const controller = new AbortController();
  let interrupts = 0;
  process.on('SIGINT', () => {
    interrupts += 1;
    if (interrupts === 1) {
      process.stderr.write('\nadaattn: cancelling (Ctrl-C again to quit at once)\n');
      controller.abort();
    } else {
      dieByInterrupt();
    }
  });
  // Whatever path the process leaves by, no temporary output stays behind.
  process.on('exit', removePendingTemporariesSync);
  process.exitCode = await main(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    signal: controller.signal,
  });
  // A cancelled job has cleaned up; the piece ONNX Runtime's thread is still computing must not hold the
  // process open until it ends.
  if (process.exitCode === EXIT_CANCELLED) dieByInterrupt();
}

/**
 * Ends the process at once as an interrupt's default action does, after removing temporaries: the shell
 * sees 130 (128 + SIGINT), and a parent learns it was interrupted. A plain process.exit would first stop
 * ONNX Runtime's worker thread, which waits for the run in flight (core's node-thread.ts).
 */
function dieByInterrupt(): void {
  removePendingTemporariesSync();
  // Windows has no signal to die by (process.kill ends the process with status 1): exit with 130 there.
  if (process.platform === 'win32') process.exit(EXIT_CANCELLED);
  process.removeAllListeners('SIGINT');
  process.kill(process.pid, 'SIGINT');
}

function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    // npm's bin shim is a symlink to this file; compare real paths.
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) await runAsProgram();
