/**
 * A restricted Python unpickler: it builds plain data and never runs anything.
 *
 * `torch.load` executes whatever callables a pickle names, which is why loading an untrusted .pth file in
 * Python is unsafe. Here a pickle may only name the globals the caller whitelists (for .pth files: the few
 * torch uses for state_dicts), and only the data-building opcodes of protocols 2–5 are implemented. Anything
 * else (INST/OBJ/NEWOBJ object construction, extension codes, out-of-band buffers, text-protocol opcodes)
 * is refused with a message naming the opcode or global.
 *
 * Bounded: the work is linear in the input and capped, whatever the pickle asks for. Integers are at most
 * MAX_INT_BYTES long (big-integer parsing is quadratic in the length), the stack and the memo hold at most
 * MAX_STACK / MAX_MEMO values, every opcode and every element a container opcode or a whitelisted callable
 * touches counts against MAX_WORK (memoised lists passed again and again would otherwise be quadratic), and
 * nothing recurses on the data, so no nesting depth can exhaust the call stack. Exceeding a bound throws
 * 'limit-exceeded' before the work is done.
 */
import { asBytes } from './dtype.js';
import { fileLabel, WeightsError } from './errors.js';

/** A whitelisted Python callable; REDUCE calls it with the argument tuple. */
export class PyCallable {
  constructor(
    readonly qualifiedName: string,
    readonly call: (args: readonly unknown[]) => unknown,
  ) {}
}

/** `dict` and `collections.OrderedDict` (insertion order kept). `attributes` receives BUILD state (`_metadata`). */
export class PyDict {
  readonly items = new Map<unknown, unknown>();
  attributes: unknown = undefined;
}

export interface UnpickleOptions {
  /**
   * Resolves GLOBAL / STACK_GLOBAL. Return undefined to refuse the global (the unpickler then throws
   * 'unsafe-pickle'), or throw a more specific WeightsError.
   */
  readonly findGlobal: (module: string, name: string) => unknown;
  /** Resolves BINPERSID; without it, persistent ids are refused. */
  readonly persistentLoad?: (pid: unknown) => unknown;
  /** Named in error messages. */
  readonly file?: string;
  /** What this pickle is, for messages ("data.pkl", "the legacy header"). */
  readonly what?: string;
}

export interface UnpickleResult {
  readonly value: unknown;
  /** Offset just past the STOP opcode (legacy .pth files hold several pickles back to back). */
  readonly end: number;
}

/** Longest LONG1/LONG4 integer body accepted (torch's legacy magic number takes 10 bytes). */
export const MAX_INT_BYTES = 256;
/** Values on the stack at once (Python's pickler batches APPENDS/SETITEMS by 1,000, so real pickles stay far below). */
export const MAX_STACK = 1 << 16;
/** Memo indices (Python numbers them 0, 1, 2, … one per memoised object: a few per tensor). */
export const MAX_MEMO = 1 << 20;
/** Opcodes plus elements touched by container opcodes and callables (~40 per tensor: 4 M allows 100,000 tensors). */
export const MAX_WORK = 1 << 22;

/** Opcodes refused on purpose, named so the message says what was asked for. */
const REFUSED: Readonly<Record<number, string>> = {
  0x69: 'INST',
  0x6f: 'OBJ',
  0x81: 'NEWOBJ',
  0x92: 'NEWOBJ_EX',
  0x82: 'EXT1',
  0x83: 'EXT2',
  0x84: 'EXT4',
  0x50: 'PERSID (text)',
  0x96: 'BYTEARRAY8',
  0x97: 'NEXT_BUFFER',
  0x98: 'READONLY_BUFFER',
  0x8f: 'EMPTY_SET',
  0x90: 'ADDITEMS',
  0x91: 'FROZENSET',
  0x49: 'INT (text)',
  0x4c: 'LONG (text)',
  0x46: 'FLOAT (text)',
  0x53: 'STRING (text)',
  0x56: 'UNICODE (text)',
  0x70: 'PUT (text)',
  0x67: 'GET (text)',
};

export function unpickle(input: Uint8Array, start: number, options: UnpickleOptions): UnpickleResult {
  const bytes = asBytes(input);
  const label = fileLabel(options.file);
  const what = options.what ?? 'pickle';
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  const stack: unknown[] = [];
  const marks: number[] = [];
  // An array, not a Map: Python writes memo indices densely from 0, and arrays are several times faster here.
  const memo: unknown[] = [];
  let memoCount = 0;
  let pos = start;
  let work = 0;

  const corrupt = (message: string) => new WeightsError('corrupt', `${label}${what}: ${message} (at byte ${pos})`, { file: options.file });
  const tooMuch = (message: string) =>
    new WeightsError(
      'limit-exceeded',
      `${label}${what}: ${message} (at byte ${pos}); no PyTorch state_dict needs that, so the file is refused`,
      {
        file: options.file,
      },
    );
  const charge = (units: number) => {
    work += units;
    if (work > MAX_WORK) throw tooMuch(`unpickling would take more than ${MAX_WORK} steps`);
  };
  const push = (value: unknown) => {
    if (stack.length >= MAX_STACK) throw tooMuch(`more than ${MAX_STACK} values on the stack`);
    stack.push(value);
  };
  const memoise = (index: number, value: unknown) => {
    if (index >= MAX_MEMO) throw tooMuch(`memo index ${index} (at most ${MAX_MEMO} entries accepted)`);
    if (memo[index] === undefined) memoCount++;
    memo[index] = value;
  };
  const need = (n: number) => {
    if (n < 0 || pos + n > bytes.length) {
      throw new WeightsError('truncated', `${label}${what} ends at byte ${bytes.length} in the middle of an opcode (truncated file?)`, {
        file: options.file,
      });
    }
  };
  const u8 = () => (need(1), bytes[pos++]);
  const u16 = () => (need(2), (pos += 2), view.getUint16(pos - 2, true));
  const i32 = () => (need(4), (pos += 4), view.getInt32(pos - 4, true));
  const u32 = () => (need(4), (pos += 4), view.getUint32(pos - 4, true));
  const u64 = () => {
    need(8);
    const low = view.getUint32(pos, true);
    const high = view.getUint32(pos + 4, true);
    pos += 8;
    if (high > 0x1fffff) throw corrupt('a length does not fit in 53 bits');
    return high * 2 ** 32 + low;
  };
  const take = (n: number) => (need(n), (pos += n), bytes.subarray(pos - n, pos));
  const text = (n: number) => {
    const raw = take(n);
    try {
      return utf8.decode(raw);
    } catch {
      throw corrupt('a string is not valid UTF-8');
    }
  };
  // Python 2 `str` (BINSTRING) is bytes: decoded as UTF-8 like torch.load's default, else byte-for-byte (latin-1).
  const py2str = (n: number) => {
    const raw = take(n);
    try {
      return utf8.decode(raw);
    } catch {
      let s = '';
      for (let i = 0; i < raw.length; i++) s += String.fromCharCode(raw[i]);
      return s;
    }
  };
  const line = () => {
    const end = bytes.indexOf(0x0a, pos);
    need((end < 0 ? bytes.length : end) - pos + 1);
    const s = py2str(end - pos);
    pos++;
    return s;
  };
  const pop = () => {
    if (stack.length === 0 || (marks.length > 0 && stack.length <= marks[marks.length - 1])) throw corrupt('stack underflow');
    return stack.pop();
  };
  const top = () => {
    if (stack.length === 0) throw corrupt('stack underflow');
    return stack[stack.length - 1];
  };
  const popMark = () => {
    const m = marks.pop();
    if (m === undefined) throw corrupt('no MARK on the stack');
    charge(stack.length - m);
    return stack.splice(m);
  };
  const resolveGlobal = (module: string, name: string) => {
    const found = options.findGlobal(module, name);
    if (found === undefined) {
      throw new WeightsError(
        'unsafe-pickle',
        `${label}refusing to unpickle global \`${module}.${name}\`: only the globals of a plain PyTorch state_dict are allowed. ` +
          'The file may hold a whole pickled model (or something malicious); re-save it with torch.save(model.state_dict(), path).',
        { file: options.file },
      );
    }
    return found;
  };
  const setItems = (dict: unknown, kv: unknown[]) => {
    if (!(dict instanceof PyDict)) throw corrupt('SETITEM(S) on something that is not a dict');
    if (kv.length % 2 !== 0) throw corrupt('odd number of items for SETITEMS');
    for (let i = 0; i < kv.length; i += 2) dict.items.set(kv[i], kv[i + 1]);
  };
  const append = (list: unknown, items: unknown[]) => {
    if (!Array.isArray(list)) throw corrupt('APPEND(S) on something that is not a list');
    // A loop, not push(...items): spreading 300k arguments overflows the call stack.
    for (const item of items) list.push(item);
  };
  const toInt = (raw: Uint8Array): number | bigint => {
    // LONG1/LONG4: little-endian two's complement, at most MAX_INT_BYTES long (checked by the caller).
    if (raw.length === 0) return 0;
    let hex = '0x';
    for (let i = raw.length - 1; i >= 0; i--) hex += raw[i].toString(16).padStart(2, '0');
    let value = BigInt(hex);
    if (raw[raw.length - 1] & 0x80) value -= 1n << BigInt(raw.length * 8);
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
  };

  for (;;) {
    const opcodePos = pos;
    const op = u8();
    charge(1);
    switch (op) {
      case 0x80: {
        // PROTO
        const protocol = u8();
        if (protocol > 5) throw corrupt(`pickle protocol ${protocol} is newer than any Python writes`);
        break;
      }
      case 0x95: // FRAME: a length hint only
        u64();
        break;
      case 0x2e: // STOP
        if (stack.length !== 1 || marks.length !== 0) throw corrupt(`STOP with ${stack.length} values on the stack`);
        return { value: stack[0], end: pos };
      case 0x28: // MARK
        if (marks.length >= MAX_STACK) throw tooMuch(`more than ${MAX_STACK} MARKs open`);
        marks.push(stack.length);
        break;
      case 0x29: // EMPTY_TUPLE
        push([]);
        break;
      case 0x74: // TUPLE
        push(popMark());
        break;
      case 0x85: // TUPLE1
        push([pop()]);
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        push([pop(), b]);
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        push([pop(), b, c]);
        break;
      }
      case 0x5d: // EMPTY_LIST
        push([]);
        break;
      case 0x6c: // LIST
        push(popMark());
        break;
      case 0x61: {
        // APPEND
        const item = pop();
        append(top(), [item]);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        append(top(), items);
        break;
      }
      case 0x7d: // EMPTY_DICT
        push(new PyDict());
        break;
      case 0x64: {
        // DICT
        const dict = new PyDict();
        setItems(dict, popMark());
        push(dict);
        break;
      }
      case 0x73: {
        // SETITEM
        const value = pop();
        const key = pop();
        setItems(top(), [key, value]);
        break;
      }
      case 0x75: {
        // SETITEMS
        const kv = popMark();
        setItems(top(), kv);
        break;
      }
      case 0x4e: // NONE
        push(null);
        break;
      case 0x88: // NEWTRUE
        push(true);
        break;
      case 0x89: // NEWFALSE
        push(false);
        break;
      case 0x4a: // BININT
        push(i32());
        break;
      case 0x4b: // BININT1
        push(u8());
        break;
      case 0x4d: // BININT2
        push(u16());
        break;
      case 0x8a: // LONG1
        push(toInt(take(u8())));
        break;
      case 0x8b: {
        // LONG4
        const n = i32();
        if (n < 0) throw corrupt('negative LONG4 length');
        if (n > MAX_INT_BYTES) throw tooMuch(`a LONG4 integer of ${n} bytes (at most ${MAX_INT_BYTES} accepted)`);
        push(toInt(take(n)));
        break;
      }
      case 0x47: // BINFLOAT (big-endian double)
        need(8);
        push(view.getFloat64(pos, false));
        pos += 8;
        break;
      case 0x58: // BINUNICODE
        push(text(u32()));
        break;
      case 0x8c: // SHORT_BINUNICODE
        push(text(u8()));
        break;
      case 0x8d: // BINUNICODE8
        push(text(u64()));
        break;
      case 0x54: {
        // BINSTRING (Python 2 str)
        const n = i32();
        if (n < 0) throw corrupt('negative BINSTRING length');
        push(py2str(n));
        break;
      }
      case 0x55: // SHORT_BINSTRING
        push(py2str(u8()));
        break;
      case 0x42: // BINBYTES
        push(take(u32()).slice());
        break;
      case 0x43: // SHORT_BINBYTES
        push(take(u8()).slice());
        break;
      case 0x8e: // BINBYTES8
        push(take(u64()).slice());
        break;
      case 0x71: // BINPUT
        memoise(u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memoise(u32(), top());
        break;
      case 0x94: // MEMOIZE
        memoise(memoCount, top());
        break;
      case 0x68: // BINGET
      case 0x6a: {
        // LONG_BINGET
        const index = op === 0x68 ? u8() : u32();
        const value = index < memo.length ? memo[index] : undefined;
        if (value === undefined) throw corrupt(`memo entry ${index} read before it was written`);
        push(value);
        break;
      }
      case 0x63: {
        // GLOBAL "module\nname\n"
        const module = line();
        push(resolveGlobal(module, line()));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') throw corrupt('STACK_GLOBAL needs two strings');
        push(resolveGlobal(module, name));
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop();
        const callable = pop();
        if (!(callable instanceof PyCallable)) throw corrupt('REDUCE on something that is not a whitelisted callable');
        if (!Array.isArray(args)) throw corrupt(`REDUCE of ${callable.qualifiedName} without an argument tuple`);
        // Callables walk their arguments one level deep (OrderedDict's pairs, a tensor's size and stride).
        charge(args.length);
        for (const arg of args) charge(Array.isArray(arg) ? arg.length : arg instanceof PyDict ? arg.items.size : 0);
        push(callable.call(args));
        break;
      }
      case 0x62: {
        // BUILD
        const state = pop();
        const target = top();
        // Only dicts accept state: torch pickles an OrderedDict's `_metadata` (module versions) this way.
        if (!(target instanceof PyDict)) {
          throw new WeightsError(
            'unsafe-pickle',
            `${label}${what}: refusing BUILD (object state) on a non-dict object at byte ${opcodePos}`,
            {
              file: options.file,
            },
          );
        }
        target.attributes = state;
        break;
      }
      case 0x51: {
        // BINPERSID
        const pid = pop();
        if (options.persistentLoad === undefined) {
          throw new WeightsError('unsafe-pickle', `${label}${what}: unexpected persistent id at byte ${opcodePos}`, { file: options.file });
        }
        push(options.persistentLoad(pid));
        break;
      }
      case 0x30: // POP
        if (stack.length > 0 && (marks.length === 0 || stack.length > marks[marks.length - 1])) stack.pop();
        else popMark();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        push(top());
        break;
      default: {
        const name = REFUSED[op];
        throw new WeightsError(
          'unsafe-pickle',
          `${label}${what}: refusing pickle opcode ${name ?? `0x${op.toString(16).padStart(2, '0')}`} at byte ${opcodePos}: ` +
            'only the opcodes PyTorch uses for state_dicts are supported',
          { file: options.file },
        );
      }
    }
  }
}
