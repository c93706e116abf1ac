/**
 * Images over the queue as a user runs them: a real redis-server, `adaattn worker` processes and
 * `adaattn batch` (or the Node API), the shipped image model at a tiny size.
 */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enqueueBatch } from './batch.js';
import { redisOptions } from './connection.js';
import { adaattn, kill, picture, startWorkerProcess, tempDir, written, type Proc } from './test-utils/cli.js';
import { hasRedis, startRedis, type TestRedis } from './test-utils/redis.js';

let redis: TestRedis;
let dir: string;
let cleanup: () => Promise<void>;
let style: string;
const workers: Proc[] = [];

beforeAll(async () => {
  redis = await startRedis();
  ({ dir, cleanup } = await tempDir());
  style = join(dir, 'style.png');
  await picture(style, 40, 40, 99);
});
afterAll(async () => {
  await Promise.all(workers.map(kill));
  await redis?.stop();
  await cleanup?.();
});

/** A directory of `n` pictures, img0.png …, each different. */
async function inputs(name: string, n: number): Promise<string> {
  const path = join(dir, name);
  await mkdir(path);
  for (let i = 0; i < n; i++) await picture(join(path, `img${i}.png`), 48, 36, i);
  return path;
}

async function outputDir(name: string): Promise<string> {
  const path = join(dir, name);
  await mkdir(path);
  return path;
}

const batchArgs = (queueName: string, input: string, output: string, styleFile: string) => [
  'batch',
  '--queue',
  redis.url,
  '--queue-name',
  queueName,
  '--input',
  input,
  '--style',
  styleFile,
  '--output',
  output,
  '--size',
  '32',
];

/**
 * The first worker is killed in the second test and the second drained in the third: two model loads for
 * the whole file. The lock is short so that a killed worker's job comes back in seconds, yet long enough
 * that a busy event loop (model warm-up on a loaded machine) is not taken for a dead worker.
 */
const WORKER_ARGS = ['--queue-name', 'q', '--lock-ms', '8000', '--stalled-ms', '1000'];
let a: Proc;
let b: Proc;

describe.runIf(hasRedis)('adaattn batch over adaattn worker', () => {
  it('N images over 2 workers each arrive exactly once; a corrupt one fails alone with its reason; a rerun adds nothing', async () => {
    const input = await inputs('many', 6);
    await writeFile(join(input, 'broken.png'), 'this is not a PNG');
    const output = await outputDir('many-out');
    [a, b] = await Promise.all([startWorkerProcess(redis.url, ...WORKER_ARGS), startWorkerProcess(redis.url, ...WORKER_ARGS)]);
    workers.push(a, b);

    const run = adaattn(batchArgs('q', input, output, style));
    expect(await run.exited, run.output()).toBe(1); // on failure, the CLI's own words
    expect(run.output()).toMatch(/adaattn batch: 7 images queued/);
    expect(run.output()).toMatch(/adaattn batch: failed: \S+broken\.png: content image .*is not an image format that can be read/);
    expect(run.output()).toMatch(/6 written, 0 skipped, 1 failed/);
    const expected = [0, 1, 2, 3, 4, 5].map((i) => join(output, `img${i}.png`));
    expect((await readdir(output)).sort()).toEqual(expected.map((p) => p.slice(output.length + 1)));
    expect([...written(a.output()), ...written(b.output())].sort()).toEqual(expected);
    // The corrupt image failed at once, for good: one try, no retry.
    expect(`${a.output()}${b.output()}`.match(/failed for good: \S+broken\.png/g)).toHaveLength(1);
    expect(`${a.output()}${b.output()}`).not.toMatch(/broken\.png \(try 2\)/);

    // The same batch again: the six outputs are skipped, the corrupt image is tried once more and fails again.
    const again = adaattn(batchArgs('q', input, output, style));
    expect(await again.exited, again.output()).toBe(1); // on failure, the CLI's own words
    expect(again.output()).toMatch(/1 image queued .* 6 skipped \(output exists/);
    expect([...written(a.output()), ...written(b.output())]).toHaveLength(6);
    const queue = new Queue('q', { connection: redisOptions(redis.url) });
    try {
      expect(await queue.getJobCounts('completed', 'failed', 'waiting', 'active')).toMatchObject({
        completed: 6,
        failed: 1,
        waiting: 0,
        active: 0,
      });
    } finally {
      await queue.close();
    }
  });

  it('a worker killed mid-job (SIGKILL): its job goes to the other worker, nothing is lost or written twice', async () => {
    const input = await inputs('killed', 3);
    const output = await outputDir('killed-out');
    // A new style: the first job encodes it, so the kill lands mid-job.
    const newStyle = join(dir, 'style2.png');
    await picture(newStyle, 40, 40, 7);
    const before = { a: written(a.output()).length, b: written(b.output()).length };
    const run = adaattn(batchArgs('q', input, output, newStyle));
    const [, jobId] = (await a.waitFor(new RegExp(`job (\\S+) started: ${input}`))) as unknown as [string, string];
    a.proc.kill('SIGKILL');
    await a.exited;

    expect(await run.exited, run.output()).toBe(0); // on failure, the CLI's own words
    expect(run.output()).toMatch(/all 3 outputs are in .* \(3 written, 0 skipped, 0 failed/);
    expect(written(a.output())).toHaveLength(before.a);
    expect(written(b.output()).slice(before.b).sort()).toEqual([0, 1, 2].map((i) => join(output, `img${i}.png`)));
    expect(b.output()).toContain(`job ${jobId} started`);
    // Only the three outputs: no second copy, no temporary left by the killed worker.
    expect((await readdir(output)).sort()).toEqual(['img0.png', 'img1.png', 'img2.png']);
  });

  it('SIGTERM drains: the running job is finished, no new one is taken; cancel() removes the rest', async () => {
    const input = await inputs('drain', 3);
    const output = await outputDir('drain-out');
    const seen = b.output().length;
    const run = await enqueueBatch({ connection: redis.url, queueName: 'q', inputs: [input], style, outputDir: output, size: 32 });
    expect(run.total).toBe(3);
    const [, jobId] = (await b.waitFor(new RegExp(`job (\\S+) started: ${input}`))) as unknown as [string, string];
    b.proc.kill('SIGTERM');
    expect(await b.exited).toBe(0);
    const log = b.output().slice(seen);
    expect(log).toMatch(new RegExp(`draining[^]*job ${jobId} wrote [^]*stopped`));
    expect(written(log)).toHaveLength(1);
    expect(log.match(/ started: /g)).toHaveLength(1);

    expect(await run.cancel()).toBe(2);
    const result = await run.wait();
    expect(result.cancelled).toBe(true);
    expect(result.written).toHaveLength(1);
    expect(result.failures.map((f) => f.reason)).toEqual(['cancelled', 'cancelled']);
    expect(await readdir(output)).toHaveLength(1);
  });

  it('Ctrl-C removes the jobs no worker has started (and a queue without workers is pointed out)', async () => {
    const input = await inputs('interrupted', 3);
    const output = await outputDir('interrupted-out');
    const run = adaattn(batchArgs('idle', input, output, style));
    await run.waitFor(/no worker is connected to this queue yet; .* adaattn worker --queue redis:\/\/127\.0\.0\.1:\d+ --queue-name idle\n/);
    run.proc.kill('SIGINT');
    expect(await run.exited, run.output()).toBe(130); // on failure, the CLI's own words
    expect(run.output()).toMatch(/adaattn batch: cancelled \(0 written, 0 skipped, 0 failed, 3 cancelled, in \d+ s/);
    const queue = new Queue('idle', { connection: redisOptions(redis.url) });
    try {
      expect(await queue.getJobCounts('waiting', 'active', 'completed', 'failed')).toMatchObject({
        waiting: 0,
        active: 0,
        completed: 0,
        failed: 0,
      });
    } finally {
      await queue.close();
    }
  });

  it('says what is wrong with --queue before doing anything, and video --queue has its own help page', async () => {
    const bad = adaattn(['batch', '--queue', 'http://x', '--input', dir, '--style', style, '--output', dir]);
    expect(await bad.exited).toBe(2);
    expect(bad.output()).toMatch(/adaattn batch: --queue: 'http:\/\/x' is not a Redis URL/);
    const help = adaattn(['video', '--queue', redis.url, '--help']);
    expect(await help.exited).toBe(0);
    expect(help.output()).toMatch(/^Usage: adaattn video --queue redis:\/\/host:port /);
    const down = adaattn(['worker', '--queue', 'redis://127.0.0.1:1']);
    expect(await down.exited).toBe(1);
    expect(down.output()).toMatch(/adaattn: error: cannot reach Redis at redis:\/\/127\.0\.0\.1:1 /);
  });
});
