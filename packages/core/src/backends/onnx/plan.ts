/**
 * Lowering: the recorded operations a value depends on → one ONNX graph, a structural key for the session
 * cache, the inputs to feed, and the values to fetch.
 *
 * Known values enter as graph inputs, except constants (kept uploads: weights), which become initializers.
 */
import type { Emitter, LazyValue } from './lazy-value.js';
import type { AttributeValue, OnnxGraph, OnnxInitializer, OnnxNode, OnnxValueInfo } from './onnx-model.js';

export interface Feed {
  readonly name: string;
  readonly dataType: 'float32' | 'int64';
  readonly dims: readonly number[];
  readonly data: Float32Array | BigInt64Array;
}

export interface Plan {
  /** Equal keys ⇔ interchangeable sessions: structure, shapes and constant identities. */
  readonly key: string;
  readonly graph: OnnxGraph;
  readonly feeds: readonly Feed[];
  /** The values to fetch, in the order of `graph.outputs`. */
  readonly fetch: readonly LazyValue[];
  /** Ids of the constants the graph embeds (a session dies with them). */
  readonly constants: readonly number[];
}

/** The recorded values `targets` depend on, themselves included, inputs before consumers (iterative: graphs can be deep). */
export function recordedHistory(targets: readonly LazyValue[]): LazyValue[] {
  const order: LazyValue[] = [];
  const state = new Map<LazyValue, 'open' | 'done'>();
  const stack: { value: LazyValue; next: number }[] = [];
  for (const target of [...targets].reverse()) {
    if (target.op === null || state.has(target)) continue;
    state.set(target, 'open');
    stack.push({ value: target, next: 0 });
  }
  while (stack.length > 0) {
    const top = stack[stack.length - 1] as { value: LazyValue; next: number };
    const inputs = top.value.op?.inputs ?? [];
    if (top.next < inputs.length) {
      const input = inputs[top.next++] as LazyValue;
      if (input.op !== null && !state.has(input)) {
        state.set(input, 'open');
        stack.push({ value: input, next: 0 });
      }
    } else {
      stack.pop();
      state.set(top.value, 'done');
      order.push(top.value);
    }
  }
  return order;
}

function formatAttributes(a: Readonly<Record<string, AttributeValue>> | undefined): string {
  if (a === undefined) return '';
  return Object.entries(a)
    .map(([k, v]) => `${k}=${Array.isArray(v.value) ? `[${(v.value as number[]).join(',')}]` : String(v.value)}`)
    .join(';');
}

/** The graph that computes `targets` (recorded values) from what is known. */
export function planFor(targets: readonly LazyValue[]): Plan {
  const history = recordedHistory(targets);
  const names = new Map<LazyValue, string>();
  const nodes: OnnxNode[] = [];
  const inputs: OnnxValueInfo[] = [];
  const initializers: OnnxInitializer[] = [];
  const feeds: Feed[] = [];
  const constants: number[] = [];
  const keyParts: string[] = [];
  const constNames = new Map<string, string>();
  let counter = 0;

  const leaf = (v: LazyValue): string => {
    let name = names.get(v);
    if (name !== undefined) return name;
    const data = v.data as Float32Array;
    if (v.constant) {
      name = `w${counter++}`;
      initializers.push({ name, dataType: 'float32', dims: v.shape, data });
      constants.push(v.id);
      keyParts.push(`${name}=#${v.id}`);
    } else {
      name = `x${counter++}`;
      inputs.push({ name, dataType: 'float32', dims: v.shape });
      feeds.push({ name, dataType: 'float32', dims: v.shape, data });
      keyParts.push(`${name}:f[${v.shape.join(',')}]`);
    }
    names.set(v, name);
    return name;
  };

  const emitter: Emitter = {
    node(opType, nodeInputs, attributes, outputs = 1) {
      const outs = Array.from({ length: outputs }, () => `t${counter++}`);
      nodes.push({ opType, inputs: nodeInputs, outputs: outs, ...(attributes === undefined ? {} : { attributes }) });
      keyParts.push(`${outs.join(',')}=${opType}(${nodeInputs.join(',')}){${formatAttributes(attributes)}}`);
      return outs;
    },
    int64(values) {
      const text = values.join(',');
      let name = constNames.get(text);
      if (name === undefined) {
        name = `k${counter++}`;
        constNames.set(text, name);
        initializers.push({ name, dataType: 'int64', dims: [values.length], data: BigInt64Array.from(values, (v) => BigInt(v)) });
        keyParts.push(`${name}=i[${text}]`);
      }
      return name;
    },
    scalar(value) {
      const text = `f${Object.is(value, -0) ? '-0' : String(value)}`;
      let name = constNames.get(text);
      if (name === undefined) {
        name = `k${counter++}`;
        constNames.set(text, name);
        initializers.push({ name, dataType: 'float32', dims: [], data: Float32Array.of(value) });
        keyParts.push(`${name}=${text}`);
      }
      return name;
    },
    floats(values) {
      const text = `f[${values.join(',')}]`;
      let name = constNames.get(text);
      if (name === undefined) {
        name = `k${counter++}`;
        constNames.set(text, name);
        initializers.push({ name, dataType: 'float32', dims: [values.length], data: Float32Array.from(values) });
        keyParts.push(`${name}=${text}`);
      }
      return name;
    },
    feedInt64(values, dims) {
      const name = `x${counter++}`;
      inputs.push({ name, dataType: 'int64', dims });
      feeds.push({ name, dataType: 'int64', dims, data: BigInt64Array.from(values, (v) => BigInt(v)) });
      keyParts.push(`${name}:i[${dims.join(',')}]`);
      return name;
    },
  };

  for (const v of history) {
    const op = v.op;
    if (op === null) continue;
    const inputNames = op.inputs.map((i) => (i.op === null ? leaf(i) : (names.get(i) as string)));
    const name = op.lower(emitter, inputNames);
    names.set(v, name);
  }

  const fetch = [...new Set(targets)];
  const outputs: OnnxValueInfo[] = fetch.map((v) => ({ name: names.get(v) as string, dataType: 'float32', dims: v.shape }));
  keyParts.push(`->${outputs.map((o) => o.name).join(',')}`);
  return {
    key: keyParts.join('\n'),
    graph: { name: 'adaattn', nodes, inputs, outputs, initializers },
    feeds,
    fetch,
    constants,
  };
}
