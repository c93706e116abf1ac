/**
 * The CLI as a careless or hostile user meets it, as a real process: Ctrl-C during a long run (once, and
 * twice), more threads than cores, an unreadable input, a read-only output folder, absurd weights, SVG
 * input; and the API's size cap. Random-weight model, ONNX Runtime (the default backend).
 */
import { chmod, copyFile, mkdir, readdir, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStylizer } from '../api/create-stylizer.js';
import { stylizeVideo } from '../api/stylize-video.js';
import { runCli } from '../test-utils/cli.js';
import { bundleCli, startCli } from '../test-utils/cli-process.js';
import { makeTempDir, writeJpeg, writePng } from '../test-utils/images.js';
import { randomImageWeights, writeTestModelDir } from '../test-utils/model.js';

let dir: string;
let cleanup: () => Promise<void>;
let bundle: string;
let model: string;
let content: string;
let style: string;
let style2: string;

beforeAll(async () => {
  ({ dir, cleanup } = await makeTempDir('adaattn-hostile-'));
  await chmod(dir, 0o777); // the CLI may run as another user (see cli-process.ts)
  model = join(dir, 'model');
  await writeTestModelDir(model, randomImageWeights(3));
  content = join(dir, 'content.jpg');
  style = join(dir, 'style.png');
  style2 = join(dir, 'style2.png');
  await writeJpeg(content, 1024, 1024);
  await writePng(style, 256, 256);
  await writeJpeg(style2, 200, 260);
  bundle = await bundleCli();
});
afterAll(() => cleanup());

const stylize = (output: string, ...extra: string[]) => [
  'stylize',
  '-c',
  content,
  '-s',
  style,
  '-o',
  output,
  '--model',
  model,
  '--backend',
  'onnx',
  ...extra,
];

describe('Ctrl-C during a long run (ONNX Runtime)', () => {
  // ONNX Runtime runs on a thread of its own: the abort rejects at once and the process dies by the
  // interrupt without waiting for the piece in flight (tools/bench/abort-latency.mjs: 0.06 s at 1024² idle).
  // The bound leaves room for a machine shared with other jobs.
  it('one SIGINT stops at once: exit 130, no output, nothing left behind', async () => {
    const out = join(dir, 'interrupted.png');
    const run = startCli(bundle, stylize(out, '--size', '1024'));
    await run.waitFor('adaattn: stylizing');
    await new Promise((r) => setTimeout(r, 1500)); // well into the compute (a 1024² call takes tens of seconds)
    const sent = performance.now();
    run.child.kill('SIGINT');
    const { code, at } = await run.exited;
    expect(code).toBe(130);
    expect(run.stderr()).toContain('adaattn: cancelling (Ctrl-C again to quit at once)');
    expect(run.stderr()).toContain('adaattn: cancelled; no output was written');
    expect(at - sent).toBeLessThan(1000); // 1024² ran 23 s after Ctrl-C before pieces
    expect((await readdir(dir)).filter((n) => n.startsWith('interrupted') || n.includes('.tmp'))).toEqual([]);
  });

  it('a second SIGINT exits at once', async () => {
    const out = join(dir, 'twice.png');
    const run = startCli(bundle, stylize(out, '--size', '1024'));
    await run.waitFor('adaattn: stylizing');
    await new Promise((r) => setTimeout(r, 1000));
    run.child.kill('SIGINT');
    await new Promise((r) => setTimeout(r, 20));
    const sent = performance.now();
    run.child.kill('SIGINT');
    const { code, at } = await run.exited;
    expect(code).toBe(130);
    expect(at - sent).toBeLessThan(1000);
    expect((await readdir(dir)).filter((n) => n.startsWith('twice'))).toEqual([]);
  });
});

describe('options and files, checked before computing', () => {
  it("caps --threads at the machine's cores, with a message", async () => {
    const out = join(dir, 'threads.png');
    const run = startCli(bundle, stylize(out, '--size', '32', '--threads', '1024'));
    const { code } = await run.exited;
    expect(run.stderr()).toContain(
      `adaattn: --threads 1024 is more than this machine's ${availableParallelism()} logical cores; using ${availableParallelism()}`,
    );
    expect(code).toBe(0);
  });

  it('reports an unreadable input as unreadable', async () => {
    const locked = join(dir, 'locked.jpg');
    await copyFile(content, locked);
    await chmod(locked, 0o000);
    const run = startCli(bundle, ['stylize', '-c', locked, '-s', style, '-o', join(dir, 'never.png'), '--model', model]);
    const { code } = await run.exited;
    expect(code).toBe(1);
    expect(run.stderr()).toMatch(/^adaattn: error: content image '.*locked\.jpg' cannot be read \(permission denied\)\n$/);
  });

  it('reports a read-only output folder before any compute', async () => {
    const readOnly = join(dir, 'read-only');
    await mkdir(readOnly);
    await chmod(readOnly, 0o555);
    const started = performance.now();
    const run = startCli(bundle, stylize(join(readOnly, 'out.png'), '--size', '1024'));
    const { code, at } = await run.exited;
    expect(code).toBe(1);
    expect(run.stderr()).toMatch(
      /^adaattn: error: cannot write '.*read-only\/out\.png': the directory '.*read-only' cannot be written to \(it is not writable \(permission denied\)\)\n$/,
    );
    expect(run.stderr()).not.toContain('stylizing'); // the line printed just before the compute
    expect(at - started).toBeLessThan(10_000); // a process start; the 1024² compute alone takes 25 s or more
  });

  it('--weights 1e308,1e308 is an even mix, as 1,1', async () => {
    const even = join(dir, 'even.png');
    const huge = join(dir, 'huge.png');
    const args = (out: string, w: string) => [
      'stylize',
      '-c',
      content,
      '-s',
      `${style},${style2}`,
      '-o',
      out,
      '--model',
      model,
      '--size',
      '48',
      '--weights',
      w,
    ];
    const [a, b] = await Promise.all([startCli(bundle, args(even, '1,1')).exited, startCli(bundle, args(huge, '1e308,1e308')).exited]);
    expect([a.code, b.code]).toEqual([0, 0]);
    const [pa, pb] = await Promise.all([sharp(even).raw().toBuffer(), sharp(huge).raw().toBuffer()]);
    expect(pb.equals(pa)).toBe(true);
  });

  it('refuses SVG input (rendering it can pull in other files), in the CLI and the API', async () => {
    await writePng(join(dir, 'secret.png'), 8, 8);
    const svg = join(dir, 'pic.svg');
    await writeFile(
      svg,
      '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="64" height="64"><image xlink:href="secret.png" width="64" height="64"/></svg>',
    );
    const r = await runCli(['stylize', '-c', svg, '-s', style, '-o', join(dir, 'svg.png'), '--model', model]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/content image '.*pic\.svg' is an SVG, which is refused .*convert it to PNG first/);
    const s = await createStylizer({ model, backend: 'onnx' });
    try {
      await expect(s.stylize(svg, style, { size: 32 })).rejects.toThrow(/is an SVG, which is refused/);
      // The API's size cap is the CLI's: refused at once, not after gigabytes.
      await expect(s.stylize(content, style, { size: 9000 })).rejects.toThrow(/size must be at most 8192 pixels/);
      await expect(s.encodeStyle(style, { size: 9000 })).rejects.toThrow(/size must be at most 8192 pixels/);
      await expect(stylizeVideo(s, { input: dir, output: join(dir, 'video-out'), style, size: 9000 })).rejects.toThrow(
        /size must be at most 8192 pixels/,
      );
    } finally {
      await s.dispose();
    }
  });
});
