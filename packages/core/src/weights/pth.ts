/**
 * PyTorch checkpoint (.pth) reader for state_dicts, in both on-disk formats, without executing anything.
 *
 * - zip (PyTorch ≥ 1.6): `<archive>/data.pkl` is the pickled state_dict, tensors refer to storages by
 *   persistent id `('storage', torch.FloatStorage, key, location, numel)`, whose bytes are `<archive>/data/<key>`.
 * - legacy (< 1.6, e.g. the authors' vgg_normalised.pth): five things back to back — a pickled magic number,
 *   the protocol version (1001), a sys_info dict, the state_dict pickle (persistent ids carry an extra
 *   view-metadata field), the pickled list of storage keys, then each storage's raw bytes preceded by its
 *   element count as int64.
 *
 * Tensors are views (offset, size, stride) into storages; each is materialised as a contiguous row-major
 * Float32Array, so transposed, sliced or expanded tensors come out as torch would print them.
 *
 * Nothing is allocated for a tensor until every tensor's element count has been checked: against its storage
 * (which the file's bytes bound), against `maxTensorElements`, and in total against the storages' elements plus
 * EXPANSION_ALLOWANCE (expand()ed or shared views are legal but rare; without this, a 1.6 KB file of stride-0
 * views could ask for gigabytes).
 */
import { asBytes, assertFinite, DTYPE_BYTES, widenToFloat32 } from './dtype.js';
import { fileLabel, WeightsError } from './errors.js';
import { PyCallable, PyDict, unpickle } from './pickle.js';
import type { StorageDtype, WeightMap, WeightTensor } from './types.js';
import { isZip, readZip } from './zip.js';

export interface PthContents {
  /** Tensors in the checkpoint's key order, `module.` prefixes stripped, widened to float32. */
  readonly tensors: WeightMap;
  /** The storage dtype each tensor had. */
  readonly dtypes: ReadonlyMap<string, StorageDtype>;
  readonly format: 'zip' | 'legacy';
}

export interface ReadPthOptions {
  /** Named in error messages. */
  readonly file?: string;
  /**
   * Largest element count of one tensor (default 2^30, the most a Float32Array of 4 GiB holds). Loaders that
   * know the model pass its largest tensor, so a wrong or hostile file fails before any allocation.
   */
  readonly maxTensorElements?: number;
  /** Keep NaN and ±Infinity instead of throwing 'non-finite' (to inspect a broken checkpoint). */
  readonly allowNonFinite?: boolean;
}

const STORAGE_DTYPES: Readonly<Record<string, StorageDtype>> = {
  FloatStorage: 'float32',
  HalfStorage: 'float16',
  BFloat16Storage: 'bfloat16',
  DoubleStorage: 'float64',
  LongStorage: 'int64',
  IntStorage: 'int32',
  ShortStorage: 'int16',
  CharStorage: 'int8',
  ByteStorage: 'uint8',
  BoolStorage: 'bool',
};

/** The magic number legacy torch.save pickles first (0x1950a86a20f9469cfc6c). */
const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;
const LEGACY_PROTOCOL = 1001;

/** 2^30 float32 values = 4 GiB; the largest official tensor has 2.4 M. */
export const MAX_TENSOR_ELEMENTS = 2 ** 30;

/** Elements a checkpoint may materialise beyond what its storages hold (64 MiB of float32), for expanded or shared views. */
export const EXPANSION_ALLOWANCE = 2 ** 24;

class StorageType {
  constructor(readonly dtype: StorageDtype) {}
}

/** A storage as the pickle names it; `bytes` is filled in when its data is located (immediately for zip). */
class StorageRef {
  bytes: Uint8Array | undefined;
  private widened: Float32Array | undefined;
  constructor(
    readonly key: string,
    readonly dtype: StorageDtype,
    readonly numel: number,
  ) {}
  values(): Float32Array {
    if (this.widened === undefined) this.widened = widenToFloat32(this.bytes!, this.dtype, this.numel);
    return this.widened;
  }
}

/** A legacy storage view (pre-0.4 files): a window of a root storage. */
class StorageView {
  constructor(
    readonly root: StorageRef,
    readonly offset: number,
    readonly numel: number,
  ) {}
}

class TensorRef {
  constructor(
    readonly storage: StorageRef | StorageView,
    readonly offset: number,
    readonly shape: readonly number[],
    readonly stride: readonly number[],
  ) {}
}

export function isPth(bytes: Uint8Array): boolean {
  return isZip(bytes) || (bytes.length >= 2 && bytes[0] === 0x80 && bytes[1] >= 2 && bytes[1] <= 5);
}

export function readPth(input: Uint8Array | ArrayBuffer, options: ReadPthOptions = {}): PthContents {
  const bytes = asBytes(input);
  const file = options.file;
  try {
    return readAnyPth(bytes, file, options);
  } catch (error) {
    // The whitelisted callables run without knowing the file: add its name to their messages here.
    if (error instanceof WeightsError && error.file === undefined && file !== undefined) {
      throw new WeightsError(error.code, `${fileLabel(file)}${error.message}`, { file, cause: error });
    }
    throw error;
  }
}

function readAnyPth(bytes: Uint8Array, file: string | undefined, options: ReadPthOptions): PthContents {
  if (isZip(bytes)) return readZipPth(bytes, file, options);
  if (bytes.length >= 2 && bytes[0] === 0x80) return readLegacyPth(bytes, file, options);
  if (bytes.length >= 262 && new TextDecoder().decode(bytes.subarray(257, 262)) === 'ustar') {
    throw new WeightsError(
      'unsupported-format',
      `${fileLabel(file)}tar-format PyTorch checkpoint (PyTorch < 0.1.10) is not supported; load and re-save it with a newer torch`,
      { file },
    );
  }
  if (bytes.length < 2)
    throw new WeightsError('truncated', `${fileLabel(file)}${bytes.length} bytes long: empty or truncated checkpoint`, { file });
  const hint =
    bytes[0] === 0x7b || (bytes.length > 8 && bytes[8] === 0x7b) ? ' (it looks like safetensors: read it with readSafetensors)' : '';
  throw new WeightsError('not-pth', `${fileLabel(file)}not a PyTorch checkpoint: neither a zip archive nor a pickle${hint}`, { file });
}

function readZipPth(bytes: Uint8Array, file: string | undefined, options: ReadPthOptions): PthContents {
  const entries = readZip(bytes, { file });
  // The archive folder is named after the file torch saved to (often `archive`), so find it rather than assume it.
  const pickles = [...entries.keys()].filter((n) => /^[^/]+\/data\.pkl$/.test(n));
  if (pickles.length !== 1) {
    throw new WeightsError(
      'not-pth',
      `${fileLabel(file)}zip archive is not a PyTorch checkpoint: expected one \`<name>/data.pkl\`, found ${pickles.length === 0 ? 'none' : pickles.join(', ')}`,
      { file },
    );
  }
  const prefix = pickles[0].slice(0, -'data.pkl'.length);
  const byteorder = entries.get(`${prefix}byteorder`);
  if (byteorder !== undefined && new TextDecoder().decode(byteorder.data).trim() !== 'little') {
    throw new WeightsError('unsupported-format', `${fileLabel(file)}big-endian PyTorch checkpoint; re-save it on a little-endian machine`, {
      file,
    });
  }

  const storages = new Map<string, StorageRef>();
  const persistentLoad = (pid: unknown): unknown => {
    const [type, key, numel] = expectStoragePid(pid, file);
    let storage = storages.get(key);
    if (storage === undefined) {
      storage = new StorageRef(key, type.dtype, numel);
      const entry = entries.get(`${prefix}data/${key}`);
      if (entry === undefined) throw corrupt(file, `storage \`${key}\` has no \`${prefix}data/${key}\` record`);
      const needed = numel * DTYPE_BYTES[type.dtype];
      if (entry.data.length < needed) {
        throw corrupt(file, `storage \`${key}\` needs ${needed} bytes (${numel} × ${type.dtype}) but its record has ${entry.data.length}`);
      }
      storage.bytes = entry.data;
      storages.set(key, storage);
    }
    return storage;
  };
  const { value } = unpickle(entries.get(pickles[0])!.data, 0, { findGlobal, persistentLoad, file, what: pickles[0] });
  return collect(value, 'zip', file, options);
}

function readLegacyPth(bytes: Uint8Array, file: string | undefined, options: ReadPthOptions): PthContents {
  const headerOptions = { findGlobal, file, what: 'legacy checkpoint header' };
  const magic = unpickle(bytes, 0, headerOptions);
  if (magic.value !== LEGACY_MAGIC) {
    throw new WeightsError(
      'not-pth',
      `${fileLabel(file)}a Python pickle, but not a PyTorch checkpoint (no torch magic number): this reader only loads state_dicts saved with torch.save`,
      { file },
    );
  }
  const protocol = unpickle(bytes, magic.end, headerOptions);
  if (protocol.value !== LEGACY_PROTOCOL) {
    throw new WeightsError(
      'unsupported-format',
      `${fileLabel(file)}legacy checkpoint protocol ${String(protocol.value)} (expected ${LEGACY_PROTOCOL})`,
      { file },
    );
  }
  const sysInfo = unpickle(bytes, protocol.end, headerOptions);
  if (sysInfo.value instanceof PyDict && sysInfo.value.items.get('little_endian') === false) {
    throw new WeightsError('unsupported-format', `${fileLabel(file)}big-endian PyTorch checkpoint; re-save it on a little-endian machine`, {
      file,
    });
  }

  const storages = new Map<string, StorageRef>();
  const persistentLoad = (pid: unknown): unknown => {
    const [type, key, numel, viewMetadata] = expectStoragePid(pid, file);
    let root = storages.get(key);
    if (root === undefined) {
      root = new StorageRef(key, type.dtype, numel);
      storages.set(key, root);
    }
    if (viewMetadata === null || viewMetadata === undefined) return root;
    // (view_key, offset, view_size): torch < 0.4 could save a window of a storage as a storage of its own.
    if (!Array.isArray(viewMetadata) || viewMetadata.length !== 3 || !isCount(viewMetadata[1]) || !isCount(viewMetadata[2])) {
      throw corrupt(file, `storage \`${key}\` has malformed view metadata`);
    }
    return new StorageView(root, viewMetadata[1], viewMetadata[2]);
  };
  const main = unpickle(bytes, sysInfo.end, { findGlobal, persistentLoad, file, what: 'state_dict pickle' });
  const keyList = unpickle(bytes, main.end, { findGlobal, file, what: 'storage key list' });
  if (!Array.isArray(keyList.value) || !keyList.value.every((k) => typeof k === 'string')) {
    throw corrupt(file, 'the storage key list after the state_dict is not a list of strings');
  }

  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = keyList.end;
  const listed = new Set<string>();
  for (const key of keyList.value as string[]) {
    const storage = storages.get(key);
    if (storage === undefined) throw corrupt(file, `storage \`${key}\` is listed but no tensor refers to it`);
    if (listed.has(key)) throw corrupt(file, `storage \`${key}\` is listed twice`);
    listed.add(key);
    if (pos + 8 > bytes.length) throw truncatedAt(file, `storage \`${key}\`'s element count`, pos);
    const low = view.getUint32(pos, true);
    const high = view.getInt32(pos + 4, true);
    const count = high * 2 ** 32 + low;
    if (count !== storage.numel) {
      throw corrupt(file, `storage \`${key}\` holds ${count} elements but the state_dict declared ${storage.numel}`);
    }
    pos += 8;
    const length = count * DTYPE_BYTES[storage.dtype];
    if (pos + length > bytes.length) throw truncatedAt(file, `storage \`${key}\` (${length} bytes)`, pos);
    storage.bytes = bytes.subarray(pos, pos + length);
    pos += length;
  }
  for (const storage of storages.values()) {
    if (storage.bytes === undefined) throw corrupt(file, `storage \`${storage.key}\` is used by a tensor but its data is missing`);
  }
  return collect(main.value, 'legacy', file, options);
}

/** Checks a `('storage', StorageType, key, location, numel[, view_metadata])` persistent id. */
function expectStoragePid(pid: unknown, file: string | undefined): [StorageType, string, number, unknown] {
  if (!Array.isArray(pid) || pid[0] !== 'storage') {
    throw new WeightsError(
      'unsafe-pickle',
      `${fileLabel(file)}unsupported persistent id ${describe(pid)}: only tensor storages are allowed`,
      { file },
    );
  }
  if (pid.length < 5 || !(pid[1] instanceof StorageType) || typeof pid[2] !== 'string' || !isCount(pid[4])) {
    throw corrupt(file, `malformed storage persistent id ${describe(pid)}`);
  }
  return [pid[1], pid[2], pid[4], pid[5]];
}

/** The whitelist: the only globals a state_dict pickle may name. */
function findGlobal(module: string, name: string): unknown {
  if (module === 'collections' && name === 'OrderedDict') return ORDERED_DICT;
  if (module === 'torch._utils') {
    if (name === '_rebuild_tensor_v2' || name === '_rebuild_tensor') return REBUILD_TENSOR;
    if (name === '_rebuild_parameter' || name === '_rebuild_parameter_with_state') return REBUILD_PARAMETER;
  }
  if (module === 'torch' && name.endsWith('Storage')) {
    const dtype = STORAGE_DTYPES[name];
    if (dtype === undefined) {
      throw new WeightsError(
        'unsupported-dtype',
        `checkpoint uses torch.${name}, which cannot be widened to float32 (supported: ${Object.keys(STORAGE_DTYPES).join(', ')})`,
      );
    }
    return new StorageType(dtype);
  }
  if (module === '_codecs' && name === 'encode') return CODECS_ENCODE;
  return undefined;
}

// collections.OrderedDict(): Python 3 pickles it empty then SETITEMS; Python 2 passes a list of [key, value] pairs.
const ORDERED_DICT = new PyCallable('collections.OrderedDict', (args) => {
  const dict = new PyDict();
  const items = args[0];
  if (Array.isArray(items)) {
    for (const pair of items) {
      if (!Array.isArray(pair) || pair.length !== 2) throw new WeightsError('corrupt', 'OrderedDict items are not (key, value) pairs');
      dict.items.set(pair[0], pair[1]);
    }
  }
  return dict;
});

// _rebuild_tensor_v2(storage, offset, size, stride, requires_grad, backward_hooks[, metadata]); v1 has the first four.
const REBUILD_TENSOR = new PyCallable('torch._utils._rebuild_tensor_v2', (args) => {
  const [storage, offset, size, stride] = args;
  if (!(storage instanceof StorageRef || storage instanceof StorageView))
    throw new WeightsError('corrupt', 'tensor rebuilt from something that is not a storage');
  if (!isCount(offset) || !isCountList(size) || !isCountList(stride) || size.length !== stride.length) {
    throw new WeightsError('corrupt', `tensor has malformed offset/size/stride (${describe([offset, size, stride])})`);
  }
  return new TensorRef(storage, offset, size, stride);
});

// _rebuild_parameter(data, requires_grad, backward_hooks): a Parameter is its tensor for our purposes.
const REBUILD_PARAMETER = new PyCallable('torch._utils._rebuild_parameter', (args) => {
  if (!(args[0] instanceof TensorRef)) throw new WeightsError('corrupt', 'parameter rebuilt from something that is not a tensor');
  return args[0];
});

// _codecs.encode(text, 'latin1'): how Python 3 writes `bytes` in protocol 2.
const CODECS_ENCODE = new PyCallable('_codecs.encode', (args) => {
  const text = args[0];
  if (typeof text !== 'string') throw new WeightsError('corrupt', '_codecs.encode of a non-string');
  return Uint8Array.from(text, (c) => c.charCodeAt(0) & 0xff);
});

/** Turns the unpickled top-level object into tensors: a state_dict, or a checkpoint dict holding one. */
function collect(value: unknown, format: 'zip' | 'legacy', file: string | undefined, options: ReadPthOptions): PthContents {
  if (!(value instanceof PyDict)) {
    throw new WeightsError('not-pth', `${fileLabel(file)}checkpoint does not hold a state_dict (top-level object is ${describe(value)})`, {
      file,
    });
  }
  let dict = value;
  const hasTensor = (d: PyDict) => [...d.items.values()].some((v) => v instanceof TensorRef);
  if (!hasTensor(dict)) {
    // Training checkpoints often wrap the weights: {'state_dict': {...}, 'epoch': 3}.
    for (const key of ['state_dict', 'model', 'net']) {
      const inner = dict.items.get(key);
      if (inner instanceof PyDict && hasTensor(inner)) {
        dict = inner;
        break;
      }
    }
  }

  // Every count is checked before anything is allocated.
  const planned: Array<{ key: string; tensor: TensorRef; numel: number }> = [];
  const roots = new Set<StorageRef>();
  const keys = new Set<string>();
  const maxTensor = Math.min(options.maxTensorElements ?? MAX_TENSOR_ELEMENTS, MAX_TENSOR_ELEMENTS);
  let total = 0;
  for (const [rawKey, item] of dict.items) {
    if (!(item instanceof TensorRef)) continue; // non-tensor entries (step counters, configs) are not weights
    if (typeof rawKey !== 'string') throw corrupt(file, `state_dict key ${describe(rawKey)} is not a string`);
    // nn.DataParallel saves `module.<name>`; the official names have no prefix.
    const key = rawKey.startsWith('module.') ? rawKey.slice('module.'.length) : rawKey;
    if (keys.has(key)) throw corrupt(file, `state_dict has both \`${key}\` and \`module.${key}\``);
    keys.add(key);
    const numel = checkExtent(item, key, file, maxTensor);
    roots.add(item.storage instanceof StorageView ? item.storage.root : item.storage);
    total += numel;
    planned.push({ key, tensor: item, numel });
  }
  let stored = 0;
  for (const root of roots) stored += root.numel;
  if (total > stored + EXPANSION_ALLOWANCE) {
    // Name the tensor that crosses the bound: the first expanded or shared view the reader would have copied out.
    let running = 0;
    const culprit = planned.find((p) => (running += p.numel) > stored + EXPANSION_ALLOWANCE)!;
    throw new WeightsError(
      'limit-exceeded',
      `${fileLabel(file)}tensor \`${culprit.key}\` [${culprit.tensor.shape.join(', ')}] brings the elements to materialise to ${running}, ` +
        `more than the file's storages hold (${stored}) plus ${EXPANSION_ALLOWANCE} for expanded or shared views; refusing before allocating`,
      { file },
    );
  }

  const tensors = new Map<string, WeightTensor>();
  const dtypes = new Map<string, StorageDtype>();
  for (const { key, tensor, numel } of planned) {
    const dtype = tensor.storage instanceof StorageView ? tensor.storage.root.dtype : tensor.storage.dtype;
    const data = materialise(tensor, numel);
    if (options.allowNonFinite !== true) assertFinite(data, dtype, key, file);
    tensors.set(key, { shape: [...tensor.shape], data });
    dtypes.set(key, dtype);
  }
  return { tensors, dtypes, format };
}

/** The tensor's element count, once its shape, strides and offset are known to stay inside its storage. */
function checkExtent(tensor: TensorRef, key: string, file: string | undefined, maxElements: number): number {
  const { shape, stride } = tensor;
  const base = (tensor.storage instanceof StorageView ? tensor.storage.offset : 0) + tensor.offset;
  const rootNumel = tensor.storage instanceof StorageView ? tensor.storage.root.numel : tensor.storage.numel;
  const limit = tensor.storage instanceof StorageView ? tensor.storage.offset + tensor.storage.numel : rootNumel;
  if (tensor.storage instanceof StorageView && limit > rootNumel) {
    throw corrupt(file, `tensor \`${key}\`: storage view exceeds its root storage`);
  }
  let numel = 1;
  for (const d of shape) numel *= d;
  if (numel === 0) return 0;
  if (numel > maxElements) {
    throw new WeightsError(
      'limit-exceeded',
      `${fileLabel(file)}tensor \`${key}\` [${shape.join(', ')}] has ${numel} elements, more than this reader materialises for one tensor (${maxElements})`,
      { file },
    );
  }
  let last = base;
  for (let d = 0; d < shape.length; d++) last += (shape[d] - 1) * stride[d];
  if (last >= limit) {
    throw corrupt(
      file,
      `tensor \`${key}\` [${shape.join(', ')}] with stride [${stride.join(', ')}] and offset ${tensor.offset} reads past its storage of ${limit} elements`,
    );
  }
  return numel;
}

/** Copies a strided view (already checked by checkExtent) out of its storage into a contiguous row-major array. */
function materialise(tensor: TensorRef, numel: number): Float32Array {
  const { shape, stride } = tensor;
  if (numel === 0) return new Float32Array(0);
  const source = tensor.storage instanceof StorageView ? tensor.storage.root : tensor.storage;
  const base = (tensor.storage instanceof StorageView ? tensor.storage.offset : 0) + tensor.offset;
  let contiguous = true;
  for (let d = shape.length - 1, expected = 1; d >= 0; d--) {
    if (shape[d] !== 1 && stride[d] !== expected) contiguous = false;
    expected *= shape[d];
  }
  // The common case (every tensor of an official checkpoint): widen straight from the file bytes, one copy.
  if (contiguous) {
    const size = DTYPE_BYTES[source.dtype];
    return widenToFloat32(source.bytes!.subarray(base * size, (base + numel) * size), source.dtype, numel);
  }
  const values = source.values();

  // Odometer over the index space: innermost dimension fastest, as in row-major order.
  const out = new Float32Array(numel);
  const rank = shape.length;
  const index = new Array<number>(rank).fill(0);
  let offset = base;
  for (let i = 0; i < numel; i++) {
    out[i] = values[offset];
    for (let d = rank - 1; d >= 0; d--) {
      index[d]++;
      offset += stride[d];
      if (index[d] < shape[d]) break;
      offset -= stride[d] * shape[d];
      index[d] = 0;
    }
  }
  return out;
}

function isCount(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

function isCountList(x: unknown): x is number[] {
  return Array.isArray(x) && x.every(isCount);
}

/** A short description of an unpickled value; shallow on purpose (a hostile pickle can nest or cycle without bound). */
function describe(x: unknown): string {
  if (x instanceof PyDict) return 'a dict';
  if (x instanceof TensorRef) return 'a tensor';
  if (x instanceof StorageType) return `torch storage type (${x.dtype})`;
  if (x instanceof PyCallable) return x.qualifiedName;
  if (x instanceof Uint8Array) return `${x.length} bytes`;
  if (Array.isArray(x)) {
    const shown = x
      .slice(0, 6)
      .map((v) => (Array.isArray(v) ? `[${v.length} items]` : typeof v === 'object' && v !== null ? describe(v) : scalar(v)));
    const s = `[${shown.join(', ')}${x.length > 6 ? `, … ${x.length - 6} more` : ''}]`;
    return s.length > 80 ? `${s.slice(0, 77)}...` : s;
  }
  return scalar(x);
}

function scalar(x: unknown): string {
  if (typeof x === 'string') {
    const s = JSON.stringify(x.length > 60 ? `${x.slice(0, 57)}...` : x);
    return s;
  }
  return typeof x === 'bigint' ? `${x}` : String(x);
}

function corrupt(file: string | undefined, message: string): WeightsError {
  return new WeightsError('corrupt', `${fileLabel(file)}${message}`, { file });
}

function truncatedAt(file: string | undefined, what: string, pos: number): WeightsError {
  return new WeightsError('truncated', `${fileLabel(file)}file ends at byte ${pos} before ${what} (truncated file?)`, { file });
}
