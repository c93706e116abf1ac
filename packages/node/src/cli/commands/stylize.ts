/** `adaattn stylize`: decode two images, stylize, encode by extension, write atomically. */
import { basename } from 'node:path';
import { createStylizer } from '../../api/create-stylizer.js';
import { assertFileWritable, isSameFile, writeFileAtomic } from '../../io/atomic-write.js';
import { encodeImage, outputFormatForPath, readImage } from '../../io/image.js';
import { inspectModelDir } from '../../io/model-dir.js';
import type { PixelImage } from '../../types.js';
import { integer, parseOptions, required, type OptionSpec } from '../args.js';
import type { CliContext } from '../context.js';
import { EXIT_OK, UsageError } from '../errors.js';
import { CONTROL_OPTIONS, describeControls, parseControls } from '../controls.js';
import { engineText, parseRunOptions, RUN_OPTIONS, threadsNote } from '../run-options.js';
import { progressLine } from '../progress.js';

const COMMAND = 'stylize';

const OPTIONS = {
  content: { type: 'string', short: 'c' },
  style: { type: 'string', short: 's' },
  output: { type: 'string', short: 'o' },
  quality: { type: 'string' },
  ...RUN_OPTIONS,
  ...CONTROL_OPTIONS,
} as const satisfies OptionSpec;

export async function stylizeCommand(argv: readonly string[], ctx: CliContext): Promise<number> {
  // Everything that can be checked from the command line alone is checked first (exit 2, nothing read).
  const { values } = parseOptions(COMMAND, argv, OPTIONS);
  const content = required(values, 'content', 'file', COMMAND);
  const { styles, controls, maskFiles } = parseControls(values, COMMAND, required(values, 'style', 'file[,file…]', COMMAND));
  const output = required(values, 'output', 'file', COMMAND);
  const run = parseRunOptions(values, COMMAND);
  const { size, backend, threads, attention, seed, maxPixels, precision } = run;
  const quality = integer(values, 'quality', COMMAND, { min: 1, max: 100, what: 'a whole number from 1 to 100' });
  let format;
  try {
    format = outputFormatForPath(output);
  } catch (err) {
    throw new UsageError((err as Error).message, COMMAND);
  }
  const inputs: [string, string][] = [
    ['content image', content],
    ...styles.map((s): [string, string] => ['style image', s]),
    ...maskFiles.map((m): [string, string] => ['mask', m]),
  ];
  for (const [role, input] of inputs) {
    if (await isSameFile(output, input)) {
      throw new UsageError(`--output '${output}' is the ${role}; write the result to another path`, COMMAND);
    }
  }
  const protect = inputs.map(([, path]) => path);

  // Then the cheap checks of the outside world, so a doomed run fails before minutes of compute.
  await assertFileWritable(output, protect);
  const { dir: model } = await inspectModelDir(run.model, { env: ctx.env });
  const contentImage = await readImage(content, { size, maxPixels, label: 'content image' });
  const styleImages = await readStyles(styles, size, maxPixels);
  ctx.signal.throwIfAborted();

  ctx.stderr.write(threadsNote(threads) ?? '');
  const started = Date.now();
  const stylizer = await createStylizer({ model, backend, threads, maxPixels, precision });
  const line = progressLine(ctx.stderr, 'adaattn: ');
  try {
    const named = styleImages.map((s, i) => `${basename(styles[i]!)} (${s.width}×${s.height})`).join(' and ');
    ctx.stderr.write(
      `adaattn: stylizing ${basename(content)} (${contentImage.width}×${contentImage.height}) with ${named} ` +
        `using ${stylizer.model.name} on ${engineText(stylizer)}, ${attention} attention${describeControls(controls, styles.length)}\n`,
    );
    const result = await stylizer.stylize(contentImage, styleImages.length === 1 ? styleImages[0]! : styleImages, {
      size: 0, // already resized above, where the pixel limit applied
      attention,
      seed,
      signal: ctx.signal,
      onProgress: (p) => line.update(p),
      ...controls,
    });
    line.clear();
    const bytes = await encodeImage(result, format, { quality });
    await writeFileAtomic(output, bytes, { protect, signal: ctx.signal });
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    ctx.stderr.write(`adaattn: wrote ${output} (${result.width}×${result.height}, ${format}) in ${seconds} s\n`);
  } finally {
    line.clear();
    await stylizer.dispose();
  }
  return EXIT_OK;
}

/** The style images, each resized like the content (where the pixel limit applies). */
export function readStyles(styles: readonly string[], size: number, maxPixels: number): Promise<PixelImage[]> {
  return Promise.all(
    styles.map((s, i) => readImage(s, { size, maxPixels, label: styles.length > 1 ? `style image ${i + 1}` : 'style image' })),
  );
}
