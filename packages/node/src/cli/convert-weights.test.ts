/**
 * `adaattn convert` on broken checkpoints (issue 19): weights holding NaN or Infinity, and an image release
 * missing latest_net_adaattn_3.pth. Each must fail in one line naming the file, and write nothing.
 */
import { readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeTestPth } from '@adaattn/core/testing';
import type { WeightMap, WeightTensor } from '@adaattn/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../test-utils/cli.js';
import { makeTempDir } from '../test-utils/images.js';
import { randomImageWeights, writeOfficialDir } from '../test-utils/model.js';

let dir: string;
let cleanup: () => Promise<void>;
const weights = randomImageWeights(5);

beforeAll(async () => {
  ({ dir, cleanup } = await makeTempDir());
});
afterAll(() => cleanup());

/** `map` with `key`'s value at `index` replaced. */
function poisoned(map: WeightMap, key: string, index: number, value: number): Map<string, WeightTensor> {
  const copy = new Map(map);
  const tensor = map.get(key)!;
  const data = tensor.data.slice();
  data[index] = value;
  copy.set(key, { shape: tensor.shape, data });
  return copy;
}

async function officialDir(name: string): Promise<string> {
  const path = join(dir, name);
  await writeOfficialDir(path, weights);
  return path;
}

describe('adaattn convert refuses broken weights before writing anything', () => {
  it('a zip .pth holding NaN: exit 1, one line naming the file and the tensor, no output', async () => {
    const from = await officialDir('nan');
    await writeFile(join(from, 'latest_net_adaattn_3.pth'), writeTestPth(poisoned(weights.adaattn3, 'g.bias', 7, NaN), 'zip'));
    const output = join(dir, 'nan-out');
    const r = await runCli(['convert', '--from', from, '--output', output]);
    expect(r.code).toBe(1);
    expect(r.stderr.trimEnd().split('\n').at(-1)).toMatch(
      /^adaattn: error: .*latest_net_adaattn_3\.pth: tensor `g\.bias` holds NaN at index 7; weights must be finite/,
    );
    expect((await readdir(dir)).filter((n) => n.startsWith('nan-out'))).toEqual([]);
  });

  it('a legacy .pth holding -Infinity', async () => {
    const from = await officialDir('inf');
    await writeFile(
      join(from, 'latest_net_decoder.pth'),
      writeTestPth(poisoned(weights.decoder, 'decoder_layer_2.24.bias', 2, -Infinity), 'legacy'),
    );
    const output = join(dir, 'inf-out');
    const r = await runCli(['convert', '--from', from, '--output', output, '--dtype', 'float32']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/latest_net_decoder\.pth: tensor `decoder_layer_2\.24\.bias` holds -Infinity at index 2/);
    expect((await readdir(dir)).filter((n) => n.startsWith('inf-out'))).toEqual([]);
  });

  it('says latest_net_adaattn_3.pth is missing, not that the files are the video release', async () => {
    const from = await officialDir('no-adaattn3');
    await rm(join(from, 'latest_net_adaattn_3.pth'));
    const r = await runCli(['convert', '--from', from, '--output', join(dir, 'no-adaattn3-out')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/latest_net_adaattn_3\.pth: missing: latest_net_decoder\.pth is the image model's decoder/);
    expect(r.stderr).not.toMatch(/video/);
  });
});
