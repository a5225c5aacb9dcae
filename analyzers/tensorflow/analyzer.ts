/**
 * The TensorFlow SavedModel analyzer (oci-model-formats.md §6.8): walks `saved_model.pb` (or its text
 * form `saved_model.pbtxt`, ./saved-model-text.ts, or a frozen graph's bare GraphDef) for operations that reach files, Python or the
 * network (ops.ts) in the graph and in every library function, tells the saver's own checkpoint ops
 * from others, and checks Keras layer metadata — kept in the object graph,
 * or since TF 2.5 in `keras_metadata.pb`, which Keras revives layers from (Lambda bytecode included) —
 * with the Keras config rules.
 */
import type { Analyzer, AnalysisContext } from '../analyzer.js';
import { ENGINE_RULES, LimitExceededError } from '../engine-rules.js';
import type { Finding, Rule } from '../finding.js';
import { clip, FindingBudget, type FindingSink } from '../finding-budget.js';
import { inspectKerasConfig } from '../keras/config-inspector.js';
import { parsePythonJson } from '../keras/python-json.js';
import { KERAS_RULES } from '../keras/rules.js';
import { modelProtobufKinds, type ModelProtobufKind } from '../protobuf/model-kind.js';
import { reportWalkError } from '../protobuf/walk-errors.js';
import { parseTextFormat } from '../protobuf/text-format.js';
import { WireReader } from '../protobuf/wire-reader.js';
import { BufferSource, bufferedSource, type ByteSource } from '../source.js';
import { CHECKPOINT_OPS, PRINT_OP, PRINT_TO_FILE, RISKY_OPS, type OpCapability, type OpRisk } from './ops.js';
import { TENSORFLOW_RULES as RULES } from './rules.js';
import { SavedModelWalk, type MetaGraphFacts, type OpUse, type SavedModelFacts } from './saved-model.js';
import { looksLikeSavedModelText, savedModelWireBytes } from './saved-model-text.js';

/** Text SavedModels are parsed in memory; real ones are small (the tensors live in `variables/`). */
const MAX_TEXT_BYTES = 64 * 1024 * 1024;

const RULE_FOR: Readonly<Record<OpCapability, Rule>> = {
  'python-callback': RULES.pythonCallbackOp,
  'file-read': RULES.fileReadOp,
  'file-write': RULES.fileWriteOp,
  network: RULES.networkOp,
};

export const tensorflowAnalyzer: Analyzer = {
  name: 'tensorflow',
  formats: ['protobuf', 'text'],
  // Keras layer metadata in the object graph is judged by the Keras rules.
  rules: [...Object.values(RULES), KERAS_RULES.lambdaBytecode, KERAS_RULES.lambdaLayer, KERAS_RULES.unsafeModule, KERAS_RULES.customModule, KERAS_RULES.safeModeBypass, KERAS_RULES.nonModelingApi],

  async analyze(ctx: AnalysisContext): Promise<Finding[]> {
    // The protobuf format is shared with ONNX, text with everything: the head says which file this is.
    const kind = ctx.format === 'text' ? (looksLikeSavedModelText(new TextDecoder().decode(ctx.head)) ? 'saved-model-text' : undefined) : tensorflowKind(modelProtobufKinds(ctx.head));
    if (kind === undefined) return [];
    const budget = new FindingBudget(ctx.file.path);
    const walk = new SavedModelWalk(new WireReader(kind === 'saved-model-text' ? await wireFromText(ctx, budget) : ctx.source));
    try {
      if (kind === 'keras-metadata') await walk.kerasMetadataFile();
      else if (kind === 'graph-def') await walk.graphDefFile();
      else await walk.savedModel();
    } catch (error) {
      reportWalkError(error, budget, RULES.malformed, 'tensorflow');
    }
    judgeOps(walk.facts, budget);
    judgeKerasMetadata(walk.facts, budget);
    if (!walk.facts.complete)
      budget.add(ENGINE_RULES.limitExceeded, {
        message: 'the SavedModel holds more op uses, calls or Keras metadata than the scanner records; the rest were not checked',
        details: { limit: 'tensorflow records', analyzer: 'tensorflow' },
      });
    return budget.findings();
  },
};

/** The TensorFlow reading of a head (one that is also ONNX is analysed by both analyzers). */
function tensorflowKind(kinds: readonly ModelProtobufKind[]): Exclude<ModelProtobufKind, 'onnx'> | undefined {
  return kinds.find((kind): kind is Exclude<ModelProtobufKind, 'onnx'> => kind !== 'onnx');
}

/** A `saved_model.pbtxt` as the wire bytes the walk reads; empty (and a finding) when it cannot be parsed. */
async function wireFromText(ctx: AnalysisContext, sink: FindingSink): Promise<ByteSource> {
  try {
    const declared = ctx.source.size;
    if (declared !== undefined && declared > MAX_TEXT_BYTES) throw new LimitExceededError('SavedModel text bytes', declared, MAX_TEXT_BYTES);
    const held = await bufferedSource(ctx.source, MAX_TEXT_BYTES + 1);
    const size = held.size ?? 0;
    if (size > MAX_TEXT_BYTES) throw new LimitExceededError('SavedModel text bytes', size, MAX_TEXT_BYTES);
    const text = new TextDecoder().decode(await held.read(0, size));
    return new BufferSource(savedModelWireBytes(parseTextFormat(text)));
  } catch (error) {
    reportWalkError(error, sink, RULES.malformed, 'tensorflow');
    return new BufferSource(new Uint8Array(0));
  }
}

function judgeOps(facts: SavedModelFacts, sink: FindingSink): void {
  const savers = facts.metaGraphs.map(saverOf);
  for (const use of facts.uses) {
    const saver = savers[use.metaGraph];
    const checkpoint = CHECKPOINT_OPS.get(use.op);
    if (checkpoint) {
      if (!saver?.contains(use)) report(RULES.checkpointOpOutsideSaver, checkpoint, use, sink);
      continue;
    }
    if (use.op === PRINT_OP) {
      if (use.attrs.output_stream?.some((s) => s.startsWith('file://'))) report(RULE_FOR[PRINT_TO_FILE.capability], PRINT_TO_FILE, use, sink);
      continue;
    }
    const risk = RISKY_OPS.get(use.op);
    if (risk) report(RULE_FOR[risk.capability], risk, use, sink);
  }
}

function report(rule: Rule, risk: OpRisk, use: OpUse, sink: FindingSink): void {
  const where = use.container === 'graph' ? 'the graph' : `function ${JSON.stringify(clip(use.container))}`;
  const evidence = Object.entries(use.attrs).map(([key, values]) => `${key}=${values.map((v) => JSON.stringify(clip(v))).join(',')}`);
  sink.add(rule, {
    message: `op ${use.op} (node ${JSON.stringify(clip(use.node))} in ${where}) ${risk.reason}${evidence.length > 0 ? ` [${evidence.join('; ')}]` : ''}`,
    severity: risk.severity,
    location: `meta_graphs[${use.metaGraph}] ${use.container === 'graph' ? 'graph_def' : `library function ${clip(use.container)}`} node ${clip(use.node)}`,
    details: { op: use.op, node: clip(use.node), container: clip(use.container), attrs: use.attrs },
  });
}

/**
 * The saver of one meta graph: TF1 savers live under a name scope (`save/SaveV2`, from
 * `filename_tensor_name: "save/Const:0"`); TF2 savers are graph nodes (`StatefulPartitionedCall_1`)
 * calling library functions (`__inference__traced_save_…`), which may call further functions.
 */
function saverOf(meta: MetaGraphFacts): { contains(use: OpUse): boolean } {
  const nodes = meta.saverNames.map((name) => name.split(':')[0] ?? name);
  const scopes = nodes.filter((n) => n.includes('/')).map((n) => n.slice(0, n.lastIndexOf('/') + 1));
  const functions = new Set<string>();
  const queue = nodes.flatMap((n) => meta.graphCalls.get(n) ?? []);
  for (let fn = queue.pop(); fn !== undefined; fn = queue.pop()) {
    if (functions.has(fn)) continue;
    functions.add(fn);
    queue.push(...(meta.functionCalls.get(fn) ?? []));
  }
  return {
    contains: (use) => (use.container === 'graph' ? scopes.some((scope) => use.node.startsWith(scope)) : functions.has(use.container)),
  };
}

/** Keras 2 SavedModels keep each layer's config as JSON in `SavedUserObject.metadata`. */
function judgeKerasMetadata(facts: SavedModelFacts, sink: FindingSink): void {
  try {
    for (const { where, json } of facts.kerasMetadata) {
      const parsed = parsePythonJson(json);
      // Metadata that is not JSON is not Keras's; TensorFlow itself ignores it.
      if (parsed.ok) inspectKerasConfig(parsed.value, where, sink);
    }
  } catch (error) {
    reportWalkError(error, sink, RULES.malformed, 'tensorflow');
  }
}
