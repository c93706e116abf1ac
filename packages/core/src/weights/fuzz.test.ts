/**
 * Fuzzing the loaders (issue 19): seeded mutations of small real inputs — torch-written .pth files in both
 * formats, a safetensors file and a model.json — each read under a time bound, the whole run under a memory
 * bound. Every case must end in a valid load or a WeightsError naming the file: never a hang, a crash, another
 * error type or a large allocation. Deterministic (fixed seeds), ~400 cases, a few seconds.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WeightsError } from './errors.js';
import { buildModelConfig, loadModelFromFiles } from './model-files.js';
import { parseModelJson, serializeModelJson } from './model-json.js';
import { readPth } from './pth.js';
import { readWeights } from './read-weights.js';
import { readSafetensors, writeSafetensors } from './safetensors.js';
import { sha256Hex } from './sha256.js';
import {
  flipBytes,
  inflateField,
  inflateJsonNumber,
  inflateSafetensors,
  pickleFields,
  repeatSlice,
  repeatZipEntry,
  resealedZipEntry,
  seeded,
  truncate,
  zipFields,
  type Mutation,
} from './test-utils/fuzz.js';
import { fixturePath } from './test-utils/paths.js';
import { crc32 } from './zip.js';
import type { ComponentName, WeightMap } from './types.js';

const CASES_PER_INPUT = 100;
/** Per case; real reads take well under 10 ms, so this only trips on super-linear work (a loaded CI box included). */
const CASE_MS = 1500;
/** Peak RSS growth over the whole run: inputs are a few KB, so any large allocation shows. */
const RSS_GROWTH_MB = 256;

const parity = (name: string) => new Uint8Array(readFileSync(resolve(fixturePath('.'), '../../__fixtures__/parity', name)));

/** Checks a load's result is sound (shapes match data, values finite) and returns how many tensors it had. */
function checkMap(tensors: WeightMap): number {
  for (const [key, t] of tensors) {
    expect(t.data, key).toBeInstanceOf(Float32Array);
    expect(
      t.shape.reduce((a, b) => a * b, 1),
      key,
    ).toBe(t.data.length);
    for (const v of t.data) if (!Number.isFinite(v)) throw new Error(`${key} holds ${v} after a load that should refuse it`);
  }
  return tensors.size;
}

interface Tally {
  readonly outcomes: Map<string, number>;
}

/** Runs one case: a load or a WeightsError naming `file` (or one of `others`), within CASE_MS. */
async function runCase(tally: Tally, label: string, file: string, read: () => unknown, others: readonly string[] = []): Promise<void> {
  const start = performance.now();
  let outcome: string;
  try {
    await read();
    outcome = 'loaded';
  } catch (e) {
    if (!(e instanceof WeightsError))
      throw new Error(`${label}: not a WeightsError: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
    expect([file, ...others], `${label}: ${e.message}`).toContain(e.file);
    expect(e.message.startsWith(`${e.file}: `), `${label}: ${e.message}`).toBe(true);
    outcome = e.code;
  }
  const ms = performance.now() - start;
  expect(ms, `${label} (${outcome}) took ${ms.toFixed(0)} ms`).toBeLessThan(CASE_MS);
  tally.outcomes.set(outcome, (tally.outcomes.get(outcome) ?? 0) + 1);
}

/** `CASES_PER_INPUT` seeded cases: one mutation each (in turn), a second on top in about a third of them. */
async function fuzz(
  name: string,
  seed: number,
  original: Uint8Array,
  mutations: readonly Mutation[],
  read: (bytes: Uint8Array) => unknown,
  others: readonly string[] = [],
): Promise<Tally> {
  const tally: Tally = { outcomes: new Map() };
  for (let i = 0; i < CASES_PER_INPUT; i++) {
    const rand = seeded(seed * 1000 + i);
    let bytes = mutations[i % mutations.length](original, rand);
    if (rand() < 0.33) bytes = mutations[Math.floor(rand() * mutations.length)](bytes, rand);
    await runCase(tally, `${name} case ${i} (seed ${seed * 1000 + i})`, name, () => read(bytes), others);
  }
  summary.push(`${name}: ${[...tally.outcomes].map(([k, n]) => `${k} ${n}`).join(', ')}`);
  return tally;
}

const summary: string[] = [];

const genericMutations: Mutation[] = [truncate, flipBytes, repeatSlice];

function smallSafetensors(): Uint8Array {
  return writeSafetensors(
    new Map([
      ['conv.weight', { shape: [2, 3, 3, 3], data: Float32Array.from({ length: 54 }, (_, i) => Math.sin(i)) }],
      ['conv.bias', { shape: [2], data: new Float32Array([0.5, -0.25]) }],
      ['scale', { shape: [], data: new Float32Array([3]) }],
    ]),
  );
}

describe('fuzzing the weight loaders', () => {
  const rssBefore = process.resourceUsage().maxRSS;

  it('a torch-written zip .pth', async () => {
    const original = parity('seeded-zip.pth');
    expect(checkMap(readPth(original).tensors)).toBeGreaterThan(0);
    const fields = zipFields(original);
    // Damage behind the CRC: data.pkl's opcodes flipped or its lengths inflated, then the CRC fixed up.
    const pickle: Mutation = (b, r) =>
      resealedZipEntry(b, r, /data\.pkl$/, (d, r2) => (r2() < 0.5 ? flipBytes(d, r2) : inflateField(d, r2, pickleFields(d))), crc32);
    const tally = await fuzz(
      'seeded-zip.pth',
      1,
      original,
      [...genericMutations, (b, r) => inflateField(b, r, fields), pickle, pickle, repeatZipEntry],
      (bytes) => checkMap(readPth(bytes, { file: 'seeded-zip.pth' }).tensors),
    );
    // The mutations must reach past the first checks: several distinct failures, including the new bounds.
    expect(tally.outcomes.size, JSON.stringify([...tally.outcomes])).toBeGreaterThanOrEqual(3);
    expect(tally.outcomes.get('corrupt')).toBeGreaterThan(0);
  });

  it('a torch-written legacy .pth', async () => {
    const original = parity('seeded-legacy.pth');
    expect(checkMap(readPth(original).tensors)).toBeGreaterThan(0);
    const tally = await fuzz(
      'seeded-legacy.pth',
      2,
      original,
      [...genericMutations, (b, r) => inflateField(b, r, pickleFields(b))],
      (bytes) => checkMap(readWeights(bytes, { file: 'seeded-legacy.pth' }).tensors),
    );
    expect(tally.outcomes.size, JSON.stringify([...tally.outcomes])).toBeGreaterThanOrEqual(3);
  });

  it('a safetensors file', async () => {
    const original = smallSafetensors();
    const tally = await fuzz('small.safetensors', 3, original, [...genericMutations, inflateSafetensors], (bytes) =>
      checkMap(readSafetensors(bytes, { file: 'small.safetensors' }).tensors),
    );
    expect(tally.outcomes.size, JSON.stringify([...tally.outcomes])).toBeGreaterThanOrEqual(3);
  });

  it('a model.json, parsed and then loaded over its (small) files', async () => {
    // A model directory whose files are tiny safetensors with the right checksums: a mutated model.json that
    // still parses goes on to the file checks, the checksum and the layout validation.
    const files = new Map<string, Uint8Array>();
    const entries: Partial<Record<ComponentName, { path: string; dtype: 'float32'; bytes: number; sha256: string }>> = {};
    for (const component of ['encoder', 'transformer', 'adaattn3', 'decoder'] as const) {
      const bytes = smallSafetensors();
      files.set(`${component}.safetensors`, bytes);
      entries[component] = { path: `${component}.safetensors`, dtype: 'float32', bytes: bytes.length, sha256: await sha256Hex(bytes) };
    }
    const original = new TextEncoder().encode(serializeModelJson(buildModelConfig({ name: 'fuzz', variant: 'image' }, entries)));
    parseModelJson(original);
    const text: Mutation = (b, r) => new TextEncoder().encode(inflateJsonNumber(new TextDecoder().decode(b), r));
    const tally = await fuzz(
      'model.json',
      4,
      original,
      [...genericMutations, text, text],
      async (bytes) => {
        files.set('model.json', bytes);
        await loadModelFromFiles(async (path) => {
          const found = files.get(path);
          if (found === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
          return found;
        });
      },
      [...files.keys()],
    );
    expect(tally.outcomes.get('invalid-model-json')).toBeGreaterThan(0);
  });

  it(`kept peak memory within ${RSS_GROWTH_MB} MB over all cases`, () => {
    expect((process.resourceUsage().maxRSS - rssBefore) / 1024).toBeLessThan(RSS_GROWTH_MB);
    console.log(`fuzz outcomes — ${summary.join('; ')}`);
  });
});
