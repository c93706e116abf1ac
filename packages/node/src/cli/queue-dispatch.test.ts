/** The queue commands' dispatch: a clear, typed error when @adaattn/queue is not installed. */
import { describe, expect, it } from 'vitest';
import { runCli } from '../test-utils/cli.js';
import { loadQueueCli, QueuePackageMissingError, usesQueue } from './queue-dispatch.js';

describe('queue dispatch', () => {
  it('names the package to install when it is missing', async () => {
    const err = await loadQueueCli('worker', '@adaattn/queue-not-installed').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QueuePackageMissingError);
    expect((err as Error).message).toMatch(
      /'adaattn worker' .* optional package @adaattn\/queue, which is not installed: run 'npm install @adaattn\/queue'/,
    );
  });

  it('sends video to the queue only with --queue', () => {
    expect(usesQueue(['--input', 'a.mp4', '--queue', 'redis://h:1'])).toBe(true);
    expect(usesQueue(['--queue=redis://h:1'])).toBe(true);
    expect(usesQueue(['--input', 'a.mp4'])).toBe(false);
    expect(usesQueue(['--', '--queue'])).toBe(false);
  });

  it('lists worker and batch among the commands, with a help page that says where their options are', async () => {
    const r = await runCli(['help', 'worker']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/adaattn worker: .*needs @adaattn\/queue/);
    expect((await runCli(['nonsense'])).stderr).toMatch(/commands are stylize, video, convert, worker, batch/);
  });
});
