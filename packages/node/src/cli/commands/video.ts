/**
 * `adaattn video`: stylize a frame directory or a video file with the video model (default) or the image
 * model; progress with an ETA on stderr; Ctrl-C leaves no half-written output.
 */
import { basename } from 'node:path';
import { createStylizer } from '../../api/create-stylizer.js';
import { stylizeVideo } from '../../api/stylize-video.js';
import { isSameFile } from '../../io/atomic-write.js';
import { ffmpegPaths } from '../../io/ffmpeg.js';
import { checkFramesOutput } from '../../io/frames.js';
import { inspectModelDir } from '../../io/model-dir.js';
import { decimal, parseOptions, required, type OptionSpec } from '../args.js';
import type { CliContext } from '../context.js';
import { CONTROL_OPTIONS, describeControls, parseControls } from '../controls.js';
import { EXIT_OK, UsageError } from '../errors.js';
import { frameProgress } from '../progress.js';
import { engineText, parseRunOptions, RUN_OPTIONS, threadsNote } from '../run-options.js';

const COMMAND = 'video';

const OPTIONS = {
  input: { type: 'string', short: 'i' },
  style: { type: 'string', short: 's' },
  output: { type: 'string', short: 'o' },
  'image-model': { type: 'boolean' },
  fps: { type: 'string' },
  force: { type: 'boolean' },
  ...RUN_OPTIONS,
  ...CONTROL_OPTIONS,
} as const satisfies OptionSpec;

export async function videoCommand(argv: readonly string[], ctx: CliContext): Promise<number> {
  const { values } = parseOptions(COMMAND, argv, OPTIONS);
  const input = required(values, 'input', 'video|dir', COMMAND);
  const { styles, controls, maskFiles } = parseControls(values, COMMAND, required(values, 'style', 'file[,file…]', COMMAND));
  const output = required(values, 'output', 'video|dir', COMMAND);
  const imageModel = values['image-model'] === true;
  const run = parseRunOptions(values, COMMAND);
  if (imageModel && run.model !== undefined) throw new UsageError('--model and --image-model both choose the model; give one', COMMAND);
  const { size, backend, threads, attention, seed, maxPixels, precision } = run;
  const fps = decimal(values, 'fps', COMMAND, { min: 0.01, max: 1000, what: 'frames per second, e.g. 25 or 29.97' });
  const force = values['force'] === true;
  for (const path of [input, ...styles, ...maskFiles]) {
    if (await isSameFile(output, path))
      throw new UsageError(`--output '${output}' is the input '${path}'; write the result to another path`, COMMAND);
  }
  let kind;
  try {
    kind = await checkFramesOutput(output, ffmpegPaths(ctx.env), { force, protect: [input, ...styles, ...maskFiles] });
  } catch (err) {
    if (/must be a directory/.test((err as Error).message)) throw new UsageError((err as Error).message, COMMAND);
    throw err;
  }
  const { dir: model } = await inspectModelDir(run.model, { variant: imageModel ? 'image' : 'video', env: ctx.env });
  ctx.signal.throwIfAborted();

  ctx.stderr.write(threadsNote(threads) ?? '');
  const stylizer = await createStylizer({ model, backend, threads, maxPixels, precision });
  const progress = frameProgress(ctx.stderr, 'adaattn: ');
  try {
    ctx.stderr.write(
      `adaattn: stylizing ${basename(input)} with ${styles.map((s) => basename(s)).join(' and ')} into ${kind === 'video' ? 'the video' : 'frames in'} ${output} ` +
        `using ${stylizer.model.name} (${stylizer.model.variant} model) on ${engineText(stylizer)}, ${attention} attention${describeControls(controls, styles.length)}\n`,
    );
    const result = await stylizeVideo(stylizer, {
      input,
      output,
      style: styles.length === 1 ? styles[0]! : styles,
      size,
      attention,
      ...(seed === undefined ? {} : { seed }),
      ...(fps === undefined ? {} : { fps }),
      force,
      maxPixels,
      signal: ctx.signal,
      env: ctx.env,
      onProgress: (p) => progress.update(p),
      ...controls,
    });
    progress.clear();
    const perFrame = (result.seconds / result.frames).toFixed(2);
    ctx.stderr.write(
      `adaattn: wrote ${output} (${result.frames} frames, ${result.width}×${result.height}) in ${result.seconds.toFixed(1)} s, ${perFrame} s a frame\n`,
    );
  } finally {
    progress.clear();
    await stylizer.dispose();
  }
  return EXIT_OK;
}
