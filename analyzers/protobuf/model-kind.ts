/**
 * Recognising model protobufs from their first bytes. Protobuf has no magic number
 * (oci-model-formats.md §6, routing table), so the head is parsed against the schema it would have to
 * follow — wire-valid, every field a known field of its message with its wire type, nested lengths
 * inside their parents — in whatever order the fields come, since every protobuf reader accepts any
 * order (an attacker reorders to hide a model from a scanner that expects the writer's order). Then the
 * head must show what makes the kind: an ONNX graph with content, a SavedModel meta graph, a GraphDef
 * node with a name and an op, a keras_metadata.pb node with a `_tf_keras…` identifier.
 * Only the head is judged: a file cut short after the sniff window is still recognised, so its analyzer
 * can report the damage; a shorter head is the whole file, and one cut short there is no protobuf at all.
 * Text never fits these schemas for long and random data fails the nested checks, which keeps false
 * positives out (test/unit/analyzers/protobuf/model-kind.test.ts).
 */
import { decodeVarint, unsignedOf, WireType, type Varint } from './varint.js';

export type ModelProtobufKind = 'onnx' | 'saved-model' | 'keras-metadata' | 'graph-def';

/**
 * How a field is encoded: a varint, text (which must be valid UTF-8), bytes, a nested message — checked
 * against its own schema when one is given, taken as opaque bytes otherwise — or a repeated number,
 * which readers take packed (one Len field) or one field per value (`varints`, `fixed32s`, `fixed64s`).
 */
type FieldKind = 'varint' | 'string' | 'bytes' | 'message' | 'varints' | 'fixed32s' | 'fixed64s' | Schema;

const PACKED_WIRE_TYPE: Readonly<Record<string, number>> = { varints: WireType.Varint, fixed32s: WireType.I32, fixed64s: WireType.I64 };

function fitsWireType(kind: FieldKind, wireType: number): boolean {
  if (kind === 'varint') return wireType === WireType.Varint;
  if (typeof kind === 'string' && kind in PACKED_WIRE_TYPE) return wireType === WireType.Len || wireType === PACKED_WIRE_TYPE[kind];
  return wireType === WireType.Len;
}
/** Field number → kind of the fields a message may hold. */
interface Schema {
  readonly fields: ReadonlyMap<number, FieldKind>;
}

const schema = (entries: ReadonlyArray<readonly [number, FieldKind]>): Schema => ({ fields: new Map(entries) });

/** onnx/onnx `onnx/onnx.in.proto` (§6.3): ModelProto and the messages of its graph. */
const STRING_ENTRY = schema([[1, 'string'], [2, 'string']]);
const OPERATOR_SET_ID = schema([[1, 'string'], [2, 'varint']]);
const TENSOR_PROTO = schema([
  [1, 'varints'], [2, 'varint'], [3, 'message'], [4, 'fixed32s'], [5, 'varints'], [6, 'bytes'], [7, 'varints'], [8, 'string'],
  [9, 'bytes'], [10, 'fixed64s'], [11, 'varints'], [12, 'string'], [13, STRING_ENTRY], [14, 'varint'], [16, STRING_ENTRY],
]);
const NODE_PROTO = schema([
  [1, 'string'], [2, 'string'], [3, 'string'], [4, 'string'], [5, 'message'], [6, 'string'], [7, 'string'], [8, 'string'],
  [9, STRING_ENTRY], [10, 'message'],
]);
const GRAPH_PROTO = schema([
  [1, NODE_PROTO], [2, 'string'], [5, TENSOR_PROTO], [10, 'string'], [11, 'message'], [12, 'message'], [13, 'message'],
  [14, 'message'], [15, 'message'], [16, STRING_ENTRY],
]);
const MODEL_PROTO = schema([
  [1, 'varint'], [2, 'string'], [3, 'string'], [4, 'string'], [5, 'varint'], [6, 'string'], [7, GRAPH_PROTO],
  [8, OPERATOR_SET_ID], [14, STRING_ENTRY], [20, 'message'], [25, 'message'], [26, 'message'],
]);

/** tensorflow `graph.proto` GraphDef: node 1, library 2, version 3 (deprecated), versions 4. */
const ATTR_ENTRY = schema([[1, 'string'], [2, 'message']]);
/** tensorflow `node_def.proto` NodeDef: name 1, op 2, input 3, device 4, attr 5, debug info 6, type 7. */
const TF_NODE_DEF = schema([[1, 'string'], [2, 'string'], [3, 'string'], [4, 'string'], [5, ATTR_ENTRY], [6, 'message'], [7, 'message']]);
/** `op_def.proto` OpDef and `function.proto` FunctionDef, FunctionDefLibrary: a library may fill a head. */
const OP_DEF = schema([
  [1, 'string'], [2, 'message'], [3, 'message'], [4, 'message'], [5, 'string'], [6, 'string'], [8, 'message'],
  [16, 'varint'], [17, 'varint'], [18, 'varint'], [19, 'varint'], [20, 'string'], [21, 'varint'],
]);
const STRING_MAP_ENTRY = schema([[1, 'string'], [2, 'string']]);
const FUNCTION_DEF = schema([[1, OP_DEF], [2, 'message'], [3, TF_NODE_DEF], [4, STRING_MAP_ENTRY], [5, 'message'], [6, STRING_MAP_ENTRY], [7, 'message'], [8, 'message']]);
const FUNCTION_LIBRARY = schema([[1, FUNCTION_DEF], [2, 'message'], [3, 'message']]);
const GRAPH_DEF = schema([[1, TF_NODE_DEF], [2, FUNCTION_LIBRARY], [3, 'varint'], [4, 'message']]);
/** tensorflow `meta_graph.proto` MetaInfoDef, MetaGraphDef; `saver.proto`; `saved_object_graph.proto`; `saved_model.proto` (§6.8). */
const META_INFO_DEF = schema([[1, 'string'], [2, 'message'], [3, 'message'], [4, 'string'], [5, 'string'], [6, 'string'], [7, 'varint'], [8, 'message']]);
const SAVER_DEF = schema([[1, 'string'], [2, 'string'], [3, 'string'], [4, 'varint'], [5, 'varint'], [6, 'fixed32s'], [7, 'varint']]);
/** map<string, CollectionDef / SignatureDef / …>: key 1, value 2. */
const MESSAGE_MAP_ENTRY = schema([[1, 'string'], [2, 'message']]);
const OBJECT_REFERENCE = schema([[1, 'varint'], [2, 'string']]);
const SAVED_USER_OBJECT = schema([[1, 'string'], [2, 'message'], [3, 'string']]);
const SAVED_OBJECT = schema([
  [1, OBJECT_REFERENCE], [2, 'message'], [3, 'message'], [4, SAVED_USER_OBJECT], [5, 'message'], [6, 'message'], [7, 'message'],
  [8, 'message'], [9, 'message'], [10, 'message'], [11, 'message'], [12, 'message'], [13, 'string'], [14, 'message'], [15, 'string'],
]);
const SAVED_OBJECT_GRAPH = schema([[1, SAVED_OBJECT], [2, MESSAGE_MAP_ENTRY]]);
const META_GRAPH_DEF = schema([
  [1, META_INFO_DEF], [2, GRAPH_DEF], [3, SAVER_DEF], [4, MESSAGE_MAP_ENTRY], [5, MESSAGE_MAP_ENTRY], [6, 'message'], [7, SAVED_OBJECT_GRAPH],
]);
const SAVED_MODEL = schema([[1, 'varint'], [2, META_GRAPH_DEF]]);

/** tf-keras `protobuf/saved_metadata.proto`: SavedMetadata { repeated SavedObject nodes = 1 }. */
const SAVED_METADATA_OBJECT = schema([[2, 'varint'], [3, 'string'], [4, 'string'], [5, 'string'], [6, 'message']]);
const SAVED_METADATA = schema([[1, SAVED_METADATA_OBJECT]]);
/** Every identifier tf-keras writes (`_tf_keras_layer`, `_tf_keras_network`, …) starts so. */
const KERAS_IDENTIFIER = '_tf_keras';

/**
 * The head the engine sniffs (sniff.ts `SNIFF_BYTES`, checked equal by the tests). Only a head this long
 * can end inside a field of a real model; a shorter one is the whole file (a ByteSource reads fewer
 * bytes than asked only at the end of the data).
 */
export const SNIFF_WINDOW_BYTES = 4096;
/** ONNX IR versions run 1–14 today; a little headroom keeps future models recognised. */
const MAX_PLAUSIBLE_IR_VERSION = 32;
/** Bytes of a string field that must be valid UTF-8 when the head ends inside it. */
const MIN_TEXT_EVIDENCE = 16;
/** Fields judged per head: a 4 KiB head cannot hold more than this many real ones. */
const MAX_FIELDS = 4096;

/** A field seen in the head, by its path of field numbers from the top (`7.1.4`: graph, node, op_type). */
interface SeenField {
  readonly path: string;
  readonly number: number;
  readonly value: number;
  /** Text of a string field, as far as the head shows it. */
  readonly text: string | undefined;
  /** The field's payload runs past the head (which is then a full one: see {@link seenFields}). */
  readonly cut: boolean;
  /** A Len field of no bytes. */
  readonly empty: boolean;
  /** Index of the enclosing message occurrence (fields sharing it belong to the same node…). */
  readonly parent: number;
  /** How the schema reads it: a number, bytes, text or a (nested) message. */
  readonly kind: 'varint' | 'bytes' | 'string' | 'message';
}

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Which model protobufs the head (the first bytes of a file) can be read as, judged by structure, not
 * order: protobuf readers accept fields in any order (protobuf.dev "Encoding": "fields may appear in any
 * order"), so the head must parse — wire-valid, every field a known one of its message with its wire
 * type, nested lengths inside their parents — and show the fields that make the kind: an ONNX graph,
 * a SavedModel's meta graph, a node named and typed, a tf-keras identifier. Usually one kind; a head
 * two readers accept is analysed as both.
 */
export function modelProtobufKinds(head: Uint8Array): ModelProtobufKind[] {
  const kinds: ModelProtobufKind[] = [];
  const savedModel = seenFields(head, SAVED_MODEL);
  if (savedModel && isSavedModel(savedModel)) kinds.push('saved-model');
  const onnx = seenFields(head, MODEL_PROTO);
  // A meta graph can read as a long UTF-8 producer name: that alone is no ONNX evidence next to a SavedModel.
  if (onnx && isOnnx(onnx, kinds.length === 0)) kinds.push('onnx');
  const metadata = seenFields(head, SAVED_METADATA);
  if (metadata && isKerasMetadata(metadata)) kinds.push('keras-metadata');
  const graph = seenFields(head, GRAPH_DEF);
  if (graph && isGraphDef(graph)) kinds.push('graph-def');
  return kinds;
}

/** The one kind the head reads as, or the first of several (see {@link modelProtobufKinds}). */
export function modelProtobufKind(head: Uint8Array): ModelProtobufKind | undefined {
  return modelProtobufKinds(head)[0];
}

function isSavedModel(fields: readonly SeenField[]): boolean {
  if (fields.some((f) => f.path === '1' && f.value !== 1)) return false; // saved_model_schema_version is 1
  // A meta graph showing two of its own values (meta info and its tags, a graph and a node…), or one
  // beside the schema version.
  const shown = evidence(fields, '2.');
  return shown >= 2 || (shown === 1 && fields.some((f) => f.path === '1'));
}

function isOnnx(fields: readonly SeenField[], alone: boolean): boolean {
  if (fields.some((f) => f.path === '1' && (f.value < 1 || f.value > MAX_PLAUSIBLE_IR_VERSION))) return false;
  // A graph showing its content: two values, or one beside a value of the model itself.
  const top = fields.filter((f) => !f.path.includes('.'));
  const graph = evidence(fields, '7.');
  if (graph >= 2 || (graph === 1 && evidence(top.filter((f) => f.number !== 7), '') >= 1)) return true;
  // A long string (a doc_string) running past a full head, after another field of the model.
  return (
    alone &&
    top.length >= 2 &&
    top.some((f) => f.cut && MODEL_PROTO.fields.get(f.number) === 'string' && (f.text?.length ?? 0) >= MIN_TEXT_EVIDENCE)
  );
}

/**
 * Text that shows a name or a doc string: two characters or more, a letter or digit among them, and no
 * control character but tab and line ends. Exporters write such names ("pytorch", "tf2onnx",
 * "main_graph", op types from "If" up); one character or a blank is what noise spells (the doc_string
 * " " of `08 01 3a 03 52 01 20`).
 */
const SHOWN_TEXT = /^(?=[^]*[\p{L}\p{N}])[^\u0000-\u0008\u000b\u000c\u000e-\u001f]{2,}$/u;

/**
 * How much the fields under `prefix` show of a real message: each string showing text, non-zero number
 * and non-empty byte string counts one; one cut by the (full) head — a structure consistent up to the
 * head's last byte — counts two. Empty fields, zeros and stray characters are what noise is made of.
 */
function evidence(fields: readonly SeenField[], prefix: string): number {
  let total = 0;
  for (const f of fields) {
    if (!f.path.startsWith(prefix)) continue;
    const shown = f.text !== undefined ? SHOWN_TEXT.test(f.text) : f.kind === 'varint' ? f.value > 0 : f.kind === 'bytes' && !f.empty;
    if (shown) total += f.cut ? 2 : 1;
  }
  return total;
}

/** A node's identifier names tf-keras; one cut by the head is judged by what it shows. */
function isKerasMetadata(fields: readonly SeenField[]): boolean {
  const identifiers = fields.filter((f) => f.path === '1.4');
  if (identifiers.some((f) => !KERAS_IDENTIFIER.startsWith((f.text ?? '').slice(0, KERAS_IDENTIFIER.length)))) return false;
  return identifiers.some((f) => (f.text ?? '').startsWith(KERAS_IDENTIFIER));
}

/** A node with a name and an op name made of an op's characters, in either order. */
function isGraphDef(fields: readonly SeenField[]): boolean {
  const nodes = new Map<number, { named: boolean; op: boolean }>();
  for (const f of fields) {
    if (f.path !== '1.1' && f.path !== '1.2') continue;
    const node = nodes.get(f.parent) ?? { named: false, op: false };
    if (f.path === '1.1') node.named ||= (f.text ?? '').length > 0;
    else node.op ||= OP_NAME.test(f.text ?? '');
    nodes.set(f.parent, node);
  }
  return [...nodes.values()].some((n) => n.named && n.op);
}

/** TensorFlow op names (`REGISTER_OP`): CamelCase identifiers. */
const OP_NAME = /^[A-Z][A-Za-z0-9_>]*$/;

/**
 * Every field of the head read against `root`, or undefined when the head does not fit it: a field
 * outside its message's schema or with another wire type, a payload overrunning its parent, text that
 * is not UTF-8, more fields than a head holds, or a whole file cut short. A nested message that does
 * not fit is dropped with its fields; the top level must fit. Bounded by the head: nothing beyond it is read.
 */
function seenFields(head: Uint8Array, root: Schema): SeenField[] | undefined {
  // A head shorter than the window is the whole file, so a field or tag running past its end is no cut
  // but a parse error: a protobuf reader rejects a length-delimited field longer than the input left
  // (protobuf python/google/protobuf/internal/decoder.py: `new_pos = pos + size; if new_pos > end: raise
  // _DecodeError('Truncated string.')`, 'Truncated message.' for a message), and so does onnx.load, which is
  // ParseFromString. Only a full head ends inside a field of a loadable file.
  const whole = head.length < SNIFF_WINDOW_BYTES;
  const seen: SeenField[] = [];
  let occurrences = 0;
  const v: Varint = { lo: 0, hi: 0, length: 0 };
  const walk = (start: number, end: number, message: Schema, prefix: string, parent: number): boolean => {
    let at = start;
    while (at < end && at < head.length) {
      if (seen.length >= MAX_FIELDS) return false;
      const tag = decodeVarint(head, at, v);
      if (tag === undefined) return !whole; // the head ends inside a tag
      if (tag.length === 0 || tag.hi !== 0) return false;
      const number = tag.lo >>> 3;
      const wireType = tag.lo & 7;
      const kind = message.fields.get(number);
      if (kind === undefined || !fitsWireType(kind, wireType)) return false;
      at += tag.length;
      let amount = 0;
      if (wireType === WireType.Varint || wireType === WireType.Len) {
        const value = decodeVarint(head, at, v);
        if (value === undefined) return !whole;
        if (value.length === 0) return false;
        at += value.length;
        amount = unsignedOf(value);
      }
      const payloadEnd = wireType === WireType.Len ? at + amount : wireType === WireType.I32 ? at + 4 : wireType === WireType.I64 ? at + 8 : at;
      if (payloadEnd > end) return false;
      const path = prefix === '' ? String(number) : `${prefix}.${number}`;
      const cut = payloadEnd > head.length;
      let text: string | undefined;
      if (kind === 'string') {
        text = utf8Prefix(head.subarray(at, Math.min(payloadEnd, head.length)), cut);
        if (text === undefined) return false;
      }
      const mark = seen.length;
      const reading = kind === 'string' ? 'string' : wireType !== WireType.Len ? 'varint' : typeof kind === 'object' || kind === 'message' ? 'message' : 'bytes';
      seen.push({ path, number, value: wireType === WireType.Varint ? amount : 0, text, cut, empty: wireType === WireType.Len && amount === 0, parent, kind: reading });
      if (cut && wireType !== WireType.Len) return true; // the head ends inside a fixed-size value
      // A nested message that does not fit is no evidence, but its parent still is: a model damaged
      // inside is recognised, so its analyzer reports the damage.
      if (typeof kind === 'object' && !walk(at, payloadEnd, kind, path, ++occurrences)) seen.length = mark;
      at = payloadEnd;
    }
    return true;
  };
  return walk(0, whole ? head.length : Infinity, root, '', 0) ? seen : undefined;
}

/** Valid UTF-8 as text, allowing a sequence cut by the end of the head when `cut` is set. */
function utf8Prefix(bytes: Uint8Array, cut: boolean): string | undefined {
  for (let trim = 0; trim <= (cut ? 3 : 0) && trim <= bytes.length; trim++) {
    try {
      return STRICT_UTF8.decode(bytes.subarray(0, bytes.length - trim));
    } catch {
      // try without the last bytes: a multi-byte character may straddle the end of the head
    }
  }
  return undefined;
}
