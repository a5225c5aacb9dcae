/**
 * The ONNX analyzer: walks the model's protobuf wire format (never decoding it into objects and never
 * reading tensor data) for external data that escapes the model directory, tensors whose bytes do not
 * match their shape, custom operator domains and unusual opsets (oci-model-formats.md §6.3). The
 * external data files a model names are recorded, and once every file is scanned `conclude` reports
 * those the scan did not include.
 */
import { posix } from 'node:path';
import type { Analyzer, AnalysisContext, ExternalDataFact, Fact } from '../analyzer.js';
import { declaredFormats } from '../declared-format.js';
import { makeFinding, type Finding } from '../finding.js';
import { FindingBudget } from '../finding-budget.js';
import { modelProtobufKinds } from '../protobuf/model-kind.js';
import { reportWalkError } from '../protobuf/walk-errors.js';
import { WireReader } from '../protobuf/wire-reader.js';
import { OnnxModelWalk } from './model-walk.js';
import { OperatorCensus } from './operators.js';
import { ONNX_RULES as RULES } from './rules.js';

/** IR versions released so far (`onnx.in.proto` `Version`: IR_VERSION_2017_10_10 = 1 … IR_VERSION = 14). */
const LATEST_IR_VERSION = 14;

export const onnxAnalyzer: Analyzer = {
  name: 'onnx',
  // Text too: a model whose fields are reordered so that a long doc_string fills the head sniffs as text.
  formats: ['protobuf', 'text'],
  rules: Object.values(RULES),

  async analyze(ctx: AnalysisContext): Promise<Finding[]> {
    // The protobuf format is shared with TensorFlow SavedModels; the head's structure says which one this
    // is. A file named .onnx whose head the sniffer placed elsewhere or nowhere is walked too: onnx.load
    // reads whatever it is given.
    const claimed = ctx.format !== 'protobuf';
    if (claimed ? !declaredFormats(ctx.file.path, ctx.file.mediaType)?.includes('protobuf') : !modelProtobufKinds(ctx.head).includes('onnx')) return [];
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
    // Text that is not a model stays text; bytes nothing could place are rejected (one statement, declared-format.ts).
    if (claimed && walk.outline.graphs === 0) return ctx.format === 'text' ? [] : [notOnnx(ctx, budget)];
    census.report(budget);
    if (complete) checkOutline(walk, budget);
    if (walk.externalLocations.size > 0) ctx.record({ kind: 'external-data', file: ctx.file.path, locations: [...walk.externalLocations] });
    return budget.findings();
  },

  conclude(facts: readonly Fact[], _settings, files: ReadonlySet<string>): Finding[] {
    const findings: Finding[] = [];
    for (const fact of facts) {
      // A model inside a container reads its data from beside the extracted model: not judged here.
      if (fact.kind !== 'external-data' || fact.file.includes('!')) continue;
      const missing = missingLocations(fact, files);
      if (missing.length === 0) continue;
      const shown = missing.slice(0, MAX_LISTED).map((l) => JSON.stringify(l)).join(', ');
      findings.push(
        makeFinding(RULES.externalDataMissing, fact.file, {
          message: `the model reads tensor data from ${shown}${missing.length > MAX_LISTED ? ` and ${missing.length - MAX_LISTED} more` : ''}, not among the scanned files`,
          details: { missing: missing.slice(0, MAX_LISTED), count: missing.length },
        }),
      );
    }
    return findings;
  },
};

const MAX_LISTED = 10;

/** A file only its name calls ONNX, with no graph: one rejection, whatever the walk made of its bytes. */
function notOnnx(ctx: AnalysisContext, budget: FindingBudget): Finding {
  const walkError = budget.findings().find((f) => f.ruleId === RULES.malformed.id);
  return makeFinding(RULES.malformed, ctx.file.path, {
    message: `not an ONNX ModelProto: ${walkError ? walkError.message : 'its bytes parse as protobuf but hold no graph'}`,
    details: { format: 'onnx' },
  });
}

/** Locations resolved against the model's directory (onnx `resolve_external_data_location`) and not found. */
function missingLocations(fact: ExternalDataFact, files: ReadonlySet<string>): string[] {
  const directory = posix.dirname(fact.file);
  return fact.locations.filter((location) => !files.has(posix.normalize(posix.join(directory, location))));
}

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
