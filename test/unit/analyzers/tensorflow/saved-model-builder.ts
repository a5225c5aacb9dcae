/**
 * `saved_model.pb` files written field by field (TensorFlow is not in Debian, so no real tool can make
 * them here). The defaults reproduce what TF2 `tf.saved_model.save` writes for a Keras model: a serving
 * signature function, a saver whose save/restore nodes call `__inference__traced_save_…` and
 * `__inference__traced_restore_…` holding SaveV2, MergeV2Checkpoints and RestoreV2, and Keras layer
 * metadata in the object graph; the TF1 variant keeps its saver under the `save/` name scope.
 */
import { bytes, concat, entry, message, varint, type Part } from '../protobuf/proto-writer.js';

export interface NodeSpec {
  name: string;
  op: string;
  /** String attributes (`s`), e.g. PrintV2's `output_stream`. */
  strings?: Readonly<Record<string, string>>;
  /** List-of-string attributes, e.g. DebugIdentity's `debug_urls`. */
  stringLists?: Readonly<Record<string, readonly string[]>>;
  /** Function attributes (`func`), e.g. StatefulPartitionedCall's `f`. */
  calls?: Readonly<Record<string, string>>;
  /** A tensor attribute (a Const `value`) of this many bytes, to prove tensor attributes are skipped. */
  tensorBytes?: number;
}

export interface FunctionSpec {
  name: string;
  nodes: readonly NodeSpec[];
}

export interface MetaGraphSpec {
  nodes: readonly NodeSpec[];
  functions?: readonly FunctionSpec[];
  saver?: { filename: string; save: string; restore: string };
  kerasMetadata?: readonly string[];
  tags?: readonly string[];
}

/** NodeDef: name 1, op 2, input 3, attr 5 (map<string, AttrValue>: s 2, list 1 {s 2}, tensor 8, func 10 {name 1}). */
export function nodeDef(spec: NodeSpec): Uint8Array {
  const attrs: Part[] = [];
  for (const [key, value] of Object.entries(spec.strings ?? {})) attrs.push(entry(5, key, message(2, bytes(2, value))));
  for (const [key, values] of Object.entries(spec.stringLists ?? {})) attrs.push(entry(5, key, message(2, message(1, ...values.map((v) => bytes(2, v))))));
  for (const [key, fn] of Object.entries(spec.calls ?? {})) attrs.push(entry(5, key, message(2, message(10, bytes(1, fn)))));
  if (spec.tensorBytes !== undefined) attrs.push(entry(5, 'value', message(2, message(8, varint(1, 1), bytes(4, new Uint8Array(spec.tensorBytes))))));
  attrs.push(entry(5, 'dtype', message(2, varint(6, 1))));
  return concat(bytes(1, spec.name), bytes(2, spec.op), bytes(3, 'input:0'), ...attrs);
}

/** FunctionDef: signature 1 (OpDef name 1), node_def 3. */
export function functionDef(spec: FunctionSpec): Uint8Array {
  return concat(message(1, bytes(1, spec.name)), ...spec.nodes.map((n) => bytes(3, nodeDef(n))));
}

/** MetaGraphDef: meta_info_def 1 (tags 4, tensorflow_version 5), graph_def 2 (node 1, library 2), saver_def 3, object_graph_def 7. */
export function metaGraph(spec: MetaGraphSpec): Uint8Array {
  const info = message(1, ...(spec.tags ?? ['serve']).map((t) => bytes(4, t)), bytes(5, '2.15.0'));
  const library = spec.functions?.length ? [message(2, ...spec.functions.map((f) => bytes(1, functionDef(f))))] : [];
  const graph = message(2, ...spec.nodes.map((n) => bytes(1, nodeDef(n))), ...library, message(4, varint(1, 1808)));
  const saver = spec.saver ? [message(3, bytes(1, spec.saver.filename), bytes(2, spec.saver.save), bytes(3, spec.saver.restore), varint(7, 2))] : [];
  const objects = spec.kerasMetadata?.length
    ? [message(7, ...spec.kerasMetadata.map((json) => message(1, message(4, bytes(1, '_tf_keras_layer'), message(2, varint(1, 1)), bytes(3, json)))))]
    : [];
  return concat(info, graph, ...saver, ...objects);
}

/**
 * `keras_metadata.pb` as tf-keras writes it (`protobuf/saved_metadata.proto`): SavedMetadata nodes 1,
 * each a SavedObject with node_id 2 (omitted when 0, as proto3 does), node_path 3, identifier 4,
 * metadata 5 and version 6 (VersionDef producer 1, min_consumer 2).
 */
export function kerasMetadataFile(nodes: ReadonlyArray<{ path: string; identifier: string; json: string }>): Uint8Array {
  return concat(
    ...nodes.map((node, id) =>
      message(1, ...(id === 0 ? [] : [varint(2, id)]), bytes(3, node.path), bytes(4, node.identifier), bytes(5, node.json), message(6, varint(1, 2), varint(2, 1))),
    ),
  );
}

/** SavedModel: saved_model_schema_version 1, meta_graphs 2. */
export function savedModel(...metaGraphs: readonly MetaGraphSpec[]): Uint8Array {
  return concat(varint(1, 1), ...metaGraphs.map((m) => bytes(2, metaGraph(m))));
}

export const DENSE_METADATA = JSON.stringify({
  class_name: 'Dense',
  name: 'dense',
  trainable: true,
  config: { name: 'dense', units: 4, activation: 'relu' },
});

/** The TF2 layout with its saver; `extra` adds nodes and functions to it. */
export function tf2SavedModel(extra: { nodes?: readonly NodeSpec[]; functions?: readonly FunctionSpec[]; kerasMetadata?: readonly string[] } = {}): Uint8Array {
  return savedModel({
    nodes: [
      { name: 'serving_default_input', op: 'Placeholder' },
      { name: 'saver_filename', op: 'Placeholder' },
      { name: 'dense/kernel', op: 'VarHandleOp' },
      { name: 'StatefulPartitionedCall', op: 'StatefulPartitionedCall', calls: { f: '__inference_signature_wrapper_100' } },
      { name: 'StatefulPartitionedCall_1', op: 'StatefulPartitionedCall', calls: { f: '__inference__traced_save_200' } },
      { name: 'StatefulPartitionedCall_2', op: 'StatefulPartitionedCall', calls: { f: '__inference__traced_restore_300' } },
      ...(extra.nodes ?? []),
    ],
    functions: [
      {
        name: '__inference_signature_wrapper_100',
        nodes: [
          { name: 'MatMul/ReadVariableOp', op: 'ReadVariableOp' },
          { name: 'MatMul', op: 'MatMul' },
          { name: 'Relu', op: 'Relu' },
          { name: 'Const', op: 'Const', tensorBytes: 64 },
        ],
      },
      {
        name: '__inference__traced_save_200',
        nodes: [
          { name: 'StaticRegexFullMatch', op: 'StaticRegexFullMatch' },
          { name: 'StringJoin', op: 'StringJoin' },
          { name: 'ShardedFilename', op: 'ShardedFilename' },
          { name: 'SaveV2', op: 'SaveV2' },
          { name: 'MergeV2Checkpoints/checkpoint_prefixes', op: 'Pack' },
          { name: 'MergeV2Checkpoints', op: 'MergeV2Checkpoints' },
          { name: 'Identity', op: 'Identity', calls: { helper: '__inference_save_helper_201' } },
        ],
      },
      { name: '__inference_save_helper_201', nodes: [{ name: 'SaveV2_1', op: 'SaveV2' }] },
      {
        name: '__inference__traced_restore_300',
        nodes: [
          { name: 'RestoreV2', op: 'RestoreV2' },
          { name: 'AssignVariableOp', op: 'AssignVariableOp' },
        ],
      },
      ...(extra.functions ?? []),
    ],
    saver: { filename: 'saver_filename:0', save: 'StatefulPartitionedCall_1:0', restore: 'StatefulPartitionedCall_2' },
    kerasMetadata: extra.kerasMetadata ?? [DENSE_METADATA],
  });
}

/** The TF1 layout: the saver's ops under the `save/` scope. */
export function tf1SavedModel(extra: readonly NodeSpec[] = []): Uint8Array {
  return savedModel({
    nodes: [
      { name: 'x', op: 'Placeholder' },
      { name: 'w', op: 'VariableV2' },
      { name: 'y', op: 'MatMul' },
      { name: 'save/Const', op: 'Const' },
      { name: 'save/SaveV2', op: 'SaveV2' },
      { name: 'save/control_dependency', op: 'Identity' },
      { name: 'save/RestoreV2', op: 'RestoreV2' },
      { name: 'save/restore_all', op: 'NoOp' },
      ...extra,
    ],
    saver: { filename: 'save/Const:0', save: 'save/control_dependency:0', restore: 'save/restore_all' },
  });
}
