/** Where the tests find their inputs: committed fixtures beside the code, the shared official file beside the repo. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const weightsDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const repoRoot = resolve(weightsDir, '../../../..');

export function readFixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(resolve(weightsDir, '__fixtures__', name)));
}

export function fixturePath(name: string): string {
  return resolve(weightsDir, '__fixtures__', name);
}

/** The genuine authors' checkpoint in ../shared (relative to the repository root). */
export const OFFICIAL_ADAATTN3_PATH = resolve(repoRoot, '../shared/fixtures/official/latest_net_adaattn_3.pth');

export function readOfficialAdaattn3(): Uint8Array {
  if (!existsSync(OFFICIAL_ADAATTN3_PATH)) {
    throw new Error(
      `official fixture missing: looked for ${OFFICIAL_ADAATTN3_PATH} (../shared/fixtures/official/ relative to the repository root)`,
    );
  }
  return new Uint8Array(readFileSync(OFFICIAL_ADAATTN3_PATH));
}
