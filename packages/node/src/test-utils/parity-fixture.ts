/**
 * The exported-model parity fixture (tools/reference/make_parity_fixtures.py): a 70×52 content, a style and
 * the PyTorch model's float32 image of them, and the shipped model they were made with.
 */
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { runCli } from './cli.js';

export const PARITY_FIXTURES = fileURLToPath(new URL('../__fixtures__/parity-cli/', import.meta.url));
export const SHIPPED_IMAGE_MODEL = fileURLToPath(new URL('../../../model-image', import.meta.url));

/** `adaattn stylize` of the fixture's content and style at their own size into `output`, with `extra` options. */
export function stylizeParityFixture(output: string, extra: readonly string[]): ReturnType<typeof runCli> {
  return runCli([
    'stylize',
    '--content',
    join(PARITY_FIXTURES, 'content.png'),
    '--style',
    join(PARITY_FIXTURES, 'style.png'),
    '--output',
    output,
    '--size',
    '0',
    ...extra,
  ]);
}
