#!/usr/bin/env node
/**
 * The Node API of @adaattn/queue end to end: a worker in this process (start more on other machines with
 * `adaattn worker --queue <url>`), a batch queued, progress followed, Ctrl-C cancelling what has not started.
 *
 *   node examples/batch.mjs redis://127.0.0.1:6379 <input dir> <style image> <output dir>
 *
 * Paths are made absolute here; on several machines they must name the same files everywhere (a shared volume).
 */
import { mkdir } from 'node:fs/promises';
import { enqueueBatch, startWorker } from '@adaattn/queue';

const [url, input, style, output] = process.argv.slice(2);
if (output === undefined) {
  console.error('usage: node examples/batch.mjs <redis://host:port> <input dir> <style image> <output dir>');
  process.exit(2);
}
await mkdir(output, { recursive: true });

// One worker here; the model loads once and serves every job.
const worker = await startWorker({
  connection: url,
  threads: 2,
  onEvent: (e) => e.type === 'failed' && console.error(`failed: ${e.input}: ${e.reason}`),
});

// One job per image; running this again skips the outputs already written.
const run = await enqueueBatch({ connection: url, inputs: [input], style, outputDir: output, size: 256 });
console.log(`${run.total} images, ${run.skipped.length} already done`);
run.on('progress', (p) =>
  console.log(
    `${p.done + p.failed}/${p.total - p.skipped} done${p.etaSeconds === undefined ? '' : `, about ${Math.round(p.etaSeconds)} s left`}`,
  ),
);
process.once('SIGINT', () => void run.cancel().then((n) => console.log(`cancelled ${n} jobs not yet started`)));

const result = await run.wait();
await worker.close(); // drains: a running job finishes first
for (const f of result.failures) console.error(`${f.input}: ${f.reason}`);
console.log(
  `${result.written.length} written, ${result.skipped.length} skipped, ${result.failures.length} failed in ${result.seconds.toFixed(1)} s`,
);
process.exitCode = result.failures.length === 0 && !result.cancelled ? 0 : 1;
