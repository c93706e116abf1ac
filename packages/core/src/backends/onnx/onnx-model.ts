/**
 * An ONNX graph as plain data, and its encoding as a ModelProto (onnx.proto3, IR version 8, opset 17).
 *
 * Only what the recorder emits is covered: float32/int64 tensors with static shapes, and int, ints, float
 * and string attributes. Field numbers are those of onnx/onnx.proto.
 */
import { Message } from './protobuf.js';

export const OPSET = 17;
/** ONNX Runtime's contrib operators (MultiHeadAttention). */
export const MICROSOFT_DOMAIN = 'com.microsoft';
/** ONNX Runtime's blocked-layout (NCHWc) CPU operators: ReorderInput, ReorderOutput, Conv, MaxPool, Upsample. */
export const NCHWC_DOMAIN = 'com.microsoft.nchwc';
/** IR version 8 is the one that goes with opset 17 (onnx/docs/Versioning.md). */
const IR_VERSION = 8;

export type DataType = 'float32' | 'int64' | 'int32' | 'uint8' | 'int8';

/** TensorProto.DataType */
const DATA_TYPE: Readonly<Record<DataType, number>> = { float32: 1, uint8: 2, int8: 3, int32: 6, int64: 7 };

export type AttributeValue =
  | { readonly kind: 'int'; readonly value: number }
  | { readonly kind: 'ints'; readonly value: readonly number[] }
  | { readonly kind: 'float'; readonly value: number }
  | { readonly kind: 'string'; readonly value: string };

export interface OnnxNode {
  readonly opType: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attributes?: Readonly<Record<string, AttributeValue>>;
  readonly domain?: string;
}

export interface OnnxValueInfo {
  readonly name: string;
  readonly dataType: DataType;
  readonly dims: readonly number[];
}

export interface OnnxInitializer extends OnnxValueInfo {
  readonly data: Float32Array | BigInt64Array | Int32Array | Uint8Array | Int8Array;
}

export interface OnnxGraph {
  readonly name: string;
  readonly nodes: readonly OnnxNode[];
  readonly inputs: readonly OnnxValueInfo[];
  readonly outputs: readonly OnnxValueInfo[];
  readonly initializers: readonly OnnxInitializer[];
}

export const attr = {
  int: (value: number): AttributeValue => ({ kind: 'int', value }),
  ints: (value: readonly number[]): AttributeValue => ({ kind: 'ints', value }),
  float: (value: number): AttributeValue => ({ kind: 'float', value }),
  string: (value: string): AttributeValue => ({ kind: 'string', value }),
};

/** AttributeProto.AttributeType */
const ATTRIBUTE_TYPE = { float: 1, int: 2, string: 3, ints: 7 } as const;

function attributeProto(name: string, a: AttributeValue): Message {
  const m = new Message().string(1, name);
  switch (a.kind) {
    case 'float':
      m.float(2, a.value);
      break;
    case 'int':
      m.varint(3, a.value);
      break;
    case 'string':
      m.string(4, a.value);
      break;
    case 'ints':
      m.packedVarints(8, a.value);
      break;
  }
  return m.varint(20, ATTRIBUTE_TYPE[a.kind]);
}

function nodeProto(node: OnnxNode, index: number): Message {
  const m = new Message();
  for (const i of node.inputs) m.string(1, i);
  for (const o of node.outputs) m.string(2, o);
  m.string(3, `n${index}`).string(4, node.opType);
  for (const [name, a] of Object.entries(node.attributes ?? {})) m.message(5, attributeProto(name, a));
  if (node.domain !== undefined) m.string(7, node.domain);
  return m;
}

/** Little-endian bytes of a typed array, without copying on little-endian hosts. */
function littleEndianBytes(data: OnnxInitializer['data']): Uint8Array {
  const view = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (new Uint8Array(Uint16Array.of(1).buffer)[0] === 1) return view;
  const out = new Uint8Array(view.length);
  const width = data.BYTES_PER_ELEMENT;
  for (let i = 0; i < view.length; i += width) for (let j = 0; j < width; j++) out[i + j] = view[i + width - 1 - j] as number;
  return out;
}

function tensorProto(t: OnnxInitializer): Message {
  return new Message().packedVarints(1, t.dims).varint(2, DATA_TYPE[t.dataType]).string(8, t.name).bytes(9, littleEndianBytes(t.data));
}

function valueInfoProto(v: OnnxValueInfo): Message {
  const shape = new Message();
  for (const d of v.dims) shape.message(1, new Message().varint(1, d));
  const tensorType = new Message().varint(1, DATA_TYPE[v.dataType]).message(2, shape);
  return new Message().string(1, v.name).message(2, new Message().message(1, tensorType));
}

export function encodeModel(graph: OnnxGraph, producer = '@adaattn/core'): Uint8Array {
  const g = new Message();
  graph.nodes.forEach((n, i) => g.message(1, nodeProto(n, i)));
  g.string(2, graph.name);
  for (const t of graph.initializers) g.message(5, tensorProto(t));
  for (const v of graph.inputs) g.message(11, valueInfoProto(v));
  for (const v of graph.outputs) g.message(12, valueInfoProto(v));
  const model = new Message()
    .varint(1, IR_VERSION)
    .string(2, producer)
    .message(7, g)
    .message(8, new Message().string(1, '').varint(2, OPSET));
  // ONNX Runtime's own operator sets (version 1), each declared when a node uses it.
  for (const domain of new Set(graph.nodes.flatMap((n) => (n.domain === undefined ? [] : [n.domain])))) {
    model.message(8, new Message().string(1, domain).varint(2, 1));
  }
  return model.encode();
}

/**
 * y = x + 1 on two numbers: the graph a backend runs as it starts, so that a runtime that cannot run (its
 * wasm binary not fetched, a GPU or CUDA provider that does not start) fails then, with its reason, and not
 * at the first image.
 */
export const PROBE_MODEL: Uint8Array = encodeModel({
  name: 'probe',
  nodes: [{ opType: 'Add', inputs: ['x', 'one'], outputs: ['y'] }],
  inputs: [{ name: 'x', dataType: 'float32', dims: [2] }],
  outputs: [{ name: 'y', dataType: 'float32', dims: [2] }],
  initializers: [{ name: 'one', dataType: 'float32', dims: [1], data: Float32Array.of(1) }],
});
