/**
 * Protobuf readers accept a message's fields in any order, so the same model with its fields reordered
 * must reach the same analysis and the same findings. The ONNX fixtures are re-encoded by
 * test/fixtures/reordered-onnx/generate.py (python3-onnx checks each is the same ModelProto); the
 * SavedModel, keras_metadata.pb and frozen-graph builders' files by ./reorder.ts.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../../../analyzers/finding.js';
import { modelProtobufKind } from '../../../../analyzers/protobuf/model-kind.js';
import { ONNX_RULES } from '../../../../analyzers/onnx/rules.js';
import { TENSORFLOW_RULES } from '../../../../analyzers/tensorflow/rules.js';
import { DENSE_METADATA, kerasMetadataFile, nodeDef, tf1SavedModel, tf2SavedModel, type NodeSpec } from '../tensorflow/saved-model-builder.js';
import { EXTERNAL, FLOAT, graph, node, tensor } from '../onnx/onnx-builder.js';
import { bytes, concat, message, varint } from './proto-writer.js';
import { GRAPH_DEF_TREE, KERAS_METADATA_TREE, reorder, SAVED_MODEL_TREE, type MessageTree, type Order } from './reorder.js';
import { formatFixture, scanBytes } from './scan-file.js';

/** What a finding says, without where in the file it sits. */
const summary = (findings: readonly Finding[]) => findings.map((f) => [f.ruleId, f.severity, f.message]).sort();
const ORDERS: Order[] = ['reversed', 'shuffled'];
const reorderedFixture = (name: string) => new Uint8Array(readFileSync(new URL(`../../../fixtures/reordered-onnx/${name}`, import.meta.url)));

describe('ONNX fixtures with their fields reordered', () => {
  it.each(['model', 'external', 'custom-domain', 'traversal'].flatMap((name) => ORDERS.map((order) => [name, order] as const)))(
    'should give %s.onnx %s the findings of the original',
    async (name, order) => {
      const original = await scanBytes(`${name}.onnx`, formatFixture(`${name}.onnx`));
      const reordered = await scanBytes(`${name}.onnx`, reorderedFixture(`${name}.${order}.onnx`));
      expect(reordered.format).toBe('protobuf');
      expect(summary(reordered.findings)).toEqual(summary(original.findings));
    },
  );

  it.each(ORDERS)('should keep the traversing external-data location Critical when %s', async (order) => {
    const { findings } = await scanBytes('traversal.onnx', reorderedFixture(`traversal.${order}.onnx`));
    expect(findings.map((f) => [f.ruleId, f.severity])).toContainEqual([ONNX_RULES.externalDataEscape.id, 'Critical']);
  });
});

describe('an ONNX model whose head is one long doc_string', () => {
  // doc_string (6) first and long: the head is text, so recognition by head cannot see the model.
  const docFirst = (graph: Uint8Array) => concat(bytes(6, 'This model card is long. '.repeat(300)), message(7, graph), message(8, bytes(1, ''), varint(2, 13)), varint(1, 8));
  const traversal = graph({ nodes: [node({ op: 'Relu' })], initializers: [tensor({ name: 'w', dims: [4], dataType: FLOAT, external: [['location', '../../../../etc/passwd']], dataLocation: EXTERNAL })] });

  it('should still be walked as ONNX when its name says so, keeping the traversal Critical', async () => {
    const { format, findings } = await scanBytes('model.onnx', docFirst(traversal));
    expect(format).toBe('text');
    expect(findings.map((f) => [f.ruleId, f.severity])).toContainEqual([ONNX_RULES.externalDataEscape.id, 'Critical']);
  });

  it('should leave text named .onnx that is no model to the plain mismatch', async () => {
    const { findings } = await scanBytes('model.onnx', new TextEncoder().encode('not a model at all\n'.repeat(300)));
    expect(findings.map((f) => f.ruleId)).toEqual(['engine.content-mismatch']);
  });
});

const frozen = (...nodes: NodeSpec[]) => concat(...nodes.map((n) => bytes(1, nodeDef(n))), message(4, varint(1, 1645)));
const LAMBDA = JSON.stringify({ class_name: 'Lambda', name: 'lambda', config: { name: 'lambda', function: { class_name: '__tuple__', items: ['4wEAAAAAAAAAAAAAAAEAAAACAAAAQwAAAHMIAAAAfABkARQAUwApAk7pAgAAAKkAKQHaAXhyAgAAAHICAAAA+gg8c3RkaW4+2gg8bGFtYmRhPgEAAABzAgAAAAgA', null, null] }, function_type: 'lambda', module: '__main__' } });

const TENSORFLOW_MODELS: ReadonlyArray<readonly [string, string, Uint8Array, MessageTree, string | undefined]> = [
  ['saved_model.pb', 'a TF2 SavedModel with a PyFunc', tf2SavedModel({ functions: [{ name: '__inference_serve_9', nodes: [{ name: 'py', op: 'PyFunc', strings: { token: 'pyfunc_0' } }] }] }), SAVED_MODEL_TREE, TENSORFLOW_RULES.pythonCallbackOp.id],
  ['saved_model.pb', 'a TF1 SavedModel with WriteFile', tf1SavedModel([{ name: 'write', op: 'WriteFile' }]), SAVED_MODEL_TREE, TENSORFLOW_RULES.fileWriteOp.id],
  ['saved_model.pb', 'a TF2 SavedModel with PrintV2 into a file', tf2SavedModel({ functions: [{ name: '__inference_serve_9', nodes: [{ name: 'print', op: 'PrintV2', strings: { output_stream: 'file:///home/user/.bashrc' } }] }] }), SAVED_MODEL_TREE, TENSORFLOW_RULES.fileWriteOp.id],
  ['saved_model.pb', 'an ordinary TF2 SavedModel', tf2SavedModel(), SAVED_MODEL_TREE, undefined],
  ['keras_metadata.pb', 'a keras_metadata.pb with a Lambda', kerasMetadataFile([{ path: 'root', identifier: '_tf_keras_sequential', json: JSON.stringify({ class_name: 'Sequential', name: 's', config: { name: 's', layers: [] } }) }, { path: 'root.layer-1', identifier: '_tf_keras_layer', json: LAMBDA }]), KERAS_METADATA_TREE, 'keras.lambda-bytecode'],
  ['keras_metadata.pb', 'an ordinary keras_metadata.pb', kerasMetadataFile([{ path: 'root', identifier: '_tf_keras_layer', json: DENSE_METADATA }]), KERAS_METADATA_TREE, undefined],
  ['frozen_graph.pb', 'a frozen graph with PyFunc', frozen({ name: 'input', op: 'Placeholder' }, { name: 'w', op: 'Const', tensorBytes: 64 }, { name: 'py', op: 'PyFunc', strings: { token: 'pyfunc_0' } }), GRAPH_DEF_TREE, TENSORFLOW_RULES.pythonCallbackOp.id],
];

describe('TensorFlow protobufs with their fields reordered', () => {
  it.each([
    ['its object graph (Keras metadata of many layers)', tf2SavedModel({ kerasMetadata: Array.from({ length: 40 }, () => DENSE_METADATA) })],
    ['its function library', tf2SavedModel({ functions: Array.from({ length: 60 }, (_, i) => ({ name: `__inference_fn_${i}`, nodes: [{ name: 'MatMul', op: 'MatMul' }, { name: 'Relu', op: 'Relu' }] })) })],
  ])('should recognise a reversed SavedModel whose head is all %s', (_, data) => {
    const reversed = reorder(data, SAVED_MODEL_TREE, 'reversed');
    expect(reversed.length).toBeGreaterThan(6144);
    expect(modelProtobufKind(reversed.subarray(0, 4096))).toBe('saved-model');
  });

  it.each(TENSORFLOW_MODELS.flatMap(([file, what, data, tree, rule]) => ORDERS.map((order) => [what, order, file, data, tree, rule] as const)))(
    'should give %s, %s, the findings of the original',
    async (_, order, file, data, tree, rule) => {
      const reordered = reorder(data, tree, order, 7);
      expect(Buffer.from(reordered).equals(Buffer.from(data))).toBe(false);
      expect(modelProtobufKind(reordered)).toBe(modelProtobufKind(data));
      const original = await scanBytes(file, data);
      const outcome = await scanBytes(file, reordered);
      expect(outcome.format).toBe('protobuf');
      expect(summary(outcome.findings)).toEqual(summary(original.findings));
      if (rule) expect(outcome.findings.map((f) => f.ruleId)).toContain(rule);
      else expect(outcome.findings).toEqual([]);
    },
  );
});
