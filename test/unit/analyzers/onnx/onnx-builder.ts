/**
 * ONNX models written field by field (onnx.in.proto numbers), so tests can build what onnx.save never
 * would: escaping external data, lying raw_data sizes, custom domains, impossible shapes.
 */
import { bytes, concat, entry, message, packedVarints, varint, type Part } from '../protobuf/proto-writer.js';

export interface TensorSpec {
  name?: string;
  dims?: ReadonlyArray<number | bigint>;
  dataType?: number;
  raw?: number;
  floats?: number;
  int64s?: readonly number[];
  strings?: readonly string[];
  external?: ReadonlyArray<readonly [string, string]>;
  dataLocation?: number;
  segment?: boolean;
}

export const FLOAT = 1;
export const INT64 = 7;
export const STRING = 8;
export const EXTERNAL = 1;

/** A TensorProto payload (without its enclosing field). */
export function tensor(spec: TensorSpec): Uint8Array {
  const parts: Part[] = [];
  if (spec.dims && spec.dims.length > 0) parts.push(packedVarints(1, spec.dims));
  if (spec.dataType !== undefined) parts.push(varint(2, spec.dataType));
  if (spec.segment) parts.push(message(3, varint(1, 0), varint(2, 1)));
  if (spec.floats !== undefined) parts.push(bytes(4, new Uint8Array(spec.floats * 4)));
  for (const s of spec.strings ?? []) parts.push(bytes(6, s));
  if (spec.int64s) parts.push(packedVarints(7, spec.int64s));
  if (spec.name !== undefined) parts.push(bytes(8, spec.name));
  if (spec.raw !== undefined) parts.push(bytes(9, new Uint8Array(spec.raw)));
  for (const [key, value] of spec.external ?? []) parts.push(entry(13, key, value));
  if (spec.dataLocation !== undefined) parts.push(varint(14, spec.dataLocation));
  return concat(...parts);
}

export interface NodeSpec {
  op: string;
  domain?: string;
  name?: string;
  attributes?: readonly Uint8Array[];
}

/** A NodeProto payload. */
export function node(spec: NodeSpec): Uint8Array {
  return concat(
    bytes(1, 'in'),
    bytes(2, 'out'),
    ...(spec.name === undefined ? [] : [bytes(3, spec.name)]),
    bytes(4, spec.op),
    ...(spec.attributes ?? []).map((a) => bytes(5, a)),
    ...(spec.domain === undefined ? [] : [bytes(7, spec.domain)]),
  );
}

/** AttributeProto payloads. */
export const tensorAttribute = (name: string, t: Uint8Array): Uint8Array => concat(bytes(1, name), bytes(5, t), varint(20, 4));
export const graphAttribute = (name: string, g: Uint8Array): Uint8Array => concat(bytes(1, name), bytes(6, g), varint(20, 5));
export const sparseAttribute = (name: string, values: Uint8Array, indices: Uint8Array): Uint8Array =>
  concat(bytes(1, name), message(22, bytes(1, values), bytes(2, indices)), varint(20, 11));

export interface GraphSpec {
  nodes?: readonly Uint8Array[];
  initializers?: readonly Uint8Array[];
  name?: string;
}

/** A GraphProto payload. */
export function graph(spec: GraphSpec): Uint8Array {
  return concat(...(spec.nodes ?? []).map((n) => bytes(1, n)), bytes(2, spec.name ?? 'g'), ...(spec.initializers ?? []).map((t) => bytes(5, t)));
}

export interface ModelSpec {
  irVersion?: number;
  graph?: Uint8Array;
  opsets?: ReadonlyArray<readonly [string, number]>;
  functions?: ReadonlyArray<{ name: string; domain: string; nodes: readonly Uint8Array[] }>;
  trainingGraph?: Uint8Array;
}

/** A whole ModelProto file. */
export function model(spec: ModelSpec): Uint8Array {
  return concat(
    varint(1, spec.irVersion ?? 8),
    bytes(2, 'onnx-builder'),
    ...(spec.graph === undefined ? [] : [bytes(7, spec.graph)]),
    ...(spec.opsets ?? [['', 13]]).map(([domain, version]) => message(8, bytes(1, domain), varint(2, version))),
    ...(spec.trainingGraph === undefined ? [] : [message(20, bytes(1, spec.trainingGraph))]),
    ...(spec.functions ?? []).map((f) => message(25, bytes(1, f.name), ...f.nodes.map((n) => bytes(7, n)), bytes(10, f.domain))),
  );
}

/** A valid one-initializer model, the base most hostile variants change one thing of. */
export function withInitializer(t: TensorSpec, extra: Partial<ModelSpec> = {}): Uint8Array {
  return model({ graph: graph({ nodes: [node({ op: 'Relu' })], initializers: [tensor(t)] }), ...extra });
}
