import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors.js';
import { float16ToFloat32Array, float32ToFloat16Array } from './float16.js';
import { loadModelFromFiles, servedModelFiles, shardModelFile, STRENGTH_FILE_PATH, writeModel, type ModelFile } from './model-files.js';
import { parseModelJson } from './model-json.js';
import { readPth } from './pth.js';
import { sha256Hex } from './sha256.js';
import { weightsError, weightsRejection } from './test-utils/expect-weights-error.js';
import { validateStrengthEndpoint } from './official-names.js';
import { randomStrengthEndpoint } from '../testing/random-weights.js';
import { fakeComponent, fakeModel, memoryReader } from './test-utils/fake-weights.js';
import { readOfficialAdaattn3 } from './test-utils/paths.js';
import type { ImageModelWeights, VideoModelWeights, WeightMap } from './types.js';

const asDir = (files: ModelFile[]) => new Map(files.map((f) => [f.path, f.bytes]));

function expectSameValues(actual: WeightMap, expected: WeightMap, round: (x: Float32Array) => Float32Array = (x) => x): void {
  expect([...actual.keys()]).toEqual([...expected.keys()]);
  for (const [key, tensor] of expected) {
    const got = actual.get(key)!;
    expect(got.shape, key).toEqual(tensor.shape);
    const want = round(tensor.data);
    let same = got.data.length === want.length;
    for (let i = 0; same && i < want.length; i++) same = got.data[i] === want[i];
    expect(same, key).toBe(true);
  }
}

const videoWeights = (): VideoModelWeights => {
  const m = fakeModel('video');
  return { encoder: m.encoder, adaattn3: m.adaattn3, decoder: m.decoder };
};

describe('writeModel + loadModelFromFiles', () => {
  it('round-trips the video model in float32 exactly, model.json last, variant inferred', async () => {
    const weights = videoWeights();
    const files = await writeModel(weights, { name: 'test-video', provenance: { note: 'unit test' } }, { dtype: 'float32' });
    expect(files.map((f) => f.path)).toEqual(['encoder.safetensors', 'adaattn3.safetensors', 'decoder.safetensors', 'model.json']);
    const config = parseModelJson(files[3].bytes);
    expect(config.variant).toBe('video');
    expect(config.files.decoder).toEqual({
      path: 'decoder.safetensors',
      dtype: 'float32',
      bytes: files[2].bytes.length,
      sha256: await sha256Hex(files[2].bytes),
    });
    expect(config.provenance).toEqual({ note: 'unit test' });

    const loaded = await loadModelFromFiles(memoryReader(asDir(files)));
    expect(loaded.config).toEqual(config);
    if (loaded.config.variant !== 'video') throw new Error('expected video');
    expectSameValues(loaded.weights.encoder, weights.encoder);
    expectSameValues(loaded.weights.adaattn3, weights.adaattn3);
    expectSameValues(loaded.weights.decoder, weights.decoder);
  });

  it('round-trips the image model in float16 (values rounded to nearest even), with the genuine adaattn3 weights', async () => {
    const m = fakeModel('image');
    const adaattn3 = readPth(readOfficialAdaattn3()).tensors;
    const weights: ImageModelWeights = { encoder: m.encoder, transformer: m.transformer, adaattn3, decoder: m.decoder };
    const files = await writeModel(weights, { name: 'test-image' }, { dtype: 'float16' });
    const loaded = await loadModelFromFiles(memoryReader(asDir(files)));
    expect(loaded.config.variant).toBe('image');
    expect(loaded.config.architecture.maxSample).toEqual({ relu3_1: 4096, relu4_1: 65536, relu5_1: 65536 });
    const half = (x: Float32Array) => float16ToFloat32Array(float32ToFloat16Array(x));
    const w = loaded.weights as ImageModelWeights;
    expectSameValues(w.adaattn3, adaattn3, half);
    expectSameValues(w.transformer, weights.transformer, half);
    expectSameValues(w.decoder, weights.decoder, half);
  }, 60_000);

  it('drops encoder layers the variant never runs', async () => {
    const weights = videoWeights();
    const encoder = new Map(weights.encoder);
    for (const [k, v] of fakeComponent('image', 'encoder')) if (!encoder.has(k)) encoder.set(k, v);
    const files = await writeModel({ ...weights, encoder }, { name: 'trim' }, { dtype: 'float32' });
    const loaded = await loadModelFromFiles(memoryReader(asDir(files)));
    expect([...loaded.weights.encoder.keys()].at(-1)).toBe('16.bias');
  });

  it('refuses to write a component that does not match the official layout', async () => {
    const weights = videoWeights();
    const e = await weightsRejection(writeModel({ ...weights, decoder: weights.adaattn3 }, { name: 'x' }, { dtype: 'float32' }));
    expect(e.code).toBe('wrong-component');
  });
});

describe('the strength endpoint (model.json `strength`)', () => {
  const endpoint = randomStrengthEndpoint('video', 5);
  const written = () =>
    writeModel(
      { ...videoWeights(), strength: endpoint },
      { name: 'with-endpoint', strengthProvenance: { stage: 'unit test' } },
      { dtype: 'float32' },
    );

  it('round-trips: strength.safetensors before model.json, its entry and provenance in model.json, the maps by component', async () => {
    const files = await written();
    expect(files.map((f) => f.path).slice(-2)).toEqual([STRENGTH_FILE_PATH, 'model.json']);
    const loaded = await loadModelFromFiles(memoryReader(asDir(files)));
    expect(loaded.config.strength?.file.path).toBe(STRENGTH_FILE_PATH);
    expect(loaded.config.strength?.provenance).toEqual({ stage: 'unit test' });
    expect(Object.keys(loaded.weights.strength!)).toEqual(['decoder']);
    expectSameValues(loaded.weights.strength!.decoder!, endpoint.decoder!);
  });

  it('servedModelFiles lists every component file, then the endpoint (what the plugins download)', async () => {
    const files = await written();
    const config = parseModelJson(files.at(-1)!.bytes);
    expect(servedModelFiles(config).map((f) => f.path)).toEqual(files.slice(0, -1).map((f) => f.path));
    expect(servedModelFiles(config).at(-1)).toEqual({
      path: STRENGTH_FILE_PATH,
      bytes: files.at(-2)!.bytes.length,
      sha256: await sha256Hex(files.at(-2)!.bytes),
    });
  });

  it('a large endpoint is sharded like the components, and loads the same', async () => {
    const files = await writeModel(
      { ...videoWeights(), strength: endpoint },
      { name: 'sharded' },
      { dtype: 'float32', maxFileBytes: 1 << 20 },
    );
    const config = parseModelJson(files.at(-1)!.bytes);
    expect(config.strength!.file.shards!.length).toBeGreaterThan(1);
    expect(files.some((f) => f.path === STRENGTH_FILE_PATH)).toBe(false);
    const loaded = await loadModelFromFiles(memoryReader(asDir(files)));
    expectSameValues(loaded.weights.strength!.decoder!, endpoint.decoder!);
  });

  it('`strength: false` does not read the file (a model directory without it still loads)', async () => {
    const dir = asDir(await written());
    dir.delete(STRENGTH_FILE_PATH);
    const loaded = await loadModelFromFiles(memoryReader(dir), { strength: false });
    expect(loaded.weights.strength).toBeUndefined();
    const error = await weightsRejection(loadModelFromFiles(memoryReader(dir)));
    expect(error.code).toBe('missing-file');
    expect(error.message).toMatch(/strength\.file/);
  });

  it('a tampered endpoint file is checksum-mismatch naming strength.file', async () => {
    const dir = asDir(await written());
    const bytes = dir.get(STRENGTH_FILE_PATH)!.slice();
    bytes[bytes.length - 1] ^= 1;
    dir.set(STRENGTH_FILE_PATH, bytes);
    const error = await weightsRejection(loadModelFromFiles(memoryReader(dir)));
    expect(error.code).toBe('checksum-mismatch');
    expect(error.message).toMatch(/strength\.file is/);
  });

  it('an endpoint that is not exactly the strength layers is refused with what is missing and unexpected', () => {
    const flat = new Map([...endpoint.decoder!].map(([k, t]) => [`decoder.${k}`, t]));
    flat.delete('decoder.decoder.24.bias');
    flat.set('adaattn3.f.weight', { shape: [1], data: new Float32Array(1) });
    const error = weightsError(() => validateStrengthEndpoint(flat, 'video', { file: 'strength.safetensors' }));
    expect(error.code).toBe('weights-mismatch');
    expect(error.message).toMatch(/missing `decoder\.decoder\.24\.bias`; unexpected `adaattn3\.f\.weight`/);
    const image = weightsError(() => validateStrengthEndpoint(new Map(), 'image'));
    expect(image.message).toMatch(/missing `transformer\.merge_conv\.weight`/);
  });

  it("model.json: the endpoint may not reuse a component file's path", async () => {
    const files = await written();
    const json = JSON.parse(new TextDecoder().decode(files.at(-1)!.bytes)) as { strength: { file: { path: string } } };
    json.strength.file.path = 'decoder.safetensors';
    expect(() => parseModelJson(JSON.stringify(json))).toThrow(
      /`strength\.file\.path` "decoder\.safetensors" is also the path of files\.decoder/,
    );
  });
});

describe('loadModelFromFiles failures', () => {
  async function videoDir(): Promise<Map<string, Uint8Array>> {
    return asDir(await writeModel(videoWeights(), { name: 'v' }, { dtype: 'float16' }));
  }

  it('sha256 mismatch names the file and both digests', async () => {
    const dir = await videoDir();
    const decoder = dir.get('decoder.safetensors')!.slice();
    decoder[decoder.length - 1] ^= 1;
    dir.set('decoder.safetensors', decoder);
    const e = await weightsRejection(loadModelFromFiles(memoryReader(dir)));
    expect(e.code).toBe('checksum-mismatch');
    expect(e.file).toBe('decoder.safetensors');
    expect(e.message).toMatch(/^decoder\.safetensors: sha256 is [0-9a-f]{64} but model\.json says files\.decoder is [0-9a-f]{64}/);
  });

  it('a truncated file is reported by its size before hashing', async () => {
    const dir = await videoDir();
    dir.set('encoder.safetensors', dir.get('encoder.safetensors')!.subarray(0, 100));
    const e = await weightsRejection(loadModelFromFiles(memoryReader(dir)));
    expect(e.code).toBe('checksum-mismatch');
    expect(e.message).toMatch(/^encoder\.safetensors: is 100 bytes but model\.json says files\.encoder has \d+ \(truncated download\?\)/);
  });

  it('a missing component file or model.json is missing-file, naming it', async () => {
    const dir = await videoDir();
    dir.delete('adaattn3.safetensors');
    const e = await weightsRejection(loadModelFromFiles(memoryReader(dir)));
    expect(e.code).toBe('missing-file');
    expect(e.message).toMatch(/^adaattn3\.safetensors: missing \(files\.adaattn3 in model\.json\)/);
    const none = await weightsRejection(loadModelFromFiles(memoryReader(new Map())));
    expect(none.code).toBe('missing-file');
    expect(none.file).toBe('model.json');
  });

  it('other read failures are read-failed with the cause kept', async () => {
    const e = await weightsRejection(
      loadModelFromFiles(async () => {
        throw Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
      }),
    );
    expect(e.code).toBe('read-failed');
    expect((e.cause as Error).message).toMatch(/EACCES/);
  });

  it('a component file in the wrong slot (checksums fine) is wrong-component', async () => {
    const dir = await videoDir();
    const config = JSON.parse(new TextDecoder().decode(dir.get('model.json')!));
    [config.files.decoder, config.files.adaattn3] = [config.files.adaattn3, config.files.decoder];
    dir.set('model.json', new TextEncoder().encode(JSON.stringify(config)));
    const e = await weightsRejection(loadModelFromFiles(memoryReader(dir)));
    expect(e.code).toBe('wrong-component');
    expect(e.message).toMatch(/^decoder\.safetensors: checkpoint given as the relu3_1 AdaAttN module .* holds the decoder/);
  });

  it('a declared dtype that differs from the stored one is invalid-model-json', async () => {
    const dir = await videoDir();
    const config = JSON.parse(new TextDecoder().decode(dir.get('model.json')!));
    config.files.encoder.dtype = 'float32';
    dir.set('model.json', new TextEncoder().encode(JSON.stringify(config)));
    const e = await weightsRejection(loadModelFromFiles(memoryReader(dir)));
    expect(e.code).toBe('invalid-model-json');
    expect(e.message).toMatch(/stored as float16 but model\.json declares files\.encoder\.dtype "float32"/);
  });

  it('a corrupt safetensors file whose checksum was recorded is still caught by the reader', async () => {
    const dir = await videoDir();
    const config = JSON.parse(new TextDecoder().decode(dir.get('model.json')!));
    const junk = new TextEncoder().encode('not a weights file at all');
    dir.set('decoder.safetensors', junk);
    config.files.decoder.bytes = junk.length;
    config.files.decoder.sha256 = await sha256Hex(junk);
    dir.set('model.json', new TextEncoder().encode(JSON.stringify(config)));
    const e = await weightsRejection(loadModelFromFiles(memoryReader(dir)));
    expect(e.code).toBe('not-safetensors');
    expect(e.file).toBe('decoder.safetensors');
  });
});

describe('sharded model files (CDN per-file limits)', () => {
  const MAX = 1 << 20;
  async function shardedVideoDir(): Promise<Map<string, Uint8Array>> {
    return asDir(await writeModel(videoWeights(), { name: 'v' }, { dtype: 'float32', maxFileBytes: MAX }));
  }
  const configOf = (dir: Map<string, Uint8Array>) => JSON.parse(new TextDecoder().decode(dir.get('model.json')!));

  it('writes pieces of at most maxFileBytes in place of large files, and loads the same weights', async () => {
    const weights = videoWeights();
    const whole = asDir(await writeModel(weights, { name: 'v' }, { dtype: 'float32' }));
    const dir = await shardedVideoDir();
    const config = configOf(dir);
    const decoder = config.files.decoder;
    expect(dir.has('decoder.safetensors')).toBe(false);
    expect(decoder.shards.length).toBe(Math.ceil(whole.get('decoder.safetensors')!.length / MAX));
    expect(decoder.shards.every((s: { bytes: number }) => s.bytes <= MAX)).toBe(true);
    // The whole-file size and hash stay those of the unsharded file.
    const { shards, ...rest } = decoder;
    expect(rest).toEqual(configOf(whole).files.decoder);
    expect(shards[0].path).toBe('decoder.safetensors.part-1');
    const loaded = await loadModelFromFiles(memoryReader(dir));
    if (loaded.config.variant !== 'video') throw new Error('expected video');
    expectSameValues(loaded.weights.decoder, weights.decoder);
    expectSameValues(loaded.weights.encoder, weights.encoder);
  });

  it('leaves a file within the limit whole', async () => {
    const bytes = new Uint8Array(10);
    const entry = { path: 'a.safetensors', dtype: 'float16' as const, bytes: 10, sha256: await sha256Hex(bytes) };
    const out = await shardModelFile(entry, bytes, 10);
    expect(out.entry).toEqual(entry);
    expect(out.files.map((f) => f.path)).toEqual(['a.safetensors']);
    await expect(shardModelFile(entry, bytes, 0)).rejects.toThrow(InvalidArgumentError);
  });

  it('a corrupted shard is checksum-mismatch naming that shard', async () => {
    const dir = await shardedVideoDir();
    const piece = dir.get('decoder.safetensors.part-2')!.slice();
    piece[0] ^= 1;
    dir.set('decoder.safetensors.part-2', piece);
    const e = await weightsRejection(loadModelFromFiles(memoryReader(dir)));
    expect(e.code).toBe('checksum-mismatch');
    expect(e.file).toBe('decoder.safetensors.part-2');
    expect(e.message).toMatch(/model\.json says files\.decoder\.shards\[1\] is [0-9a-f]{64}/);
  });

  it('a missing shard is missing-file, saying which piece', async () => {
    const dir = await shardedVideoDir();
    dir.delete('decoder.safetensors.part-1');
    const e = await weightsRejection(loadModelFromFiles(memoryReader(dir)));
    expect(e.code).toBe('missing-file');
    expect(e.message).toMatch(/^decoder\.safetensors\.part-1: missing \(shard 1 of \d+ of files\.decoder in model\.json\)/);
  });

  it('shards in the wrong order pass their own checks but fail the whole-file sha256', async () => {
    const dir = await shardedVideoDir();
    const config = configOf(dir);
    const shards = config.files.decoder.shards;
    [shards[0], shards[1]] = [shards[1], shards[0]];
    dir.set('model.json', new TextEncoder().encode(JSON.stringify(config)));
    const e = await weightsRejection(loadModelFromFiles(memoryReader(dir)));
    expect(e.code).toBe('checksum-mismatch');
    expect(e.message).toMatch(
      /^decoder\.safetensors \(joined from \d+ shards\): sha256 is [0-9a-f]{64} but model\.json says files\.decoder is/,
    );
  });
});
