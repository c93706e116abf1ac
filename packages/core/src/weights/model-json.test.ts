import { describe, expect, it } from 'vitest';
import { WeightsError } from './errors.js';
import { defaultArchitecture, parseModelJson, serializeModelJson, validateModelConfig, type ModelConfig } from './model-json.js';

const sha = 'a'.repeat(64);
const entry = (path: string) => ({ path, dtype: 'float16', bytes: 10, sha256: sha });

function imageJson(): Record<string, unknown> {
  return {
    format: 'adaattn-model',
    formatVersion: 1,
    name: 'adaattn-sdk-image-v1',
    variant: 'image',
    architecture: {
      encoder: 'vgg19-relu5_1',
      shallowLayer: true,
      skipConnection3: true,
      maxSample: { relu3_1: 4096, relu4_1: 65536, relu5_1: 65536 },
      seed: 6666,
    },
    files: {
      encoder: entry('encoder.safetensors'),
      transformer: entry('transformer.safetensors'),
      adaattn3: entry('adaattn3.safetensors'),
      decoder: entry('decoder.safetensors'),
    },
    provenance: { source: 'test' },
  };
}

function fails(value: unknown): WeightsError {
  try {
    validateModelConfig(value);
  } catch (e) {
    expect(e).toBeInstanceOf(WeightsError);
    return e as WeightsError;
  }
  throw new Error('expected a WeightsError');
}

function edit(f: (j: any) => void): Record<string, unknown> {
  const j = imageJson();
  f(j);
  return j;
}

describe('model.json', () => {
  it('parses the documented example and round-trips through serializeModelJson', () => {
    const config = parseModelJson(JSON.stringify(imageJson()));
    expect(config.variant).toBe('image');
    expect(config.files.decoder).toEqual(entry('decoder.safetensors'));
    expect(config.architecture).toEqual(defaultArchitecture('image'));
    expect(parseModelJson(new TextEncoder().encode(serializeModelJson(config)))).toEqual(config);
  });

  it('parses a video model without transformer and with a relu3_1-only maxSample', () => {
    const video = {
      ...imageJson(),
      variant: 'video',
      architecture: defaultArchitecture('video'),
      files: { encoder: entry('e.safetensors'), adaattn3: entry('a.safetensors'), decoder: entry('d.safetensors') },
    };
    const config: ModelConfig = validateModelConfig(video);
    expect(Object.keys(config.files)).toEqual(['encoder', 'adaattn3', 'decoder']);
    expect(config.architecture.maxSample).toEqual({ relu3_1: 65536 });
  });

  it('names the JSON path of each problem', () => {
    const cases: Array<[Record<string, unknown> | unknown, RegExp]> = [
      [[], /^model\.json: is not a JSON object/],
      [edit((j) => (j.format = 'onnx')), /`format` is "onnx", expected "adaattn-model"/],
      [edit((j) => (j.formatVersion = 0)), /`formatVersion` is 0, expected 1/],
      [edit((j) => (j.name = '')), /`name` must be a non-empty string/],
      [edit((j) => (j.variant = 'audio')), /`variant` is "audio"/],
      [
        edit((j) => (j.architecture.encoder = 'vgg19-relu3_1')),
        /`architecture\.encoder` is "vgg19-relu3_1", but the image model uses "vgg19-relu5_1"/,
      ],
      [edit((j) => delete j.architecture.maxSample.relu4_1), /`architecture\.maxSample\.relu4_1` must be a positive integer/],
      [
        edit((j) => (j.architecture.maxSample.relu3_1 = 1024)),
        /`architecture\.maxSample\.relu3_1` is 1024, but this SDK samples with the released cap \(4096\) only/,
      ],
      [
        edit((j) => (j.architecture.shallowLayer = false)),
        /`architecture\.shallowLayer` is false, but this SDK runs the released configuration/,
      ],
      [
        edit((j) => (j.architecture.skipConnection3 = false)),
        /`architecture\.skipConnection3` is false, but this SDK runs the released image configuration/,
      ],
      [
        edit((j) => delete j.files.transformer),
        /`files\.transformer` is missing: the image model needs encoder, transformer, adaattn3, decoder/,
      ],
      [edit((j) => (j.files.extra = entry('x'))), /`files\.extra` is not a component of the image model/],
      [edit((j) => (j.files.decoder.sha256 = 'ABC')), /`files\.decoder\.sha256` must be 64 lowercase hex digits, got "ABC"/],
      [edit((j) => (j.files.decoder.dtype = 'int8')), /`files\.decoder\.dtype` is "int8"/],
      [edit((j) => (j.files.decoder.bytes = -1)), /`files\.decoder\.bytes` must be a non-negative integer/],
      [edit((j) => (j.files.decoder.path = 'encoder.safetensors')), /is also the path of files\.encoder/],
      [edit((j) => delete j.architecture), /`architecture` is missing/],
      [edit((j) => (j.strength = 'strength.safetensors')), /`strength` must be an object/],
      [edit((j) => (j.strength = {})), /`strength\.file` is missing/],
      [
        edit((j) => (j.strength = { file: { ...entry('../w.safetensors') } })),
        /`strength\.file\.path` must be a relative path inside the model directory/,
      ],
      [edit((j) => (j.strength = { file: { ...entry('s.safetensors'), dtype: 'int8' } })), /`strength\.file\.dtype` is "int8"/],
      [edit((j) => (j.strength = { file: entry('s.safetensors'), provenance: [] })), /`strength\.provenance` must be an object/],
    ];
    for (const [value, message] of cases) {
      const e = fails(value);
      expect(e.code).toBe('invalid-model-json');
      expect(e.message).toMatch(message);
    }
  });

  it("reads int8 ranges for the model's own 3×3 convolutions, and refuses anything else", () => {
    const int8 = {
      layers: { '5': { input: [0, 12.5], output: [0, 30] }, merge_conv: { input: [-4, 6], output: [-9, 8] } },
      provenance: { tool: 'test' },
    };
    const config = validateModelConfig(edit((j) => (j.int8 = int8)));
    expect(config.int8).toEqual(int8);
    expect(parseModelJson(serializeModelJson(config))).toEqual(config);
    expect(validateModelConfig(imageJson()).int8).toBeUndefined();
    const layer = (key: string, value: unknown) => edit((j) => (j.int8 = { layers: { [key]: value } }));
    const cases: [Record<string, unknown>, RegExp][] = [
      [edit((j) => (j.int8 = [])), /`int8` must be an object/],
      [edit((j) => (j.int8 = {})), /`int8\.layers` is missing/],
      [layer('0', { input: [0, 1], output: [0, 1] }), /`int8\.layers\.0` is not a 3×3 convolution of the image model/],
      [layer('attn_adain_4_1.f', { input: [0, 1], output: [0, 1] }), /is not a 3×3 convolution/],
      [layer('decoder.1', { input: [0, 1], output: [0, 1] }), /is not a 3×3 convolution of the image model/],
      [layer('5', { input: [0, 1] }), /`int8\.layers\.5\.output` must be \[min, max\]/],
      [layer('5', { input: [1, 2], output: [0, 1] }), /`int8\.layers\.5\.input` must be \[min, max\] with min ≤ 0 < max/],
      [layer('5', { input: [0, 0], output: [0, 1] }), /`int8\.layers\.5\.input` must be/],
      [layer('5', { input: [0, 1e300], output: [0, 1] }), /at most 1000000 in size/],
      [layer('5', { input: [0, '1'], output: [0, 1] }), /`int8\.layers\.5\.input` must be/],
      [layer('5', { input: [0, 1, 2], output: [0, 1] }), /`int8\.layers\.5\.input` must be/],
      [layer('5', 7), /`int8\.layers\.5` must be an object/],
    ];
    for (const [value, message] of cases) expect(fails(value).message).toMatch(message);
  });

  it('refuses paths that leave the model directory', () => {
    for (const path of ['../secret', '/etc/passwd', 'a/../../b', 'C:/x', 'a\\b', '', './a', 'a//b']) {
      expect(fails(edit((j) => (j.files.decoder.path = path))).message).toMatch(/`files\.decoder\.path` must be a relative path/);
    }
    expect(validateModelConfig(edit((j) => (j.files.decoder.path = 'weights/decoder.v1.safetensors'))).files.decoder!.path).toBe(
      'weights/decoder.v1.safetensors',
    );
  });

  it('reads shards and checks they add up, stay inside the directory and do not reuse a path', () => {
    const shards = [
      { path: 'encoder.safetensors.part-1', bytes: 6, sha256: sha },
      { path: 'encoder.safetensors.part-2', bytes: 4, sha256: sha },
    ];
    const config = validateModelConfig(edit((j) => (j.files.encoder.shards = shards)));
    expect(config.files.encoder).toEqual({ ...entry('encoder.safetensors'), shards });
    const cases: [(j: any) => void, RegExp][] = [
      [(j) => (j.files.encoder.shards = []), /`files\.encoder\.shards` must be a non-empty array/],
      [
        (j) => (j.files.encoder.shards = [{ ...shards[0], bytes: 7 }, shards[1]]),
        /`files\.encoder\.shards` add up to 11 bytes, but files\.encoder\.bytes is 10/,
      ],
      [
        (j) => (j.files.encoder.shards = [{ ...shards[0], path: '../x' }, shards[1]]),
        /`files\.encoder\.shards\[0\]\.path` must be a relative path/,
      ],
      [
        (j) => (j.files.encoder.shards = [shards[0], { ...shards[1], sha256: 'x' }]),
        /`files\.encoder\.shards\[1\]\.sha256` must be 64 lowercase hex/,
      ],
      [
        (j) => (j.files.encoder.shards = [shards[0], { ...shards[1], path: 'decoder.safetensors' }]),
        /`files\.decoder\.path` "decoder\.safetensors" is also the path of files\.encoder \(a shard\)/,
      ],
    ];
    for (const [change, message] of cases) {
      const e = fails(edit(change));
      expect(e.code).toBe('invalid-model-json');
      expect(e.message).toMatch(message);
    }
  });

  it('says a newer formatVersion needs a newer SDK', () => {
    const e = fails(edit((j) => (j.formatVersion = 2)));
    expect(e.code).toBe('unsupported-format');
    expect(e.message).toMatch(/formatVersion 2 was written by a newer SDK.*upgrade/);
  });

  it('reports invalid JSON with the file name', () => {
    try {
      parseModelJson('{"format": ', { file: 'models/x/model.json' });
      throw new Error('expected a WeightsError');
    } catch (e) {
      expect((e as WeightsError).code).toBe('invalid-model-json');
      expect((e as WeightsError).message).toMatch(/^models\/x\/model\.json: not valid JSON/);
    }
  });
});
