/** `adaattn convert`: the authors' four .pth files → a model directory. (Wired to core's writeModel once it lands.) */
import { resolve, relative, isAbsolute } from 'node:path';
import { assertDirectoryWritable, isSameFile } from '../../io/atomic-write.js';
import { inspectModelDir } from '../../io/model-dir.js';
import { choice, parseOptions, required, type OptionSpec } from '../args.js';
import type { CliContext } from '../context.js';
import { UsageError } from '../errors.js';

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
  const rel = relative(resolve(output), resolve(from));
  if ((await isSameFile(output, from)) || rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))) {
    throw new UsageError(`--output '${output}' would replace --from '${from}'; choose another output directory`, COMMAND);
  }
  const info = await inspectModelDir(from);
  if (info.kind !== 'official') throw new Error(`'${from}' already holds a converted model (model.json); nothing to convert`);
  await assertDirectoryWritable(output, force);
  void ctx;
  void dtype;
  throw new Error('convert needs @adaattn/core writeModel, which is not available in this build yet');
}
