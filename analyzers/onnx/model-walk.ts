/**
 * The walk over an ONNX `ModelProto`: the graph, every node and attribute, subgraphs nested in
 * attributes (If/Loop/Scan bodies), training graphs and local functions — wherever a TensorProto can
 * hide external data or mis-sized bytes, and wherever an operator names its domain. Recursion is
 * bounded by the wire reader's depth limit; tensor payloads are never read.
 */
import { clip, type FindingSink } from '../finding-budget.js';
import type { WireField, WireReader } from '../protobuf/wire-reader.js';
import { WireType } from '../protobuf/varint.js';
import type { OperatorCensus } from './operators.js';
import { ATTRIBUTE, FUNCTION, GRAPH, MODEL, NODE, OPSET_ID, SPARSE_TENSOR, TRAINING_INFO } from './schema.js';
import { checkTensor } from './tensor.js';

const MAX_NAME_BYTES = 256;
/** Locations are cut to their last characters: the innermost part says the most. */
const MAX_LOCATION_CHARS = 400;

/** What the walk learned about the model as a whole. */
export interface ModelOutline {
  irVersion: number | undefined;
  graphs: number;
}

export class OnnxModelWalk {
  readonly outline: ModelOutline = { irVersion: undefined, graphs: 0 };
  /** Plain relative external-data locations the tensors read from. */
  readonly externalLocations = new Set<string>();

  constructor(
    private readonly reader: WireReader,
    private readonly sink: FindingSink,
    private readonly census: OperatorCensus,
  ) {}

  async model(): Promise<void> {
    const counters = new Counters();
    for await (const f of this.reader.fields(this.reader.root())) {
      if (f.number === MODEL.irVersion && f.wireType === WireType.Varint) this.outline.irVersion = f.signed;
      if (f.wireType !== WireType.Len) continue;
      switch (f.number) {
        case MODEL.graph:
          this.outline.graphs += 1;
          await this.graph(f, 'graph');
          break;
        case MODEL.opsetImport:
          await this.opsetImport(f, `opset_import[${counters.next('opset')}]`);
          break;
        case MODEL.trainingInfo:
          await this.trainingInfo(f, `training_info[${counters.next('training')}]`);
          break;
        case MODEL.functions:
          await this.function(f, `functions[${counters.next('function')}]`);
          break;
      }
    }
  }

  private async graph(field: WireField, where: string): Promise<void> {
    const counters = new Counters();
    for await (const f of this.reader.fields(this.reader.nested(field))) {
      if (f.wireType !== WireType.Len) continue;
      if (f.number === GRAPH.node) await this.node(f, `${where}.node[${counters.next('node')}]`);
      else if (f.number === GRAPH.initializer) await checkTensor(this.reader, f, cut(`${where}.initializer[${counters.next('init')}]`), this.sink, this.externalLocations);
      else if (f.number === GRAPH.sparseInitializer) await this.sparseTensor(f, `${where}.sparse_initializer[${counters.next('sparse')}]`);
    }
  }

  private async node(field: WireField, where: string): Promise<void> {
    let name = '';
    let opType = '';
    let domain = '';
    const label = () => `${where}(${clip(opType)}${name === '' ? '' : ` '${clip(name)}'`})`;
    for await (const f of this.reader.fields(this.reader.nested(field))) {
      if (f.wireType !== WireType.Len) continue;
      if (f.number === NODE.name) name = await this.reader.text(f, MAX_NAME_BYTES);
      else if (f.number === NODE.opType) opType = await this.reader.text(f, MAX_NAME_BYTES);
      else if (f.number === NODE.domain) domain = await this.reader.text(f, MAX_NAME_BYTES);
      else if (f.number === NODE.attribute) await this.attribute(f, label());
    }
    this.census.noteNode(domain, opType, cut(label()));
  }

  private async attribute(field: WireField, owner: string): Promise<void> {
    let name = '';
    const counters = new Counters();
    const at = (kind: string) => `${owner}.${clip(name)}.${kind}`;
    for await (const f of this.reader.fields(this.reader.nested(field))) {
      if (f.wireType !== WireType.Len) continue;
      switch (f.number) {
        case ATTRIBUTE.name:
          name = await this.reader.text(f, MAX_NAME_BYTES);
          break;
        case ATTRIBUTE.t:
          await checkTensor(this.reader, f, cut(at('t')), this.sink, this.externalLocations);
          break;
        case ATTRIBUTE.tensors:
          await checkTensor(this.reader, f, cut(at(`tensors[${counters.next('tensor')}]`)), this.sink, this.externalLocations);
          break;
        case ATTRIBUTE.g:
          await this.graph(f, at('g'));
          break;
        case ATTRIBUTE.graphs:
          await this.graph(f, at(`graphs[${counters.next('graph')}]`));
          break;
        case ATTRIBUTE.sparseTensor:
          await this.sparseTensor(f, at('sparse_tensor'));
          break;
        case ATTRIBUTE.sparseTensors:
          await this.sparseTensor(f, at(`sparse_tensors[${counters.next('sparse')}]`));
          break;
      }
    }
  }

  private async sparseTensor(field: WireField, where: string): Promise<void> {
    for await (const f of this.reader.fields(this.reader.nested(field))) {
      if (f.wireType !== WireType.Len) continue;
      if (f.number === SPARSE_TENSOR.values) await checkTensor(this.reader, f, cut(`${where}.values`), this.sink, this.externalLocations);
      else if (f.number === SPARSE_TENSOR.indices) await checkTensor(this.reader, f, cut(`${where}.indices`), this.sink, this.externalLocations);
    }
  }

  private async trainingInfo(field: WireField, where: string): Promise<void> {
    for await (const f of this.reader.fields(this.reader.nested(field))) {
      if (f.wireType !== WireType.Len) continue;
      if (f.number === TRAINING_INFO.initialization) await this.graph(f, `${where}.initialization`);
      else if (f.number === TRAINING_INFO.algorithm) await this.graph(f, `${where}.algorithm`);
    }
  }

  private async function(field: WireField, where: string): Promise<void> {
    let name = '';
    let domain = '';
    let nodes = 0;
    for await (const f of this.reader.fields(this.reader.nested(field))) {
      if (f.wireType !== WireType.Len) continue;
      if (f.number === FUNCTION.name) name = await this.reader.text(f, MAX_NAME_BYTES);
      else if (f.number === FUNCTION.domain) domain = await this.reader.text(f, MAX_NAME_BYTES);
      else if (f.number === FUNCTION.node) await this.node(f, `${where}('${clip(name)}').node[${nodes++}]`);
    }
    this.census.noteFunction(domain, name);
  }

  private async opsetImport(field: WireField, where: string): Promise<void> {
    let domain = '';
    let version = 0;
    for await (const f of this.reader.fields(this.reader.nested(field))) {
      if (f.number === OPSET_ID.domain && f.wireType === WireType.Len) domain = await this.reader.text(f, MAX_NAME_BYTES);
      else if (f.number === OPSET_ID.version && f.wireType === WireType.Varint) version = f.signed;
    }
    this.census.noteImport(domain, version, where);
  }
}

/** Per-message running indexes of repeated fields (node[0], node[1]…). */
class Counters {
  private readonly counts = new Map<string, number>();
  next(kind: string): number {
    const n = this.counts.get(kind) ?? 0;
    this.counts.set(kind, n + 1);
    return n;
  }
}

function cut(location: string): string {
  return location.length > MAX_LOCATION_CHARS ? `…${location.slice(-MAX_LOCATION_CHARS)}` : location;
}
