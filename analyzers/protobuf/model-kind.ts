/**
 * Recognising model protobufs from their first bytes. Protobuf has no magic number
 * (oci-model-formats.md §6, routing table), so the head is parsed against the schema it would have to
 * follow: every field must be a known field of that message with its wire type, in ascending field
 * order (how every protobuf serializer writes known fields), and nested lengths must fit their parents.
 * ONNX starts with `ir_version` (field 1, a small varint) and must show the start of its graph;
 * a SavedModel starts with `saved_model_schema_version` 1 and must show the start of a `MetaGraphDef`;
 * Keras's `keras_metadata.pb` (a `SavedMetadata`) starts with a node whose identifier is `_tf_keras…`;
 * a frozen TensorFlow graph (a bare `GraphDef`) starts with a node showing its name, then its op.
 * Only the head is judged: a file cut short later is still recognised, so its analyzer can report the
 * damage. Text never starts with byte 0x08 and random data fails the nested checks, which keeps false
 * positives out (test/unit/analyzers/protobuf/model-kind.test.ts).
 */
import { decodeVarint, unsignedOf, WireType, type Varint } from './varint.js';

export type ModelProtobufKind = 'onnx' | 'saved-model' | 'keras-metadata' | 'graph-def';

/** How a field is encoded: a varint, a nested message, or text (which must be valid UTF-8). */
type FieldKind = 'varint' | 'message' | 'string';
/** Field number → kind of the fields a message may hold. */
type Schema = ReadonlyMap<number, FieldKind>;

const schema = (entries: ReadonlyArray<readonly [number, FieldKind]>): Schema => new Map(entries);

/** onnx/onnx `onnx/onnx.in.proto` ModelProto, GraphProto and NodeProto (§6.3). */
const MODEL_PROTO = schema([
  [1, 'varint'], [2, 'string'], [3, 'string'], [4, 'string'], [5, 'varint'], [6, 'string'], [7, 'message'],
  [8, 'message'], [14, 'message'], [20, 'message'], [25, 'message'], [26, 'message'],
]);
const GRAPH_PROTO = schema([
  [1, 'message'], [2, 'string'], [5, 'message'], [10, 'string'], [11, 'message'], [12, 'message'], [13, 'message'],
  [14, 'message'], [15, 'message'], [16, 'message'],
]);
const NODE_PROTO = schema([
  [1, 'string'], [2, 'string'], [3, 'string'], [4, 'string'], [5, 'message'], [6, 'string'], [7, 'string'], [8, 'string'],
  [9, 'message'], [10, 'message'],
]);
/** tensorflow `saved_model.proto` SavedModel and `meta_graph.proto` MetaGraphDef (§6.8). */
const SAVED_MODEL = schema([[1, 'varint'], [2, 'message']]);
const META_GRAPH_DEF = schema([[1, 'message'], [2, 'message'], [3, 'message'], [4, 'message'], [5, 'message'], [6, 'message'], [7, 'message']]);

/** tf-keras `protobuf/saved_metadata.proto`: SavedMetadata { repeated SavedObject nodes = 1 }. */
const SAVED_METADATA = schema([[1, 'message']]);
const SAVED_METADATA_OBJECT = schema([[2, 'varint'], [3, 'string'], [4, 'string'], [5, 'string'], [6, 'message']]);
/** Every identifier tf-keras writes (`_tf_keras_layer`, `_tf_keras_network`, …) starts so. */
const KERAS_IDENTIFIER = new TextEncoder().encode('_tf_keras');

/**
 * The head the engine sniffs (sniff.ts `SNIFF_BYTES`, checked equal by the tests). Only a head this long
 * can end inside a long string of a real model; a shorter one is the whole file.
 */
export const SNIFF_WINDOW_BYTES = 4096;
/** ONNX IR versions run 1–14 today; a little headroom keeps future models recognised. */
const MAX_PLAUSIBLE_IR_VERSION = 32;
/** Bytes of a string field that must be valid UTF-8 when the head ends inside it. */
const MIN_TEXT_EVIDENCE = 16;

interface HeadField {
  readonly number: number;
  readonly value: number;
  /** Payload of a Len field (may extend past the head). */
  readonly start: number;
  readonly end: number;
}

type Check = (field: HeadField) => boolean;

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

/** Which model protobuf the head (the first bytes of a file) starts, if any. */
export function modelProtobufKind(head: Uint8Array): ModelProtobufKind | undefined {
  if (head[0] === 0x0a) return looksLikeKerasMetadata(head) ? 'keras-metadata' : looksLikeGraphDef(head) ? 'graph-def' : undefined;
  if (head[0] !== 0x08) return undefined;
  if (looksLikeSavedModel(head)) return 'saved-model';
  if (looksLikeOnnx(head)) return 'onnx';
  return undefined;
}

function looksLikeSavedModel(head: Uint8Array): boolean {
  let fields = 0;
  let metaGraphShown = false;
  const fits = fitsSchema(head, 0, Infinity, SAVED_MODEL, (field) => {
    fields += 1;
    if (fields === 1) return field.number === 1 && field.value === 1;
    if (field.number !== 2 || metaGraphShown) return true;
    // TensorFlow writes meta_info_def (1) first, or graph_def (2) when there is no meta info.
    metaGraphShown = shows(head, field, META_GRAPH_DEF, first((inner) => inner.number <= 2));
    return metaGraphShown;
  });
  return fits && metaGraphShown;
}

/** The first node must parse as a SavedObject and name a tf-keras identifier within the head. */
function looksLikeKerasMetadata(head: Uint8Array): boolean {
  let identified = false;
  const fits = fitsSchema(head, 0, Infinity, SAVED_METADATA, first((node) =>
    fitsSchema(head, node.start, node.end, SAVED_METADATA_OBJECT, (field) => {
      if (field.number === 4) identified = startsWith(head.subarray(field.start, Math.min(field.end, head.length)), KERAS_IDENTIFIER);
      return field.number !== 4 || identified;
    }),
  ));
  return fits && identified;
}

/** tensorflow `graph.proto` GraphDef: node 1, versions 4, library 2 (written after the nodes). */
const GRAPH_DEF = schema([[1, 'message'], [2, 'message'], [3, 'varint'], [4, 'message']]);
/** tensorflow `node_def.proto` NodeDef: name 1, op 2, input 3, device 4, attr 5, debug info 6, type 7. */
const TF_NODE_DEF = schema([[1, 'string'], [2, 'string'], [3, 'string'], [4, 'string'], [5, 'message'], [6, 'message'], [7, 'message']]);

/** The first node must show a name and then an op name made of an op's characters. */
function looksLikeGraphDef(head: Uint8Array): boolean {
  let named = false;
  let op = false;
  const fits = fitsSchema(head, 0, Infinity, GRAPH_DEF, first((node) =>
    node.number === 1 &&
    fitsSchema(head, node.start, node.end, TF_NODE_DEF, (field) => {
      if (field.number === 1) named = field.end > field.start;
      if (field.number === 2) op = named && OP_NAME.test(new TextDecoder().decode(head.subarray(field.start, Math.min(field.end, head.length))));
      return true;
    }),
  ));
  return fits && op;
}

/** TensorFlow op names (`REGISTER_OP`): CamelCase identifiers. */
const OP_NAME = /^[A-Z][A-Za-z0-9_>]*$/;

function startsWith(bytes: Uint8Array, prefix: Uint8Array): boolean {
  return bytes.length >= prefix.length && prefix.every((b, i) => bytes[i] === b);
}

function looksLikeOnnx(head: Uint8Array): boolean {
  let fields = 0;
  let graphShown = false;
  let textEvidence = false;
  const fits = fitsSchema(head, 0, Infinity, MODEL_PROTO, (field) => {
    fields += 1;
    if (fields === 1) return field.number === 1 && field.value >= 1 && field.value <= MAX_PLAUSIBLE_IR_VERSION;
    if (MODEL_PROTO.get(field.number) === 'string') {
      const visible = Math.min(field.end, head.length) - field.start;
      textEvidence = field.end > head.length && visible >= MIN_TEXT_EVIDENCE && head.length >= SNIFF_WINDOW_BYTES;
      return true;
    }
    if (field.number !== 7) return true;
    graphShown = shows(head, field, GRAPH_PROTO, graphStartsWithNodeOrName(head));
    return graphShown;
  });
  // The graph must be seen to start, unless a long string (a doc_string) fills the whole head.
  return fits && fields >= 2 && (graphShown || textEvidence);
}

/** True when the payload of `field` starts inside the head with a first field that fits `fields`. */
function shows(head: Uint8Array, field: HeadField, fields: Schema, check: Check): boolean {
  let seen = false;
  const fits = fitsSchema(head, field.start, field.end, fields, (inner) => {
    seen = true;
    return check(inner);
  });
  return fits && seen;
}

/**
 * Exporters write a graph's nodes (field 1) first, or its name (2) when it has none; the first node
 * must itself parse as a NodeProto as far as the head goes.
 */
function graphStartsWithNodeOrName(head: Uint8Array): Check {
  return first((field) => field.number === 2 || (field.number === 1 && fitsSchema(head, field.start, field.end, NODE_PROTO, () => true)));
}

/** A check applied to the first field only. */
function first(check: Check): Check {
  let seen = false;
  return (field) => {
    if (seen) return true;
    seen = true;
    return check(field);
  };
}

/**
 * Parses the fields of `fields` in head[start, end) as far as the head goes — `end` may lie beyond it —
 * calling `check` for each; a field outside the schema or with another wire type, out of order,
 * overrunning `end`, text that is not UTF-8 or a field rejected by `check` fails.
 */
function fitsSchema(head: Uint8Array, start: number, end: number, fields: Schema, check: Check): boolean {
  const v: Varint = { lo: 0, hi: 0, length: 0 };
  let at = start;
  let last = 0;
  while (at < end && at < head.length) {
    const tag = decodeVarint(head, at, v);
    if (tag === undefined) return true;
    if (tag.length === 0 || tag.hi !== 0) return false;
    const number = tag.lo >>> 3;
    const wireType = tag.lo & 7;
    const kind = fields.get(number);
    if (kind === undefined || wireType !== (kind === 'varint' ? WireType.Varint : WireType.Len) || number < last) return false;
    last = number;
    at += tag.length;
    const value = decodeVarint(head, at, v);
    if (value === undefined) return true;
    if (value.length === 0) return false;
    at += value.length;
    const amount = unsignedOf(value);
    const field: HeadField =
      wireType === WireType.Len ? { number, value: 0, start: at, end: at + amount } : { number, value: amount, start: at, end: at };
    if (field.end > end) return false;
    if (kind === 'string' && !validUtf8Prefix(head.subarray(field.start, Math.min(field.end, head.length)), field.end > head.length)) return false;
    if (!check(field)) return false;
    at = field.end;
  }
  return true;
}

/** Valid UTF-8, allowing a sequence cut by the end of the head when `cut` is set. */
function validUtf8Prefix(bytes: Uint8Array, cut: boolean): boolean {
  for (let trim = 0; trim <= (cut ? 3 : 0) && trim <= bytes.length; trim++) {
    try {
      STRICT_UTF8.decode(bytes.subarray(0, bytes.length - trim));
      return true;
    } catch {
      // try without the last bytes: a multi-byte character may straddle the end of the head
    }
  }
  return false;
}
