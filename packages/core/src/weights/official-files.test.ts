import { describe, expect, it } from 'vitest';
import { expectedShapes } from './official-names.js';
import { loadOfficialFiles } from './official-files.js';
import { writeSafetensors } from './safetensors.js';
import { weightsRejection } from './test-utils/expect-weights-error.js';
import { fakeComponent, memoryReader } from './test-utils/fake-weights.js';
import { readFixture, readOfficialAdaattn3 } from './test-utils/paths.js';
import { legacyPth } from './test-utils/pickle-writer.js';
import { writeTestPth } from '../testing/pth.js';
import type { WeightTensor } from './types.js';

// Only latest_net_adaattn_3.pth is a genuine file; the others are stand-ins with the official keys, stored as
// safetensors under the official names (the loader sniffs the format), since torch cannot run in these tests.
function standIn(map: Map<string, WeightTensor>): Uint8Array {
  return writeSafetensors(map);
}

function vggNormalisedLike(): Map<string, WeightTensor> {
  const encoder = fakeComponent('image', 'encoder');
  for (const i of [45, 48, 51]) {
    encoder.set(`${i}.weight`, { shape: [512, 512, 3, 3], data: new Float32Array(512 * 512 * 9) });
    encoder.set(`${i}.bias`, { shape: [512], data: new Float32Array(512) });
  }
  return encoder;
}

function imageDir(): Map<string, Uint8Array> {
  return new Map([
    ['vgg_normalised.pth', standIn(vggNormalisedLike())],
    ['latest_net_transformer.pth', standIn(fakeComponent('image', 'transformer'))],
    ['latest_net_adaattn_3.pth', readOfficialAdaattn3()],
    ['latest_net_decoder.pth', standIn(fakeComponent('image', 'decoder'))],
  ]);
}

function videoDir(): Map<string, Uint8Array> {
  return new Map([
    ['vgg_normalised.pth', standIn(vggNormalisedLike())],
    ['latest_net_transformer.pth', readOfficialAdaattn3()], // the video release keeps its relu3_1 module here
    ['latest_net_decoder.pth', standIn(fakeComponent('video', 'decoder'))],
  ]);
}

describe('loadOfficialFiles', () => {
  it('loads the image model, trimming vgg_normalised to layer 42', async () => {
    const weights = await loadOfficialFiles(memoryReader(imageDir()));
    expect([...weights.encoder.keys()]).toEqual([...expectedShapes('image', 'encoder').keys()]);
    expect(weights.adaattn3.get('f.weight')!.shape).toEqual([448, 448, 1, 1]);
    expect(weights.transformer.get('merge_conv.weight')!.shape).toEqual([512, 512, 3, 3]);
    expect(weights.decoder.get('decoder_layer_1.1.weight')!.shape).toEqual([256, 512, 3, 3]);
  }, 30_000);

  it('loads the video model when asked, from its own file names', async () => {
    const weights = await loadOfficialFiles(memoryReader(videoDir()), { variant: 'video' });
    expect([...weights.encoder.keys()].at(-1)).toBe('16.bias');
    expect(weights.decoder.has('decoder.24.weight')).toBe(true);
    expect('transformer' in weights).toBe(false);
  }, 30_000);

  it("says to pass { variant: 'video' } when a video release is loaded as the image model", async () => {
    const e = await weightsRejection(loadOfficialFiles(memoryReader(videoDir())));
    expect(e.code).toBe('wrong-component');
    expect(e.message).toBe(
      "latest_net_decoder.pth: decoder checkpoint has `decoder.1.weight` but no `decoder_layer_1.1.weight`: that is the video model — pass { variant: 'video' }",
    );
  });

  it('names a file that sits in the wrong slot', async () => {
    const dir = imageDir();
    const transformer = dir.get('latest_net_transformer.pth')!;
    dir.set('latest_net_transformer.pth', dir.get('latest_net_adaattn_3.pth')!);
    dir.set('latest_net_adaattn_3.pth', transformer);
    const e = await weightsRejection(loadOfficialFiles(memoryReader(dir)));
    expect(e.code).toBe('wrong-component');
    expect(e.file).toBe('latest_net_transformer.pth');
    expect(e.message).toMatch(/^latest_net_transformer\.pth: checkpoint given as the transformer .* holds the relu3_1 AdaAttN module/);
  });

  it('reports a missing file by name', async () => {
    const dir = imageDir();
    dir.delete('vgg_normalised.pth');
    const e = await weightsRejection(loadOfficialFiles(memoryReader(dir)));
    expect(e.code).toBe('missing-file');
    expect(e.message).toMatch(/^vgg_normalised\.pth: missing \(the encoder checkpoint\)/);
  });

  it('reports a truncated .pth and a file that is not a checkpoint', async () => {
    const dir = imageDir();
    const adaattn = dir.get('latest_net_adaattn_3.pth')!;
    dir.set('latest_net_adaattn_3.pth', adaattn.subarray(0, adaattn.length - 1000));
    const e = await weightsRejection(loadOfficialFiles(memoryReader(dir)));
    expect(e.code).toBe('truncated');
    expect(e.file).toBe('latest_net_adaattn_3.pth');
    dir.set('latest_net_adaattn_3.pth', new TextEncoder().encode('<html>404 Not Found</html>'));
    expect((await weightsRejection(loadOfficialFiles(memoryReader(dir)))).code).toBe('not-pth');
  });

  it('accepts other paths per component', async () => {
    const dir = imageDir();
    dir.set('models/vgg.pth', dir.get('vgg_normalised.pth')!);
    dir.delete('vgg_normalised.pth');
    const weights = await loadOfficialFiles(memoryReader(dir), { files: { encoder: 'models/vgg.pth' } });
    expect(weights.encoder.size).toBe(28);
  }, 30_000);

  it('reads torch .pth stand-ins too (legacy format through the same path)', async () => {
    // dataparallel_legacy.pth is a tiny legacy file: it loads, and the validator names what it is not.
    const dir = imageDir();
    dir.set('vgg_normalised.pth', readFixture('dataparallel_legacy.pth'));
    const e = await weightsRejection(loadOfficialFiles(memoryReader(dir)));
    expect(e.code).toBe('weights-mismatch');
    expect(e.message).toMatch(/^vgg_normalised\.pth: image model encoder does not match the official layout: missing `5\.weight`/);
    expect(e.message).toMatch(/`2\.weight` is \[1, 2, 3, 3\], expected \[64, 3, 3, 3\]/);
  });

  it('says latest_net_adaattn_3.pth is missing when the rest is the image release (not "the video release")', async () => {
    const dir = imageDir();
    dir.delete('latest_net_adaattn_3.pth');
    // The three remaining names are exactly the video release's, so a directory inspector infers 'video'.
    const e = await weightsRejection(loadOfficialFiles(memoryReader(dir), { variant: 'video' }));
    expect(e.code).toBe('missing-file');
    expect(e.file).toBe('latest_net_adaattn_3.pth');
    expect(e.message).toMatch(
      /^latest_net_adaattn_3\.pth: missing: latest_net_decoder\.pth is the image model's decoder, and the image model also needs latest_net_adaattn_3\.pth/,
    );
    expect(e.message).not.toMatch(/video/);
  });

  it('refuses a checkpoint holding NaN, naming the file and the tensor', async () => {
    const dir = imageDir();
    const adaattn = fakeComponent('image', 'adaattn3');
    adaattn.get('g.bias')!.data[7] = NaN;
    dir.set('latest_net_adaattn_3.pth', writeTestPth(adaattn));
    const e = await weightsRejection(loadOfficialFiles(memoryReader(dir)));
    expect(e.code).toBe('non-finite');
    expect(e.message).toMatch(/^latest_net_adaattn_3\.pth: tensor `g\.bias` holds NaN at index 7/);
  });

  it('refuses a tensor larger than any official one before allocating it', async () => {
    const dir = imageDir();
    // One float stored, a [2048, 2048] stride-0 view of it declared: more than 512·512·3·3 elements.
    dir.set(
      'latest_net_decoder.pth',
      legacyPth([['decoder_layer_1.1.weight', { size: [2048, 2048], stride: [0, 0], offset: 0, storage: ['k', 1] }]], [['k', [0]]]),
    );
    const e = await weightsRejection(loadOfficialFiles(memoryReader(dir)));
    expect(e.code).toBe('limit-exceeded');
    expect(e.message).toMatch(
      /^latest_net_decoder\.pth: tensor `decoder_layer_1\.1\.weight` \[2048, 2048\] has 4194304 elements, more than .* \(2359296\)/,
    );
  });
});
