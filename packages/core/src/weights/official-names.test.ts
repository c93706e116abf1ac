import { describe, expect, it } from 'vitest';
import {
  checkComponent,
  componentsOf,
  expectedShapes,
  identifyComponent,
  officialFileNames,
  validateComponent,
  type Shape,
} from './official-names.js';
import { readPth } from './pth.js';
import { readOfficialAdaattn3 } from './test-utils/paths.js';
import type { ComponentName, ModelVariant, WeightTensor } from './types.js';
import { weightsError } from './test-utils/expect-weights-error.js';

/** A map with the official keys and shapes; data is left empty because the validator only reads shapes. */
function fake(variant: ModelVariant, component: ComponentName, edit?: (m: Map<string, WeightTensor>) => void): Map<string, WeightTensor> {
  const m = new Map<string, WeightTensor>();
  for (const [key, shape] of expectedShapes(variant, component)) m.set(key, { shape, data: new Float32Array(0) });
  edit?.(m);
  return m;
}

const error = weightsError;

const shapesOf = (variant: ModelVariant, component: ComponentName) => Object.fromEntries(expectedShapes(variant, component));

describe('expectedShapes', () => {
  it('image encoder: convs 0..42 of vgg_normalised, layer 0 a 1×1 3→3', () => {
    const s = shapesOf('image', 'encoder');
    expect(
      Object.keys(s)
        .filter((k) => k.endsWith('.weight'))
        .map((k) => Number(k.split('.')[0])),
    ).toEqual([0, 2, 5, 9, 12, 16, 19, 22, 25, 29, 32, 35, 38, 42]);
    expect(s['0.weight']).toEqual([3, 3, 1, 1]);
    expect(s['2.weight']).toEqual([64, 3, 3, 3]);
    expect(s['16.weight']).toEqual([256, 128, 3, 3]);
    expect(s['29.weight']).toEqual([512, 256, 3, 3]);
    expect(s['42.bias']).toEqual([512]);
  });

  it('video encoder stops at conv 16 (relu3_1 = layers [11:18])', () => {
    const s = shapesOf('video', 'encoder');
    expect(Object.keys(s)).toEqual([
      '0.weight',
      '0.bias',
      '2.weight',
      '2.bias',
      '5.weight',
      '5.bias',
      '9.weight',
      '9.bias',
      '12.weight',
      '12.bias',
      '16.weight',
      '16.bias',
    ]);
  });

  it('transformer, adaattn3 and both decoders', () => {
    const t = shapesOf('image', 'transformer');
    expect(t['attn_adain_4_1.f.weight']).toEqual([960, 960, 1, 1]);
    expect(t['attn_adain_4_1.h.weight']).toEqual([512, 512, 1, 1]);
    expect(t['attn_adain_5_1.g.bias']).toEqual([1472]);
    expect(t['merge_conv.weight']).toEqual([512, 512, 3, 3]);
    expect(Object.keys(t)).toHaveLength(14);
    for (const v of ['image', 'video'] as const) {
      expect(shapesOf(v, 'adaattn3')).toMatchObject({ 'f.weight': [448, 448, 1, 1], 'g.bias': [448], 'h.weight': [256, 256, 1, 1] });
    }
    const d = shapesOf('image', 'decoder');
    expect(d['decoder_layer_1.1.weight']).toEqual([256, 512, 3, 3]);
    const layer2: Record<number, Shape> = {
      1: [256, 512],
      4: [256, 256],
      7: [256, 256],
      10: [128, 256],
      14: [128, 128],
      17: [64, 128],
      21: [64, 64],
      24: [3, 64],
    };
    for (const [i, io] of Object.entries(layer2)) expect(d[`decoder_layer_2.${i}.weight`]).toEqual([...io, 3, 3]);
    expect(Object.keys(d)).toHaveLength(18);
    const vd = shapesOf('video', 'decoder');
    const video: Record<number, Shape> = {
      1: [256, 256],
      4: [256, 256],
      7: [256, 256],
      10: [128, 256],
      14: [128, 128],
      17: [64, 128],
      21: [64, 64],
      24: [3, 64],
    };
    for (const [i, io] of Object.entries(video)) expect(vd[`decoder.${i}.weight`]).toEqual([...io, 3, 3]);
    expect(Object.keys(vd)).toHaveLength(16);
  });

  it('components and official file names per variant', () => {
    expect(componentsOf('image')).toEqual(['encoder', 'transformer', 'adaattn3', 'decoder']);
    expect(componentsOf('video')).toEqual(['encoder', 'adaattn3', 'decoder']);
    expect(officialFileNames('video').adaattn3).toBe('latest_net_transformer.pth');
    expect(officialFileNames('image').adaattn3).toBe('latest_net_adaattn_3.pth');
  });
});

describe('validateComponent', () => {
  it('accepts the genuine official adaattn3 checkpoint', () => {
    const read = readPth(readOfficialAdaattn3());
    expect(identifyComponent(read.tensors)).toEqual({ component: 'adaattn3' });
    expect([...validateComponent(read.tensors, 'image', 'adaattn3').keys()]).toEqual([...expectedShapes('image', 'adaattn3').keys()]);
  });

  it('ignores encoder layers beyond the last used one (vgg_normalised goes to 51) and drops them', () => {
    const full = fake('image', 'encoder', (m) => {
      for (const i of [45, 48, 51]) {
        m.set(`${i}.weight`, { shape: [512, 512, 3, 3], data: new Float32Array(0) });
        m.set(`${i}.bias`, { shape: [512], data: new Float32Array(0) });
      }
    });
    expect(checkComponent(full, 'image', 'encoder').ignored).toEqual([
      '45.weight',
      '45.bias',
      '48.weight',
      '48.bias',
      '51.weight',
      '51.bias',
    ]);
    expect(validateComponent(full, 'image', 'encoder').size).toBe(28);
    expect([...validateComponent(full, 'video', 'encoder').keys()].at(-1)).toBe('16.bias');
  });

  it('says "pass { variant: \'video\' }" for a video decoder loaded as the image model, and the reverse', () => {
    const e = error(() => validateComponent(fake('video', 'decoder'), 'image', 'decoder', { file: 'latest_net_decoder.pth' }));
    expect(e.code).toBe('wrong-component');
    expect(e.message).toBe(
      "latest_net_decoder.pth: decoder checkpoint has `decoder.1.weight` but no `decoder_layer_1.1.weight`: that is the video model — pass { variant: 'video' }",
    );
    expect(error(() => validateComponent(fake('image', 'decoder'), 'video', 'decoder')).message).toMatch(
      /that is the image model — pass \{ variant: 'image' \}/,
    );
  });

  it('names the component a misplaced file actually holds', () => {
    const e = error(() => validateComponent(fake('image', 'transformer'), 'image', 'decoder', { file: 'latest_net_decoder.pth' }));
    expect(e.code).toBe('wrong-component');
    expect(e.message).toMatch(
      /^latest_net_decoder\.pth: checkpoint given as the decoder holds the transformer .*`attn_adain_4_1\.f\.weight`.*check which file goes in which slot/,
    );
    const video = error(() => validateComponent(fake('video', 'adaattn3'), 'image', 'transformer'));
    expect(video.message).toMatch(/video model's latest_net_transformer\.pth.*pass \{ variant: 'video' \}/);
  });

  it('lists missing keys, unexpected keys and shape mismatches with expected vs actual', () => {
    const m = fake('image', 'decoder', (x) => {
      x.delete('decoder_layer_2.24.bias');
      x.set('decoder_layer_2.1.weight', { shape: [256, 256, 3, 3], data: new Float32Array(0) });
      x.set('decoder_layer_2.99.weight', { shape: [1], data: new Float32Array(0) });
    });
    const e = error(() => validateComponent(m, 'image', 'decoder', { file: 'decoder.safetensors' }));
    expect(e.code).toBe('weights-mismatch');
    expect(e.message).toBe(
      'decoder.safetensors: image model decoder does not match the official layout: missing `decoder_layer_2.24.bias`; ' +
        '`decoder_layer_2.1.weight` is [256, 256, 3, 3], expected [256, 512, 3, 3]; unexpected `decoder_layer_2.99.weight`',
    );
  });

  it('explains an encoder that stops at relu3_1 when the image model needs relu5_1', () => {
    const e = error(() => validateComponent(fake('video', 'encoder'), 'image', 'encoder'));
    expect(e.message).toMatch(/stops at layer 16 but the image model needs layers up to 42 \(relu5_1\).*variant: 'video'/);
  });

  it('identifies nothing in an unrelated map', () => {
    expect(identifyComponent(new Map([['fc.weight', { shape: [1], data: new Float32Array(1) }]]))).toBeUndefined();
  });
});
