import { mkdir, readdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../test-utils/cli.js';
import { makeTempDir, writeBombPng, writeJpeg, writePng } from '../test-utils/images.js';
import { defaultModelDir } from '../io/model-dir.js';
import { version } from './main.js';

let dir: string;
let cleanup: () => Promise<void>;
let content: string;
let style: string;
let fakeModel: string;
beforeAll(async () => {
  ({ dir, cleanup } = await makeTempDir());
  content = join(dir, 'content.jpg');
  style = join(dir, 'style.png');
  await writeJpeg(content, 40, 24);
  await writePng(style, 24, 24);
  // Passes the layout check (model.json present) so that image errors are reached; never loaded.
  fakeModel = join(dir, 'fake-model');
  await mkdir(fakeModel);
  await writeFile(join(fakeModel, 'model.json'), '{}');
});
afterAll(() => cleanup());

/** Every failure prints exactly one line on stderr, without a stack trace. */
function expectOneLine(stderr: string) {
  expect(stderr.endsWith('\n')).toBe(true);
  expect(stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(stderr).not.toMatch(/\n\s+at /);
}

/** Built lazily: `content` and `style` exist only once beforeAll has run. */
const stylize = (...extra: string[]) => ['stylize', '--content', content, '--style', style, ...extra];
/** For checks that never touch the files. */
const args = (...extra: string[]) => ['stylize', '--content', 'c.jpg', '--style', 's.jpg', ...extra];

describe('help and version', () => {
  it('prints the program help with --help and -h, exit 0', async () => {
    for (const flag of ['--help', '-h']) {
      const r = await runCli([flag]);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^adaattn — AdaAttN/);
      expect(r.stdout).toContain('adaattn stylize --content <file> --style <file>[,<file>…] --output <file>');
      expect(r.stdout).toContain('adaattn video --input <video|dir> --style <file> --output <video|dir>');
      expect(r.stdout).toContain('adaattn convert --from <dir> --output <dir>');
    }
  });

  it('prints help for each command, even next to other mistakes', async () => {
    const s = await runCli(['stylize', '--size', 'abc', '--help']);
    expect(s.code).toBe(0);
    for (const opt of [
      '--content',
      '--style',
      '--output',
      '--model',
      '--size',
      '--backend',
      '--attention',
      '--seed',
      '--threads',
      '--quality',
      '--max-pixels',
    ]) {
      expect(s.stdout).toContain(opt);
    }
    expect(s.stdout).toContain('(default: 512)');
    expect(s.stdout).toContain(defaultModelDir());
    expect(s.stdout).toContain('auto | onnx | cuda | tensorflow | wasm | cpu');
    const c = await runCli(['convert', '-h']);
    expect(c.code).toBe(0);
    for (const opt of ['--from', '--output', '--dtype', '--force']) expect(c.stdout).toContain(opt);
    expect((await runCli(['help', 'convert'])).stdout).toBe(c.stdout);
  });

  it('prints the version', async () => {
    const r = await runCli(['--version']);
    expect(r).toEqual({ code: 0, stdout: `${version()}\n`, stderr: '' });
    expect(version()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('shows the help on stderr with exit 2 when called with nothing', async () => {
    const r = await runCli([]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('Usage:');
  });
});

describe('usage errors: exit 2, one line, nothing written', () => {
  const cases: [string, string[], RegExp][] = [
    [
      'unknown command',
      ['paint'],
      /^adaattn: unknown command 'paint'; commands are stylize, video, convert, worker, batch \(see 'adaattn --help'\)$/,
    ],
    [
      'unknown option',
      args('--output', 'o.png', '--sise', '3'),
      /^adaattn stylize: unknown option '--sise' \(did you mean --size\?\) \(see 'adaattn stylize --help'\)$/,
    ],
    ['positional argument', ['stylize', 'a.jpg'], /unexpected argument 'a\.jpg'/],
    ['missing --content', ['stylize', '--style', 's.jpg', '--output', 'o.png'], /missing --content <file>/],
    ['missing --output', ['stylize', '--content', 'c.jpg', '--style', 's.jpg'], /missing --output <file>/],
    ['option without value', args('--output', 'o.png', '--size'), /option --size needs a value/],
    [
      'value that looks like an option',
      args('--output', '--size', '5'),
      /option --output needs a value, but is followed by another option/,
    ],
    [
      'negative --size',
      args('--output', 'o.png', '--size=-5'),
      /--size must be the longer side in pixels, a whole number from 0 \(keep the input size\) to 8192, got '-5'/,
    ],
    ['fractional --size', args('--output', 'o.png', '--size', '1.5'), /--size must be .* got '1\.5'/],
    ['text --size', args('--output', 'o.png', '--size', 'big'), /--size must be .* got 'big'/],
    ['huge --size', args('--output', 'o.png', '--size', '100000'), /--size must be .* got '100000'/],
    [
      'unknown --backend',
      args('--output', 'o.png', '--backend', 'gpu'),
      /--backend must be one of auto, onnx, cuda, tensorflow, wasm, cpu, got 'gpu'/,
    ],
    ['unknown --attention', args('--output', 'o.png', '--attention', 'full'), /--attention must be one of sampled, exact, got 'full'/],
    ['bad --seed', args('--output', 'o.png', '--seed=-1'), /--seed must be a whole number from 0 to 4294967295/],
    ['bad --quality', args('--output', 'o.jpg', '--quality', '0'), /--quality must be a whole number from 1 to 100/],
    ['bad --max-pixels', args('--output', 'o.png', '--max-pixels', 'lots'), /--max-pixels must be a pixel count such as 100000000 or 100M/],
    [
      'unknown output extension',
      args('--output', 'o.bmp'),
      /output 'o\.bmp' has the extension '\.bmp'; the format is chosen by extension, one of \.png, \.jpg, \.jpeg, \.webp/,
    ],
    ['convert without --from', ['convert', '--output', 'm'], /^adaattn convert: missing --from <dir>/],
    [
      'convert with bad --dtype',
      ['convert', '--from', 'a', '--output', 'm', '--dtype', 'int8'],
      /--dtype must be one of float16, float32, got 'int8'/,
    ],
    ['convert with a value on --force', ['convert', '--from', 'a', '--output', 'm', '--force=yes'], /option --force takes no value/],
  ];
  for (const [name, argv, message] of cases) {
    it(name, async () => {
      const r = await runCli(argv);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trimEnd()).toMatch(message);
      expectOneLine(r.stderr);
    });
  }

  it('refuses an output that is one of the inputs, by any name', async () => {
    await symlink(content, join(dir, 'alias.jpg'));
    for (const [output, role] of [
      [content, 'content'],
      [style, 'style'],
      [join(dir, 'alias.jpg'), 'content'],
      [join(dir, '..', dir.split('/').pop()!, 'style.png'), 'style'],
    ] as const) {
      const r = await runCli(stylize('--output', output));
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`is the ${role} image; write the result to another path`));
    }
  });

  it('refuses convert onto its own source', async () => {
    const r = await runCli(['convert', '--from', join(dir, 'x'), '--output', dir, '--force']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/would replace --from/);
  });
});

describe('runtime errors: exit 1, one line, no output file', () => {
  async function expectFailure(argv: string[], message: RegExp) {
    const before = await readdir(dir);
    const r = await runCli(argv);
    expect(r.code).toBe(1);
    expect(r.stderr.trimEnd()).toMatch(message);
    expectOneLine(r.stderr);
    expect(await readdir(dir)).toEqual(before);
  }

  it('names a missing, empty, non-image, truncated or oversized content file', async () => {
    const out = join(dir, 'out.png');
    const empty = join(dir, 'empty.jpg');
    await writeFile(empty, '');
    const text = join(dir, 'notes.jpg');
    await writeFile(text, 'not an image');
    const truncated = join(dir, 'truncated.jpg');
    const full = await sharp({
      create: { width: 64, height: 64, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 128, sigma: 40 } },
    })
      .jpeg()
      .toBuffer();
    await writeFile(truncated, full.subarray(0, full.length >> 1));
    const bomb = join(dir, 'bomb.png');
    await writeBombPng(bomb, 20000, 20000);
    const run = (c: string, ...extra: string[]) => [
      'stylize',
      '--content',
      c,
      '--style',
      style,
      '--output',
      out,
      '--model',
      fakeModel,
      ...extra,
    ];
    await expectFailure(run(join(dir, 'missing.jpg')), /^adaattn: error: content image '.*missing\.jpg' does not exist$/);
    await expectFailure(run(empty), /^adaattn: error: content image '.*empty\.jpg' is empty \(0 bytes\)$/);
    await expectFailure(run(text), /content image '.*notes\.jpg' is not an image format that can be read/);
    await expectFailure(run(truncated), /content image '.*truncated\.jpg' is corrupt or truncated/);
    await expectFailure(run(bomb), /content image '.*bomb\.png' is 20000×20000 = 400\.0 MP, over the 100\.0 MP limit/);
    await expectFailure(run(content, '--max-pixels', '500'), /is 40×24 = 0\.001 MP, over the 0\.001 MP limit/);
  });

  it('names a bad style file too', async () => {
    await expectFailure(
      ['stylize', '--content', content, '--style', join(dir, 'nope.png'), '--output', join(dir, 'o.png'), '--model', fakeModel],
      /^adaattn: error: style image '.*nope\.png' does not exist$/,
    );
  });

  it('names a missing output directory before doing any work', async () => {
    await expectFailure(
      stylize('--output', join(dir, 'no-such-dir', 'o.png'), '--model', fakeModel),
      /the directory '.*no-such-dir' does not exist/,
    );
  });

  it('names a missing or wrong model directory and says how to pass one', async () => {
    await expectFailure(
      stylize('--output', join(dir, 'o.png'), '--model', join(dir, 'no-model')),
      /model directory '.*no-model' does not exist; pass --model <dir>/,
    );
    const wrong = join(dir, 'wrong-model');
    await mkdir(wrong);
    await writeFile(join(wrong, 'readme.txt'), 'hi');
    await writeFile(join(wrong, 'latest_net_decoder.pth'), 'x');
    await expectFailure(
      stylize('--output', join(dir, 'o.png'), '--model', wrong),
      /has only some of the authors' files: missing vgg_normalised\.pth, latest_net_transformer\.pth, latest_net_adaattn_3\.pth/,
    );
  });

  it('explains a default model directory (from ADAATTN_MODEL) that does not exist', async () => {
    const r = await runCli(stylize('--output', join(dir, 'o.png')), { env: { ADAATTN_MODEL: join(dir, 'gone') } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /no model given and the default model directory '.*gone' \(from ADAATTN_MODEL\) does not exist; pass --model <dir>/,
    );
    expectOneLine(r.stderr);
  });

  it('prints the stack trace only with ADAATTN_DEBUG=1', async () => {
    const argv = stylize('--output', join(dir, 'o.png'), '--model', join(dir, 'no-model'));
    const r = await runCli(argv, { env: { ADAATTN_DEBUG: '1' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/\n\s+at /);
  });

  it('convert: refuses a non-empty output without --force and a source without the four files', async () => {
    const src = join(dir, 'official');
    await mkdir(src);
    for (const f of ['vgg_normalised.pth', 'latest_net_transformer.pth', 'latest_net_decoder.pth', 'latest_net_adaattn_3.pth']) {
      await writeFile(join(src, f), 'x');
    }
    const full = join(dir, 'full-out');
    await mkdir(full);
    await writeFile(join(full, 'keep.txt'), 'x');
    await expectFailure(['convert', '--from', src, '--output', full], /output directory '.*full-out' is not empty; pass --force/);
    await expectFailure(['convert', '--from', fakeModel, '--output', join(dir, 'm2')], /already holds a converted model/);
  });
});

describe('cancellation', () => {
  it('exits 130 with one line when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const out = join(dir, 'cancelled.png');
    const r = await runCli(stylize('--output', out, '--model', fakeModel), { signal: controller.signal });
    expect(r.code).toBe(130);
    expect(r.stderr).toBe('adaattn: cancelled; no output was written\n');
    expect((await readdir(dir)).includes('cancelled.png')).toBe(false);
  });
});
