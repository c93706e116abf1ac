// What the benchmarks share: the machine they ran on, and the same inputs for every runtime.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import sharp from 'sharp';

/** ../shared/data/samples beside the repository. */
export const SAMPLES = resolve(dirname(fileURLToPath(import.meta.url)), '../../../shared/data/samples');

/** A picture (a path inside SAMPLES, or absolute) centre-cropped to size² as raw 8-bit RGB. */
export function squareSample(file, size) {
  return sharp(resolve(SAMPLES, file)).resize(size, size, { fit: 'cover' }).removeAlpha().raw().toBuffer();
}

/** The same crop as an image core's stylizers take (a view of the decoded bytes, not a copy). */
export async function sampleImage(file, size) {
  const data = await squareSample(file, size);
  return { width: size, height: size, channels: 3, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

/** The CPU's name and the instruction-set flags that decide these numbers (Linux /proc/cpuinfo). */
export async function cpuInfo() {
  const text = await readFile('/proc/cpuinfo', 'utf8').catch(() => '');
  const field = (name) => text.match(new RegExp(`^${name}\\s*:\\s*(.*)$`, 'm'))?.[1]?.trim();
  const flags = new Set((field('flags') ?? '').split(/\s+/));
  const has = (...names) => names.some((n) => flags.has(n));
  return {
    model: `${field('model name') ?? cpus()[0]?.model ?? 'unknown CPU'} (${field('vendor_id') ?? '?'} family ${field('cpu family') ?? '?'} model ${field('model') ?? '?'})`,
    avx512: has('avx512f'),
    avx512bf16: has('avx512_bf16'),
    amx: has('amx_tile', 'amx_bf16'),
    vnni: has('avx512_vnni', 'avx_vnni'),
  };
}

/** Two contents and one style from ../shared/data/samples, centre-cropped to size², as raw RGB (name-size.rgb). */
export async function writeInputs(dir, size) {
  const files = { content: 'content/tubingen.jpg', content2: 'content/venice-boat.jpg', style: 'style/udnie.jpg' };
  for (const [name, file] of Object.entries(files)) {
    await writeFile(join(dir, `${name}-${size}.rgb`), await squareSample(file, size));
  }
}

/**
 * The FMA peak of this machine now, in GFLOP/s with `threads` threads: fma-peak.c compiled with the system's
 * C compiler (AVX-512), best of three. Undefined when there is no compiler or no AVX-512.
 */
export async function measureFmaPeak(threads) {
  const run = promisify(execFile);
  const dir = await mkdtemp(join(tmpdir(), 'adaattn-peak-'));
  try {
    const exe = join(dir, 'fma-peak');
    await run('cc', ['-O3', '-mavx512f', '-mfma', join(dirname(fileURLToPath(import.meta.url)), 'fma-peak.c'), '-o', exe, '-lpthread']);
    let best = 0;
    for (let i = 0; i < 3; i++) best = Math.max(best, Number((await run(exe, [String(threads)])).stdout.trim()));
    return best > 0 ? best : undefined;
  } catch {
    return undefined;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** PSNR in dB between two 8-bit images of the same size (Infinity when equal). */
export function psnr(a, b) {
  if (a.length !== b.length) throw new Error(`psnr: ${a.length} vs ${b.length} bytes`);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] - b[i]) ** 2;
  return sum === 0 ? Infinity : 10 * Math.log10((255 * 255 * a.length) / sum);
}
