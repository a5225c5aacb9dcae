/**
 * The ONNX analyzer: walks the model's protobuf wire format (never decoding it into objects and never
 * reading tensor data) for external data that escapes the model directory, tensors whose bytes do not
 * match their shape, custom operator domains and unusual opsets (oci-model-formats.md §6.3).
 */
import type { Analyzer, AnalysisContext } from '../analyzer.js';
import type { Finding } from '../finding.js';
import { FindingBudget } from '../finding-budget.js';
import { modelProtobufKind } from '../protobuf/model-kind.js';
import { reportWalkError } from '../protobuf/walk-errors.js';
import { WireReader } from '../protobuf/wire-reader.js';
import { OnnxModelWalk } from './model-walk.js';
import { OperatorCensus } from './operators.js';
import { ONNX_RULES as RULES } from './rules.js';

/** IR versions released so far (`onnx.in.proto` `Version`: IR_VERSION_2017_10_10 = 1 … IR_VERSION = 14). */
const LATEST_IR_VERSION = 14;

export const onnxAnalyzer: Analyzer = {
  name: 'onnx',
  formats: ['protobuf'],
  rules: Object.values(RULES),

  async analyze(ctx: AnalysisContext): Promise<Finding[]> {
    // The protobuf format is shared with TensorFlow SavedModels; the head says which one this is.
    if (modelProtobufKind(ctx.head) !== 'onnx') return [];
    const budget = new FindingBudget(ctx.file.path);
    const census = new OperatorCensus();
    const walk = new OnnxModelWalk(new WireReader(ctx.source), budget, census);
    let complete = false;
    try {
      await walk.model();
      complete = true;
    } catch (error) {
      reportWalkError(error, budget, RULES.malformed, 'onnx');
    }
    census.report(budget);
    if (complete) checkOutline(walk, budget);
    return budget.findings();
  },
};

function checkOutline({ outline }: OnnxModelWalk, budget: FindingBudget): void {
  if (outline.graphs === 0) budget.add(RULES.malformed, { message: 'the model has no graph', location: 'graph' });
  const ir = outline.irVersion;
  if (ir === undefined || ir < 1 || ir > LATEST_IR_VERSION)
    budget.add(RULES.unusualIrVersion, {
      message: ir === undefined ? 'the model sets no ir_version' : `ir_version is ${ir}; released versions run 1–${LATEST_IR_VERSION}`,
      location: 'ir_version',
      details: { irVersion: ir ?? null },
    });
}
