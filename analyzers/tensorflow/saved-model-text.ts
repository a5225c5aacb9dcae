/**
 * `saved_model.pbtxt`: TensorFlow's loader takes a SavedModel in protobuf text format when there is no
 * `saved_model.pb` (`loader_impl.parse_saved_model`), so the same ops and Keras metadata can hide there.
 * The text is parsed (../protobuf/text-format.ts) and the fields the SavedModel walk reads are written
 * back in wire format with their numbers from ./saved-model.ts, so one walk judges both encodings.
 * Fields the walk does not read (tensors, shapes, types) are dropped.
 */
import type { TextMessage } from '../protobuf/text-format.js';
import { encodeVarint as varint } from '../protobuf/varint.js';
import {
  ATTR_VALUE,
  FUNCTION_DEF,
  GRAPH_DEF,
  LIBRARY,
  LIST_VALUE,
  MAP_ENTRY,
  META_GRAPH,
  META_INFO,
  NAME_ATTR_LIST,
  NODE_DEF,
  OBJECT_GRAPH,
  OP_DEF,
  SAVED_MODEL,
  SAVED_OBJECT,
  SAVER_DEF,
  USER_OBJECT,
} from './saved-model.js';

type MessageType =
  | 'SavedModel' | 'MetaGraphDef' | 'MetaInfoDef' | 'GraphDef' | 'FunctionDefLibrary' | 'FunctionDef' | 'OpDef' | 'NodeDef'
  | 'AttrEntry' | 'AttrValue' | 'ListValue' | 'NameAttrList' | 'SaverDef' | 'SavedObjectGraph' | 'SavedObject' | 'SavedUserObject';
type FieldSpec = readonly [number, 'string' | 'varint' | MessageType];

/** Text-format field names (the protos' own) of every message the walk reads. */
const SCHEMA: Readonly<Record<MessageType, Readonly<Record<string, FieldSpec>>>> = {
  SavedModel: { saved_model_schema_version: [SAVED_MODEL.schemaVersion, 'varint'], meta_graphs: [SAVED_MODEL.metaGraphs, 'MetaGraphDef'] },
  MetaGraphDef: {
    meta_info_def: [META_GRAPH.metaInfo, 'MetaInfoDef'],
    graph_def: [META_GRAPH.graphDef, 'GraphDef'],
    saver_def: [META_GRAPH.saverDef, 'SaverDef'],
    object_graph_def: [META_GRAPH.objectGraph, 'SavedObjectGraph'],
  },
  MetaInfoDef: { tags: [META_INFO.tags, 'string'] },
  GraphDef: { node: [GRAPH_DEF.node, 'NodeDef'], library: [GRAPH_DEF.library, 'FunctionDefLibrary'] },
  FunctionDefLibrary: { function: [LIBRARY.function, 'FunctionDef'] },
  FunctionDef: { signature: [FUNCTION_DEF.signature, 'OpDef'], node_def: [FUNCTION_DEF.nodeDef, 'NodeDef'] },
  OpDef: { name: [OP_DEF.name, 'string'] },
  NodeDef: { name: [NODE_DEF.name, 'string'], op: [NODE_DEF.op, 'string'], attr: [NODE_DEF.attr, 'AttrEntry'] },
  AttrEntry: { key: [MAP_ENTRY.key, 'string'], value: [MAP_ENTRY.value, 'AttrValue'] },
  AttrValue: { list: [ATTR_VALUE.list, 'ListValue'], s: [ATTR_VALUE.s, 'string'], func: [ATTR_VALUE.func, 'NameAttrList'] },
  ListValue: { s: [LIST_VALUE.s, 'string'], func: [LIST_VALUE.func, 'NameAttrList'] },
  NameAttrList: { name: [NAME_ATTR_LIST.name, 'string'] },
  SaverDef: {
    filename_tensor_name: [SAVER_DEF.filenameTensor, 'string'],
    save_tensor_name: [SAVER_DEF.saveTensor, 'string'],
    restore_op_name: [SAVER_DEF.restoreOp, 'string'],
  },
  SavedObjectGraph: { nodes: [OBJECT_GRAPH.nodes, 'SavedObject'] },
  SavedObject: { user_object: [SAVED_OBJECT.userObject, 'SavedUserObject'] },
  SavedUserObject: { identifier: [USER_OBJECT.identifier, 'string'], metadata: [USER_OBJECT.metadata, 'string'] },
};

/** What a text file must start with (after comments) to be taken for a SavedModel. */
const LEADING_FIELD = /^(?:\s|#[^\n]*\n)*(?:saved_model_schema_version\s*:|meta_graphs\s*[:{<])/;

export function looksLikeSavedModelText(head: string): boolean {
  return LEADING_FIELD.test(head);
}

/** The parsed SavedModel text as wire-format bytes, holding only the fields the walk reads. */
export function savedModelWireBytes(message: TextMessage): Uint8Array {
  return Buffer.concat(encode(message, 'SavedModel'));
}

function encode(message: TextMessage, type: MessageType): Uint8Array[] {
  const fields = SCHEMA[type];
  const parts: Uint8Array[] = [];
  for (const { name, value } of message) {
    const spec = fields[name];
    if (!spec) continue;
    const [number, kind] = spec;
    if (kind === 'varint') {
      if (value.kind === 'scalar' && /^(-?\d+|0x[0-9a-f]+)$/i.test(value.text)) parts.push(varint((number << 3) | 0), varint(BigInt(value.text)));
    } else if (kind === 'string') {
      if (value.kind === 'scalar') parts.push(...lengthDelimited(number, [value.bytes]));
    } else if (value.kind === 'message') parts.push(...lengthDelimited(number, encode(value.fields, kind)));
  }
  return parts;
}

function lengthDelimited(number: number, payload: Uint8Array[]): Uint8Array[] {
  const length = payload.reduce((n, p) => n + p.length, 0);
  return [varint((number << 3) | 2), varint(length), ...payload];
}
