/**
 * safetensors reader and writer (https://github.com/huggingface/safetensors, format as of 0.4).
 *
 * Layout: u64 little-endian header length N, N bytes of UTF-8 JSON
 * `{ "<name>": { "dtype": "F16", "shape": [..], "data_offsets": [begin, end] }, "__metadata__": {..} }`,
 * then the byte buffer the offsets point into. The reader validates as strictly as the reference
 * implementation (offsets tile the buffer with no gap or overlap, sizes match shapes) because a file that
 * fails here would fail in every other safetensors tool too; the writer produces what the reference writes.
 * Since the offsets must tile the data exactly, no header can make the reader allocate more than the file's
 * own size (times 4 for 1-byte dtypes widened to float32); all of it is checked before anything is allocated.
 */
import { asBytes, assertFinite, DTYPE_BYTES, HOST_LITTLE_ENDIAN, widenToFloat32 } from './dtype.js';
import { fileLabel, preview, WeightsError } from './errors.js';
import { float32ToFloat16Bits, FLOAT16_MAX } from './float16.js';
import type { StorageDtype, WeightMap, WeightTensor } from './types.js';

export interface SafetensorsContents {
  /** Tensors in file (data offset) order, widened to float32. */
  readonly tensors: WeightMap;
  /** The stored dtype of each tensor. */
  readonly dtypes: ReadonlyMap<string, StorageDtype>;
  /** `__metadata__` (string → string), empty when absent. */
  readonly metadata: Readonly<Record<string, string>>;
}

export interface ReadSafetensorsOptions {
  /** Named in error messages. */
  readonly file?: string;
  /** Largest element count of one tensor (default: no bound beyond the file's own size, which every tensor's bytes must fit). */
  readonly maxTensorElements?: number;
  /** Keep NaN and ±Infinity instead of throwing 'non-finite' (to inspect a broken file). */
  readonly allowNonFinite?: boolean;
}

export interface WriteSafetensorsOptions {
  /** Storage dtype for every tensor (default float32). */
  readonly dtype?: 'float32' | 'float16';
  /** Stored as `__metadata__`; values must be strings (the format's rule). */
  readonly metadata?: Readonly<Record<string, string>>;
}

const FORMAT_TO_DTYPE: Readonly<Record<string, StorageDtype>> = {
  F64: 'float64',
  F32: 'float32',
  F16: 'float16',
  BF16: 'bfloat16',
  I64: 'int64',
  I32: 'int32',
  I16: 'int16',
  I8: 'int8',
  U8: 'uint8',
  BOOL: 'bool',
};

/** Formats the spec defines that cannot be widened to float32 meaningfully here. */
const KNOWN_UNSUPPORTED = new Set(['U16', 'U32', 'U64', 'F8_E4M3', 'F8_E5M2', 'F8_E8M0', 'F4', 'F6_E2M3', 'F6_E3M2', 'C64']);

/** The reference implementation refuses headers above 100 MB; so do we, which also catches non-safetensors input. */
const MAX_HEADER_BYTES = 100_000_000;

export function readSafetensors(input: Uint8Array | ArrayBuffer, options: ReadSafetensorsOptions = {}): SafetensorsContents {
  const bytes = asBytes(input);
  const label = fileLabel(options.file);
  const fail = (code: 'truncated' | 'corrupt' | 'not-safetensors' | 'unsupported-dtype' | 'limit-exceeded', message: string) =>
    new WeightsError(code, label + message, { file: options.file });

  if (bytes.length < 8) {
    throw fail(
      'truncated',
      `${bytes.length} bytes long; a safetensors file starts with an 8-byte header length (truncated or empty file?)`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const high = view.getUint32(4, true);
  const headerLength = view.getUint32(0, true) + high * 2 ** 32;
  const available = bytes.length - 8;
  if (high !== 0 || headerLength > MAX_HEADER_BYTES || headerLength < 2 || (available > 0 && bytes[8] !== 0x7b) /* { */) {
    throw fail('not-safetensors', `not a safetensors file${formatHint(bytes)}`);
  }
  if (headerLength > available) {
    throw fail(
      'truncated',
      `header declares ${headerLength} bytes of JSON but only ${available} follow the length prefix (truncated file?)`,
    );
  }

  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength)));
  } catch (cause) {
    throw new WeightsError('corrupt', `${label}safetensors header is not valid UTF-8 JSON (${(cause as Error).message})`, {
      file: options.file,
      cause,
    });
  }
  if (!isPlainObject(header)) throw fail('corrupt', 'safetensors header is not a JSON object');

  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;
  let metadata: Record<string, string> = {};
  const entries: Array<{ name: string; dtype: StorageDtype; shape: number[]; begin: number; end: number }> = [];

  for (const [name, raw] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = parseMetadata(raw, (m) => fail('corrupt', m));
      continue;
    }
    if (!isPlainObject(raw)) throw fail('corrupt', `header entry \`${name}\` is not an object`);
    const format = raw['dtype'];
    if (typeof format !== 'string') throw fail('corrupt', `tensor \`${name}\` has no dtype`);
    const dtype = FORMAT_TO_DTYPE[format];
    if (dtype === undefined) {
      throw fail(
        'unsupported-dtype',
        `tensor \`${name}\` has dtype ${format}, which ${KNOWN_UNSUPPORTED.has(format) ? 'this reader does not widen to float32' : 'is not a safetensors dtype'}; supported: ${Object.keys(FORMAT_TO_DTYPE).join(', ')}`,
      );
    }
    const shape = raw['shape'];
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw fail('corrupt', `tensor \`${name}\` has an invalid shape ${preview(shape)}`);
    }
    const offsets = raw['data_offsets'];
    if (
      !Array.isArray(offsets) ||
      offsets.length !== 2 ||
      !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) ||
      offsets[0] > offsets[1]
    ) {
      throw fail('corrupt', `tensor \`${name}\` has invalid data_offsets ${preview(offsets)}`);
    }
    const [begin, end] = offsets as [number, number];
    const numel = (shape as number[]).reduce((a, b) => a * b, 1);
    if (options.maxTensorElements !== undefined && numel > options.maxTensorElements) {
      throw fail(
        'limit-exceeded',
        `tensor \`${name}\` [${shape.join(', ')}] has ${numel} elements, more than this reader materialises for one tensor (${options.maxTensorElements})`,
      );
    }
    const expectedBytes = numel * DTYPE_BYTES[dtype];
    if (end - begin !== expectedBytes) {
      throw fail(
        'corrupt',
        `tensor \`${name}\` (${format} [${shape.join(', ')}]) needs ${expectedBytes} bytes but its data_offsets [${begin}, ${end}] span ${end - begin}`,
      );
    }
    entries.push({ name, dtype, shape: shape as number[], begin, end });
  }

  // The offsets must tile [0, dataLength) exactly: overlaps and gaps mean a corrupt writer, a short buffer a truncated file.
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  for (const e of entries) {
    if (e.begin < cursor)
      throw fail('corrupt', `tensor \`${e.name}\` overlaps the previous tensor (data_offsets begin ${e.begin} < ${cursor})`);
    if (e.begin > cursor)
      throw fail(
        'corrupt',
        `gap of ${e.begin - cursor} bytes before tensor \`${e.name}\` (data_offsets begin ${e.begin}, expected ${cursor})`,
      );
    cursor = e.end;
  }
  if (cursor > dataLength) {
    throw fail('truncated', `tensor data needs ${cursor} bytes after the header but the file has ${dataLength} (truncated file?)`);
  }
  if (cursor < dataLength) throw fail('corrupt', `${dataLength - cursor} unexpected bytes after the last tensor`);

  const tensors = new Map<string, WeightTensor>();
  const dtypes = new Map<string, StorageDtype>();
  for (const e of entries) {
    const numel = (e.end - e.begin) / DTYPE_BYTES[e.dtype];
    const data = widenToFloat32(bytes.subarray(dataStart + e.begin, dataStart + e.end), e.dtype, numel);
    if (options.allowNonFinite !== true) assertFinite(data, e.dtype, e.name, options.file);
    tensors.set(e.name, { shape: e.shape, data });
    dtypes.set(e.name, e.dtype);
  }
  return { tensors, dtypes, metadata };
}

export function writeSafetensors(
  tensors: WeightMap | Iterable<readonly [string, WeightTensor]>,
  options: WriteSafetensorsOptions = {},
): Uint8Array {
  const dtype = options.dtype ?? 'float32';
  const elementBytes = dtype === 'float16' ? 2 : 4;
  // Sorted by name, as the reference writer does for single-dtype files, so equal inputs give equal bytes (and sha256).
  const list = [...tensors].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

  const header: Record<string, unknown> = {};
  if (options.metadata !== undefined && Object.keys(options.metadata).length > 0) {
    for (const [k, v] of Object.entries(options.metadata)) {
      if (typeof v !== 'string') throw new WeightsError('corrupt', `safetensors metadata value \`${k}\` must be a string, got ${typeof v}`);
    }
    header['__metadata__'] = options.metadata;
  }
  let offset = 0;
  for (const [name, tensor] of list) {
    if (name === '__metadata__') throw new WeightsError('corrupt', 'a tensor cannot be named `__metadata__` in safetensors');
    const numel = tensor.shape.reduce((a, b) => a * b, 1);
    if (numel !== tensor.data.length) {
      throw new WeightsError(
        'corrupt',
        `tensor \`${name}\` has shape [${tensor.shape.join(', ')}] (${numel} values) but ${tensor.data.length} values`,
      );
    }
    header[name] = {
      dtype: dtype === 'float16' ? 'F16' : 'F32',
      shape: [...tensor.shape],
      data_offsets: [offset, offset + numel * elementBytes],
    };
    offset += numel * elementBytes;
  }

  const json = new TextEncoder().encode(JSON.stringify(header));
  // Pad with spaces so the data starts 8-byte aligned, as the reference writer does (readers may map it directly).
  const headerLength = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + headerLength + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, headerLength % 2 ** 32, true);
  view.setUint32(4, Math.floor(headerLength / 2 ** 32), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLength);

  let position = 8 + headerLength;
  for (const [name, tensor] of list) {
    const data = tensor.data;
    if (dtype === 'float32') {
      if (HOST_LITTLE_ENDIAN) out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), position);
      else for (let i = 0; i < data.length; i++) view.setFloat32(position + 4 * i, data[i], true);
      position += data.length * 4;
    } else {
      // position is even (8-aligned start, 2-byte elements), so a Uint16Array view on `out` is legal.
      const halves = HOST_LITTLE_ENDIAN ? new Uint16Array(out.buffer, position, data.length) : undefined;
      for (let i = 0; i < data.length; i++) {
        const value = data[i];
        const bits = float32ToFloat16Bits(value);
        if ((bits & 0x7fff) === 0x7c00 && Number.isFinite(value)) {
          throw new WeightsError(
            'float16-overflow',
            `tensor \`${name}\` value ${value} at index ${i} is outside the float16 range (±${FLOAT16_MAX}); store it as float32`,
          );
        }
        if (halves !== undefined) halves[i] = bits;
        else view.setUint16(position + 2 * i, bits, true);
      }
      position += data.length * 2;
    }
  }
  return out;
}

function parseMetadata(raw: unknown, fail: (message: string) => Error): Record<string, string> {
  if (!isPlainObject(raw)) throw fail('`__metadata__` is not an object');
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (typeof v !== 'string') throw fail(`\`__metadata__.${k}\` is not a string`);
    out[k] = v;
  }
  return out;
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** A hint for the commonest mix-up: a PyTorch checkpoint passed where safetensors was expected. */
function formatHint(bytes: Uint8Array): string {
  if (bytes[0] === 0x50 && bytes[1] === 0x4b) return ' (it is a zip archive: a PyTorch ≥1.6 .pth checkpoint? read it with readPth)';
  if (bytes[0] === 0x80 && bytes[1] <= 5) return ' (it is a Python pickle: a legacy PyTorch .pth checkpoint? read it with readPth)';
  return ' (the first 8 bytes must be a little-endian header length followed by a JSON object)';
}
