#!/usr/bin/env node
/**
 * Benchmark (not a test) of @adaattn/queue on this machine, side by side in one run:
 *   - images per minute: 1 worker × 2 threads against 2 workers × 1 thread (separate processes, each warmed up);
 *   - the queue's overhead per job: the same images through the queue against createStylizer() in-process;
 *   - time to first output: a cold `adaattn worker` (process start, model load, warm-up) and a warm one.
 * Needs redis-server on PATH (tools/ci/ensure-redis.sh) and `npm run build`. Usage:
 *   node packages/queue/bench/throughput.mjs [--images 16] [--size 128]
 */
import { spawn } from 'node:child_process';
import { cpus, loadavg, tmpdir } from 'node:os';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { createStylizer, writeImage } from '@adaattn/node';
import { enqueueBatch } from '@adaattn/queue';

const { values } = parseArgs({
  options: {
    images: { type: 'string', default: '16' },
    size: { type: 'string', default: '128' },
    rounds: { type: 'string', default: '2' },
  },
});
const ROUNDS = Number(values.rounds);
const N = Number(values.images);
const SIZE = Number(values.size);
const BIN = join(dirname(dirname(createRequire(import.meta.url).resolve('@adaattn/node'))), 'bin', 'adaattn.js');

const port = await new Promise((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const { port } = s.address();
    s.close(() => resolve(port));
  });
});
const url = `redis://127.0.0.1:${port}`;
const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
  stdio: 'ignore',
});
const dir = await mkdtemp(join(tmpdir(), 'adaattn-queue-bench-'));
const procs = new Set();
const done = async () => {
  for (const p of procs) p.kill('SIGKILL');
  redis.kill('SIGTERM');
  await rm(dir, { recursive: true, force: true });
};
process.on('SIGINT', () => void done().then(() => process.exit(130)));

/** A set of different pictures, 4:3, all one size (ONNX Runtime builds a graph per shape). */
async function pictures(name, count, seed) {
  const path = join(dir, name);
  await mkdir(path);
  for (let i = 0; i < count; i++) {
    const w = 400;
    const h = 300;
    const data = Buffer.alloc(w * h * 3);
    for (let p = 0; p < w * h; p++) {
      const x = p % w;
      const y = Math.floor(p / w);
      data[p * 3] = (x + i * 37 + seed) % 256;
      data[p * 3 + 1] = (y * 2 + i * 11) % 256;
      data[p * 3 + 2] = ((x * y) / 300 + seed) % 256;
    }
    await sharp(data, { raw: { width: w, height: h, channels: 3 } })
      .jpeg()
      .toFile(join(path, `p${String(i).padStart(3, '0')}.jpg`));
  }
  return path;
}

function worker(queueName, threads) {
  const p = spawn(process.execPath, [BIN, 'worker', '--queue', url, '--queue-name', queueName, '--threads', String(threads)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  procs.add(p);
  const ready = new Promise((resolve, reject) => {
    let log = '';
    p.stderr.on('data', (d) => {
      log += d;
      if (/ready: /.test(log)) resolve(p);
    });
    p.once('exit', () => reject(new Error(`worker exited:\n${log}`)));
  });
  return { proc: p, ready };
}

async function stop(p) {
  procs.delete(p);
  p.kill('SIGTERM');
  await new Promise((r) => p.once('exit', r));
}

async function batch(queueName, input, style, tag) {
  const out = join(dir, `out-${tag}`);
  await mkdir(out);
  const started = performance.now();
  const run = await enqueueBatch({ connection: url, queueName, inputs: [input], style, outputDir: out, size: SIZE });
  let first;
  run.on('progress', (p) => (first ??= p.done > 0 ? performance.now() - started : undefined));
  const result = await run.wait();
  if (result.failures.length > 0) throw new Error(`${tag}: ${result.failures[0].reason}`);
  return { seconds: (performance.now() - started) / 1000, firstSeconds: first / 1000 };
}

const style = join(dir, 'style.jpg');
await mkdir(dir, { recursive: true });
await sharp({ create: { width: 320, height: 320, channels: 3, background: { r: 180, g: 60, b: 40 } } })
  .composite([
    {
      input: await sharp({ create: { width: 160, height: 160, channels: 3, background: { r: 20, g: 40, b: 200 } } })
        .png()
        .toBuffer(),
      left: 80,
      top: 80,
    },
  ])
  .jpeg()
  .toFile(style);
const warm = await pictures('warm', 4, 1);
const input = await pictures('input', N, 2);
for (let i = 0; i < 50; i++) {
  if (await fetchPing()) break;
  await new Promise((r) => setTimeout(r, 100));
}
async function fetchPing() {
  const { checkRedis } = await import('@adaattn/queue');
  return checkRedis(url, 300).then(
    () => true,
    () => false,
  );
}
const load0 = loadavg()[0];

// 1. Time to first output, cold: the worker process starts as the job is queued.
const one = await pictures('one', 1, 3);
const coldStart = performance.now();
const cold = worker('cold', 2);
const coldReadyAt = cold.ready.then(() => (performance.now() - coldStart) / 1000);
const coldFirst = (await batch('cold', one, style, 'cold')).seconds;
const coldReady = await coldReadyAt;
// The same worker, now warm, with a style it has not seen: queue, encode the style, stylize, write.
const style2 = join(dir, 'style2.jpg');
await sharp(style).negate().toFile(style2);
const warmFirst = (await batch('cold', await pictures('one-more', 1, 4), style2, 'warm-first')).seconds;
await stop(cold.proc);

// 2. Throughput: 1 × 2 threads against 2 × 1 thread, each warmed up on 4 images first.
const configs = [
  { name: '1 worker × 2 threads', workers: 1, threads: 2 },
  { name: '2 workers × 1 thread', workers: 2, threads: 1 },
];
const throughput = configs.map((c) => ({ ...c, seconds: [] }));
// Rounds alternate the two set-ups, so that a change in the machine's other load hits both alike.
for (let round = 0; round < ROUNDS; round++) {
  for (const t of throughput) {
    const q = `tp-${t.workers}x${t.threads}-${round}`;
    const ws = Array.from({ length: t.workers }, () => worker(q, t.threads));
    await Promise.all(ws.map((w) => w.ready));
    await batch(q, warm, style, `${q}-warm`);
    t.seconds.push((await batch(q, input, style, q)).seconds);
    await Promise.all(ws.map((w) => stop(w.proc)));
  }
}
for (const t of throughput) {
  t.best = Math.min(...t.seconds);
  t.perMinute = (N / t.best) * 60;
}

// 3. Overhead per job: the same N images with one in-process stylizer (2 threads, style encoded once).
const stylizer = await createStylizer({ threads: 2 });
const encoded = await stylizer.encodeStyle(style, { size: SIZE });
for (let i = 0; i < 4; i++) await stylizer.stylize(join(warm, `p${String(i).padStart(3, '0')}.jpg`), encoded, { size: SIZE });
const directDir = join(dir, 'direct');
await mkdir(directDir);
const t0 = performance.now();
for (let i = 0; i < N; i++) {
  const name = `p${String(i).padStart(3, '0')}`;
  const out = await stylizer.stylize(join(input, `${name}.jpg`), encoded, { size: SIZE });
  await writeImage(join(directDir, `${name}.png`), out);
}
const directSeconds = (performance.now() - t0) / 1000;
encoded.dispose();
await stylizer.dispose();
const oneByTwo = throughput[0];

const cpu = cpus()[0]?.model ?? 'unknown CPU';
const result = {
  cpu,
  cores: cpus().length,
  loadAverageAtStart: Number(load0.toFixed(1)),
  loadAverageAtEnd: Number(loadavg()[0].toFixed(1)),
  images: N,
  size: SIZE,
  rounds: ROUNDS,
  throughput: throughput.map((t) => ({
    config: t.name,
    seconds: Number(t.best.toFixed(2)),
    allSeconds: t.seconds.map((x) => Number(x.toFixed(2))),
    imagesPerMinute: Number(t.perMinute.toFixed(1)),
  })),
  direct: {
    config: 'in-process createStylizer, 2 threads',
    seconds: Number(directSeconds.toFixed(2)),
    imagesPerMinute: Number(((N / directSeconds) * 60).toFixed(1)),
  },
  queueOverheadPerJobMs: Number((((oneByTwo.best - directSeconds) / N) * 1000).toFixed(0)),
  timeToFirstOutput: {
    coldWorkerSeconds: Number(coldFirst.toFixed(2)),
    coldWorkerReadySeconds: Number(coldReady.toFixed(2)),
    warmWorkerSeconds: Number(warmFirst.toFixed(2)),
  },
};
console.log(JSON.stringify(result, null, 2));
console.log(`
| ${N} images, --size ${SIZE}, ${cpu} (${cpus().length} cores, load ${result.loadAverageAtStart} → ${result.loadAverageAtEnd}) | seconds (best of ${ROUNDS}) | images/min |
|---|---|---|
${result.throughput.map((t) => `| ${t.config} | ${t.seconds} | ${t.imagesPerMinute} |`).join('\n')}
| ${result.direct.config} (no queue) | ${result.direct.seconds} | ${result.direct.imagesPerMinute} |

Queue overhead per job (1 × 2 threads against in-process): ${result.queueOverheadPerJobMs} ms.
Time to first output: cold worker ${result.timeToFirstOutput.coldWorkerSeconds} s (ready after ${result.timeToFirstOutput.coldWorkerReadySeconds} s), warm worker ${result.timeToFirstOutput.warmWorkerSeconds} s.`);
await done();
