/**
 * `adaattn worker`, `adaattn batch` and `adaattn video --queue` run on many machines through BullMQ on Redis.
 * That code lives in the optional package @adaattn/queue, so that installing @adaattn/node pulls only what
 * one machine needs; the commands are found here and loaded on first use.
 */
import { wantsHelp } from './args.js';
import type { CliContext } from './context.js';
import { EXIT_OK } from './errors.js';

export const QUEUE_PACKAGE = '@adaattn/queue';

export type QueueCommandName = 'worker' | 'batch' | 'video';

/** What @adaattn/queue exports for the CLI (checked when loaded: the two packages are installed apart). */
export interface QueueCli {
  runQueueCommand(name: QueueCommandName, argv: readonly string[], ctx: CliContext): Promise<number>;
}

/** The command needs @adaattn/queue and it is not installed; the message says what to run. */
export class QueuePackageMissingError extends Error {
  override readonly name = 'QueuePackageMissingError';
  constructor(
    readonly command: string,
    options?: { cause?: unknown },
  ) {
    super(
      `'adaattn ${command}' runs jobs over Redis with the optional package ${QUEUE_PACKAGE}, which is not installed: run 'npm install ${QUEUE_PACKAGE}' beside @adaattn/node`,
      options,
    );
  }
}

/** True when `argv` asks `adaattn video` to spread the frames over queue workers. */
export function usesQueue(argv: readonly string[]): boolean {
  for (const arg of argv) {
    if (arg === '--') return false;
    if (arg === '--queue' || arg.startsWith('--queue=')) return true;
  }
  return false;
}

/** Loads the queue package; `specifier` is there for tests of the missing-package message. */
export async function loadQueueCli(command: string, specifier: string = QUEUE_PACKAGE): Promise<QueueCli> {
  let loaded: Partial<QueueCli>;
  try {
    // A variable, not a literal: @adaattn/node neither depends on nor type-checks against the queue package.
    loaded = (await import(specifier)) as Partial<QueueCli>;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    // Only the package itself missing; a broken install (e.g. bullmq absent) keeps its own message.
    if (e.code === 'ERR_MODULE_NOT_FOUND' && e.message.includes(`'${specifier}'`))
      throw new QueuePackageMissingError(command, { cause: err });
    throw err;
  }
  if (typeof loaded.runQueueCommand !== 'function') {
    throw new Error(`${specifier} does not provide the CLI commands this @adaattn/node expects; install matching versions of both`);
  }
  return loaded as QueueCli;
}

/** The `run` of a queue command: load the package, hand over the arguments. */
export function queueCommand(name: QueueCommandName): (argv: readonly string[], ctx: CliContext) => Promise<number> {
  return async (argv, ctx) => (await loadQueueCli(name === 'video' ? 'video --queue' : name)).runQueueCommand(name, argv, ctx);
}

/** `adaattn video`: with --queue the queue package's command (and its help page), without it the local one. */
export function localOrQueued(
  local: (argv: readonly string[], ctx: CliContext) => Promise<number>,
  help: () => string,
): (argv: readonly string[], ctx: CliContext) => Promise<number> {
  const queued = queueCommand('video');
  return async (argv, ctx) => {
    if (usesQueue(argv)) return queued(argv, ctx);
    if (wantsHelp(argv)) {
      ctx.stdout.write(help());
      return EXIT_OK;
    }
    return local(argv, ctx);
  };
}

/** `adaattn help worker|batch`: the options are listed by the package that has them. */
export function queueHelp(name: 'worker' | 'batch'): () => string {
  const what = name === 'worker' ? 'take stylize jobs from a Redis queue' : 'stylize many images over the queue workers';
  return () =>
    `adaattn ${name}: ${what} (needs ${QUEUE_PACKAGE}: npm install ${QUEUE_PACKAGE}).\nWith it installed, 'adaattn ${name} --help' lists the options.\n`;
}
