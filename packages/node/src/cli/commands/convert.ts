/** `adaattn convert`: the authors' four .pth files → a model directory (model.json + safetensors). */
import { readFile, writeFile } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { sha256Hex, writeModel } from '@adaattn/core';
import { assertDirectoryWritable, isSameFile, writeDirectoryAtomic } from '../../io/atomic-write.js';
import { OFFICIAL_FILES, OFFICIAL_VIDEO_FILES, inspectModelDir, loadModelDir } from '../../io/model-dir.js';
import { choice, parseOptions, required, type OptionSpec } from '../args.js';
import type { CliContext } from '../context.js';
import { EXIT_OK, UsageError } from '../errors.js';
import { version } from '../version.js';
import { InputError } from '../../errors.js';

const COMMAND = 'convert';

const OPTIONS = {
  from: { type: 'string' },
  output: { type: 'string', short: 'o' },
  dtype: { type: 'string' },
  force: { type: 'boolean' },
} as const satisfies OptionSpec;

export async function convertCommand(argv: readonly string[], ctx: CliContext): Promise<number> {
  const { values } = parseOptions(COMMAND, argv, OPTIONS);
  const from = required(values, 'from', 'dir', COMMAND);
  const output = required(values, 'output', 'dir', COMMAND);
  const dtype = choice(values, 'dtype', COMMAND, ['float16', 'float32'] as const) ?? 'float16';
  const force = values['force'] === true;
  // Replacing --output must never delete the source files, so --output may not be --from or contain it.
  const rel = relative(resolve(output), resolve(from));
  if ((await isSameFile(output, from)) || rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))) {
    throw new UsageError(`--output '${output}' would replace --from '${from}'; choose another output directory`, COMMAND);
  }

  const info = await inspectModelDir(from);
  if (info.kind !== 'official') {
    throw new InputError(`'${info.dir}' already holds a converted model (model.json); nothing to convert`);
  }
  await assertDirectoryWritable(output, force);

  const started = Date.now();
  ctx.stderr.write(`adaattn: converting the authors' checkpoints in ${info.dir} to ${dtype}\n`);
  const loaded = await loadModelDir(info.dir);
  ctx.signal.throwIfAborted();
  const sources: Record<string, string> = {};
  const sourceFiles = loaded.variant === 'image' ? Object.values(OFFICIAL_FILES) : OFFICIAL_VIDEO_FILES;
  for (const file of sourceFiles) sources[file] = await sha256Hex(await readFile(join(info.dir, file)));
  const files = await writeModel(
    loaded.model.weights,
    {
      name: `adaattn-official-${loaded.variant}`,
      variant: loaded.variant,
      provenance: {
        source: `the AdaAttN authors' released ${loaded.variant} model checkpoints (Liu et al., ICCV 2021)`,
        sourceFilesSha256: sources,
        convertedBy: `@adaattn/node ${version()} (adaattn convert)`,
      },
    },
    { dtype },
  );
  ctx.signal.throwIfAborted();
  await writeDirectoryAtomic(
    output,
    async (tmp) => {
      // writeModel lists model.json last; writing in order means a model.json never points at missing files.
      for (const file of files) {
        ctx.signal.throwIfAborted();
        await writeFile(join(tmp, file.path), file.bytes);
      }
    },
    { force, signal: ctx.signal },
  );
  const megabytes = (files.reduce((n, f) => n + f.bytes.length, 0) / 1e6).toFixed(1);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  ctx.stderr.write(`adaattn: wrote ${output} (${files.map((f) => f.path).join(', ')}; ${megabytes} MB) in ${seconds} s\n`);
  return EXIT_OK;
}
