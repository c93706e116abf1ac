/**
 * Command-line parsing on top of util.parseArgs, with messages that name the command and the option.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './errors.js';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export interface Parsed {
  /** Repeatable options (`multiple: true`) give arrays. */
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
}

/** True when -h/--help appears before `--`: help wins over every other mistake on the line. */
export function wantsHelp(argv: readonly string[]): boolean {
  for (const arg of argv) {
    if (arg === '--') return false;
    if (arg === '-h' || arg === '--help') return true;
  }
  return false;
}

/** Parses `argv` strictly (no positionals, no unknown options), turning Node's messages into ours. */
export function parseOptions(command: string, argv: readonly string[], options: OptionSpec): Parsed {
  try {
    const { values } = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false });
    return { values: values as Parsed['values'] };
  } catch (err) {
    throw new UsageError(describeParseError(err, options), command);
  }
}

function describeParseError(err: unknown, options: OptionSpec): string {
  const e = err as { code?: string; message?: string };
  const message = e.message ?? String(err);
  const quoted = /'([^']+)'/.exec(message)?.[1] ?? '';
  switch (e.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION': {
      const name = quoted.replace(/^-+/, '');
      const near = name.length > 1 ? Object.keys(options).find((o) => editDistance(o, name) <= 2 || o.startsWith(name)) : undefined;
      return `unknown option '${quoted}'${near ? ` (did you mean --${near}?)` : ''}`;
    }
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument '${quoted}'; every input is given with an option, e.g. --content <file>`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      // Node: "Option '--size <value>' argument missing" or "... argument is ambiguous" or "does not take an argument".
      const option = /--[\w-]+/.exec(quoted)?.[0] ?? quoted;
      if (/does not take an argument/.test(message)) return `option ${option} takes no value`;
      if (/ambiguous/.test(message)) {
        return `option ${option} needs a value, but is followed by another option; write ${option}=<value> if the value starts with '-'`;
      }
      return `option ${option} needs a value`;
    }
    default:
      return message;
  }
}

/** Levenshtein distance, for "did you mean" on short option names. */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length]!;
}

/** A string option that must be present. */
export function required(values: Parsed['values'], name: string, placeholder: string, command: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value === '') throw new UsageError(`missing --${name} <${placeholder}>`, command);
  return value;
}

/** A string option, if given; an empty value counts as a mistake rather than as absent. */
export function optional(values: Parsed['values'], name: string, command: string): string | undefined {
  const value = values[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') throw new UsageError(`option --${name} needs a value`, command);
  return value;
}

/** A whole number within [min, max]; `what` describes it in the message. */
export function integer(
  values: Parsed['values'],
  name: string,
  command: string,
  { min, max, what }: { min: number; max: number; what: string },
): number | undefined {
  const text = optional(values, name, command);
  if (text === undefined) return undefined;
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`--${name} must be ${what}, got '${text}'`, command);
  }
  return n;
}

/** One of a fixed list of words. */
export function choice<T extends string>(values: Parsed['values'], name: string, command: string, choices: readonly T[]): T | undefined {
  const text = optional(values, name, command);
  if (text === undefined) return undefined;
  if (!(choices as readonly string[]).includes(text)) {
    throw new UsageError(`--${name} must be one of ${choices.join(', ')}, got '${text}'`, command);
  }
  return text as T;
}

/** Every value of a repeatable option, in order (none: an empty list). */
export function repeated(values: Parsed['values'], name: string, command: string): string[] {
  const value = values[name];
  const list = value === undefined ? [] : Array.isArray(value) ? value : [value];
  return list.map((v) => {
    if (typeof v !== 'string' || v === '') throw new UsageError(`option --${name} needs a value`, command);
    return v;
  });
}

/** A decimal number within [min, max]. */
export function decimal(
  values: Parsed['values'],
  name: string,
  command: string,
  { min, max, what }: { min: number; max: number; what: string },
): number | undefined {
  const text = optional(values, name, command);
  if (text === undefined) return undefined;
  const n = /^\d*\.?\d+(e[-+]?\d+)?$/i.test(text) ? Number(text) : NaN;
  if (!(n >= min && n <= max)) throw new UsageError(`--${name} must be ${what}, got '${text}'`, command);
  return n;
}

/** A pixel count such as 100000000, 100M or 1.5G. */
export function pixelCount(values: Parsed['values'], name: string, command: string): number | undefined {
  const text = optional(values, name, command);
  if (text === undefined) return undefined;
  const m = /^(\d+(?:\.\d+)?)([kKmMgG]?)$/.exec(text);
  const scale = { '': 1, k: 1e3, m: 1e6, g: 1e9 }[(m?.[2] ?? '').toLowerCase()] ?? NaN;
  const n = m ? Math.round(Number(m[1]) * scale) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new UsageError(`--${name} must be a pixel count such as 100000000 or 100M, got '${text}'`, command);
  }
  return n;
}
