/**
 * Builds one ONNX graph and, alongside, the key that identifies its structure for the session cache: node
 * types, attributes, wiring, input shapes and the identity of embedded constants — never input values.
 *
 * Known values enter as graph inputs (fed at run time), except constants (kept uploads: weights), which
 * become initializers so that ONNX Runtime can pre-pack them.
 */
import type { Emitter, LazyValue, QuantizedValue } from './lazy-value.js';
import {
  NCHWC_DOMAIN,
  attr,
  type AttributeValue,
  type OnnxGraph,
  type OnnxInitializer,
  type OnnxNode,
  type OnnxValueInfo,
} from './onnx-model.js';

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
  /** Ids of the constants the graph embeds (a session dies with them). */
  readonly constants: readonly number[];
  /** Estimated peak bytes of the graph's intermediate values (see memory.ts); 0 when unknown. */
  readonly peakBytes: number;
  /** Estimated work (RecordedOp.cost summed over what the graph computes) and the label of its last value. */
  readonly work: PlanWork;
}

export interface PlanWork {
  readonly cost: number;
  readonly label: string | undefined;
}

function formatAttributes(a: Readonly<Record<string, AttributeValue>> | undefined): string {
  if (a === undefined) return '';
  return Object.entries(a)
    .map(([k, v]) => `${k}=${Array.isArray(v.value) ? `[${(v.value as number[]).join(',')}]` : String(v.value)}`)
    .join(';');
}

export class GraphBuilder implements Emitter {
  private readonly nodes: OnnxNode[] = [];
  private readonly inputs: OnnxValueInfo[] = [];
  private readonly initializers: OnnxInitializer[] = [];
  private readonly feeds: Feed[] = [];
  private readonly constants: number[] = [];
  private readonly keyParts: string[] = [];
  private readonly constNames = new Map<string, string>();
  private readonly leaves = new Map<LazyValue, string>();
  private readonly dequantized = new Map<string, QuantizedValue>();
  private readonly unblocked = new Map<string, string>();
  private counter = 0;

  /** `blockSize`: see Emitter.blockSize (1: plain NCHW graphs only). */
  constructor(readonly blockSize = 1) {}

  /** A known value, whole: an initializer if constant, else a fed input (each value once per graph). */
  leaf(v: LazyValue): string {
    let name = this.leaves.get(v);
    if (name !== undefined) return name;
    const data = v.data as Float32Array;
    if (v.constant) {
      name = `w${this.counter++}`;
      this.initializers.push({ name, dataType: 'float32', dims: v.shape, data });
      this.constants.push(v.id);
      this.keyParts.push(`${name}=#${v.id}`);
    } else {
      name = this.feed(data, v.shape);
    }
    this.leaves.set(v, name);
    return name;
  }

  /** A float32 graph input fed with `data`. */
  feed(data: Float32Array, dims: readonly number[]): string {
    const name = `x${this.counter++}`;
    this.inputs.push({ name, dataType: 'float32', dims });
    this.feeds.push({ name, dataType: 'float32', dims, data });
    this.keyParts.push(`${name}:f[${dims.join(',')}]`);
    return name;
  }

  node(opType: string, inputs: readonly string[], attributes?: Readonly<Record<string, AttributeValue>>, outputs = 1): string[] {
    return this.add(opType, inputs, attributes, outputs);
  }

  nchwcNode(opType: string, inputs: readonly string[], attributes?: Readonly<Record<string, AttributeValue>>): string {
    return this.add(opType, inputs, attributes, 1, NCHWC_DOMAIN)[0] as string;
  }

  unblock(blocked: string, channels: number): string {
    const y = this.nchwcNode('ReorderOutput', [blocked], { channels: attr.int(channels) });
    this.unblocked.set(y, blocked);
    return y;
  }

  blockedSource(name: string): string | undefined {
    return this.unblocked.get(name);
  }

  private add(
    opType: string,
    inputs: readonly string[],
    attributes: Readonly<Record<string, AttributeValue>> | undefined,
    outputs: number,
    domain?: string,
  ): string[] {
    const outs = Array.from({ length: outputs }, () => `t${this.counter++}`);
    this.nodes.push({
      opType,
      inputs,
      outputs: outs,
      ...(attributes === undefined ? {} : { attributes }),
      ...(domain === undefined ? {} : { domain }),
    });
    const op = domain === undefined ? opType : `${domain}.${opType}`;
    this.keyParts.push(`${outs.join(',')}=${op}(${inputs.join(',')}){${formatAttributes(attributes)}}`);
    return outs;
  }

  int64(values: readonly number[]): string {
    return this.constant(`i[${values.join(',')}]`, () => ({
      dataType: 'int64',
      dims: [values.length],
      data: BigInt64Array.from(values, (v) => BigInt(v)),
    }));
  }

  scalar(value: number): string {
    return this.constant(`f${Object.is(value, -0) ? '-0' : String(value)}`, () => ({
      dataType: 'float32',
      dims: [],
      data: Float32Array.of(value),
    }));
  }

  floats(values: readonly number[]): string {
    return this.constant(`f[${values.join(',')}]`, () => ({ dataType: 'float32', dims: [values.length], data: Float32Array.from(values) }));
  }

  feedInt64(values: Int32Array, dims: readonly number[]): string {
    const name = `x${this.counter++}`;
    this.inputs.push({ name, dataType: 'int64', dims });
    this.feeds.push({ name, dataType: 'int64', dims, data: BigInt64Array.from(values, (v) => BigInt(v)) });
    this.keyParts.push(`${name}:i[${dims.join(',')}]`);
    return name;
  }

  /** The finished plan, with `outputs` (node output names and their shapes) as the graph's outputs. */
  finish(
    outputs: readonly { name: string; dims: readonly number[] }[],
    peakBytes = 0,
    work: PlanWork = { cost: 0, label: undefined },
  ): Plan {
    const infos: OnnxValueInfo[] = outputs.map((o) => ({ name: o.name, dataType: 'float32', dims: o.dims }));
    this.keyParts.push(`->${infos.map((o) => o.name).join(',')}`);
    // Nodes and constants nothing reads: a DequantizeLinear whose u8 input a later op took directly, a
    // ReorderOutput whose blocked input did the same, the float weights of an int8 or blocked convolution.
    const needed = new Set(infos.map((o) => o.name));
    const nodes = [...this.nodes]
      .reverse()
      .filter((n) => {
        if (!n.outputs.some((o) => needed.has(o))) return false;
        n.inputs.forEach((i) => needed.add(i));
        return true;
      })
      .reverse();
    const initializers = this.initializers.filter((t) => needed.has(t.name));
    return {
      key: this.keyParts.join('\n'),
      graph: { name: 'adaattn', nodes, inputs: this.inputs, outputs: infos, initializers },
      feeds: this.feeds,
      constants: this.constants,
      peakBytes,
      work,
    };
  }

  uint8(value: number): string {
    return this.constant(`u8 ${value}`, () => ({ dataType: 'uint8', dims: [], data: Uint8Array.of(value) }));
  }

  tensor(text: string, make: () => Omit<OnnxInitializer, 'name'>): string {
    return this.constant(`t:${text}`, make);
  }

  dequantize(q: string, scale: number, zeroPoint: number): string {
    const y = this.node('DequantizeLinear', [q, this.scalar(scale), this.uint8(zeroPoint)])[0] as string;
    this.dequantized.set(y, { q, scale, zeroPoint });
    return y;
  }

  quantizedSource(name: string): QuantizedValue | undefined {
    return this.dequantized.get(name);
  }

  private constant(text: string, make: () => Omit<OnnxInitializer, 'name'>): string {
    let name = this.constNames.get(text);
    if (name === undefined) {
      name = `k${this.counter++}`;
      this.constNames.set(text, name);
      this.initializers.push({ name, ...make() });
      this.keyParts.push(`${name}=${text}`);
    }
    return name;
  }
}
