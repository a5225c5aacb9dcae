/**
 * The walk over a `saved_model.pb` (tensorflow `saved_model.proto`, `meta_graph.proto`, `graph.proto`,
 * `function.proto`, `node_def.proto`, `attr_value.proto`, `saver.proto`, `saved_object_graph.proto`;
 * oci-model-formats.md §6.8). It records every op the analyzer cares about with where it sits, the
 * saver's node names and which functions each node calls — enough to tell the saver's own checkpoint
 * ops from others — and the Keras metadata of user objects. Tensor-valued attributes (constants, often
 * most of the file) are skipped unread.
 */
import type { MessageRange, WireField, WireReader } from '../protobuf/wire-reader.js';
import { WireType } from '../protobuf/varint.js';
import { CHECKPOINT_OPS, EVIDENCE_ATTRS, PRINT_OP, RISKY_OPS } from './ops.js';

/** Field numbers, from the protos named above (./saved-model-text.ts maps their text-format names onto them). */
export const SAVED_MODEL = { schemaVersion: 1, metaGraphs: 2 } as const;
export const META_GRAPH = { metaInfo: 1, graphDef: 2, saverDef: 3, objectGraph: 7 } as const;
export const META_INFO = { tags: 4 } as const;
export const GRAPH_DEF = { node: 1, library: 2 } as const;
export const LIBRARY = { function: 1 } as const;
export const FUNCTION_DEF = { signature: 1, nodeDef: 3 } as const;
export const OP_DEF = { name: 1 } as const;
export const NODE_DEF = { name: 1, op: 2, attr: 5 } as const;
export const MAP_ENTRY = { key: 1, value: 2 } as const;
export const ATTR_VALUE = { list: 1, s: 2, func: 10 } as const;
export const LIST_VALUE = { s: 2, func: 9 } as const;
export const NAME_ATTR_LIST = { name: 1 } as const;
export const SAVER_DEF = { filenameTensor: 1, saveTensor: 2, restoreOp: 3 } as const;
export const OBJECT_GRAPH = { nodes: 1 } as const;
export const SAVED_OBJECT = { userObject: 4 } as const;
export const USER_OBJECT = { identifier: 1, metadata: 3 } as const;
/** tf-keras `protobuf/saved_metadata.proto` (`keras_metadata.pb`, TF ≥ 2.5 SavedModels). */
const SAVED_METADATA = { nodes: 1 } as const;
const KERAS_SAVED_OBJECT = { nodePath: 3, metadata: 5 } as const;

const MAX_NAME_BYTES = 512;
const MAX_ATTR_VALUE_BYTES = 512;
const MAX_EVIDENCE_VALUES = 8;
/** Functions remembered per node or function; real graphs call a handful. */
const MAX_CALLS = 64;
/** Keras layer metadata beyond this size is not inspected (real ones are kilobytes). */
const MAX_KERAS_METADATA_BYTES = 16 * 1024 * 1024;
/** Op uses, call edges and metadata kept per file; beyond them the walk still runs but records no more. */
const MAX_RECORDS = 100_000;

/** What one NodeDef holds for the walk. */
interface NodeReading {
  readonly name: string;
  readonly calls: string[];
  readonly use: Omit<OpUse, 'container' | 'metaGraph'> | undefined;
}

/** One use of a listed op. */
export interface OpUse {
  readonly op: string;
  readonly node: string;
  /** `graph`, or the name of the library function holding the node. */
  readonly container: string;
  readonly metaGraph: number;
  /** String attributes worth quoting (`output_stream`, `debug_urls`…). */
  readonly attrs: Readonly<Record<string, readonly string[]>>;
}

export interface MetaGraphFacts {
  readonly index: number;
  readonly tags: string[];
  /** Node names of the saver (`SaverDef`): filename tensor, save tensor, restore op. */
  readonly saverNames: string[];
  /** Graph node → functions it calls (through `func` attributes). */
  readonly graphCalls: Map<string, string[]>;
  /** Library function → functions its nodes call. */
  readonly functionCalls: Map<string, Set<string>>;
}

export interface SavedModelFacts {
  readonly uses: OpUse[];
  readonly metaGraphs: MetaGraphFacts[];
  /** Keras metadata JSON of user objects (`SavedUserObject.metadata`), with the object's place. */
  readonly kerasMetadata: Array<{ readonly where: string; readonly json: Uint8Array }>;
  /** False when a record cap was reached (the findings then say so). */
  complete: boolean;
}

export class SavedModelWalk {
  readonly facts: SavedModelFacts = { uses: [], metaGraphs: [], kerasMetadata: [], complete: true };
  private records = 0;

  constructor(private readonly reader: WireReader) {}

  async savedModel(): Promise<void> {
    for await (const f of this.reader.fields(this.reader.root()))
      if (f.number === SAVED_MODEL.metaGraphs && f.wireType === WireType.Len) await this.metaGraph(f, this.facts.metaGraphs.length);
  }

  /** A frozen graph (a bare `GraphDef`, loaded with `tf.import_graph_def`): one graph without a saver. */
  async graphDefFile(): Promise<void> {
    const meta: MetaGraphFacts = { index: 0, tags: [], saverNames: [], graphCalls: new Map(), functionCalls: new Map() };
    this.facts.metaGraphs.push(meta);
    await this.graphDef(this.reader.root(), meta);
  }

  /** `keras_metadata.pb`: each node's layer metadata JSON, placed by its node path (wherever it comes in the node). */
  async kerasMetadataFile(): Promise<void> {
    let index = 0;
    for await (const node of this.reader.fields(this.reader.root())) {
      if (node.number !== SAVED_METADATA.nodes || node.wireType !== WireType.Len) continue;
      let where = `nodes[${index++}]`;
      const metadata: WireField[] = [];
      for await (const f of this.reader.fields(this.reader.nested(node))) {
        if (f.wireType !== WireType.Len) continue;
        if (f.number === KERAS_SAVED_OBJECT.nodePath) where = `${where} (${await this.reader.text(f, MAX_NAME_BYTES)})`;
        else if (f.number === KERAS_SAVED_OBJECT.metadata && metadata.length < MAX_EVIDENCE_VALUES) metadata.push(f);
      }
      for (const f of metadata) await this.metadata(f, where);
    }
  }

  private async metaGraph(field: WireField, index: number): Promise<void> {
    const meta: MetaGraphFacts = { index, tags: [], saverNames: [], graphCalls: new Map(), functionCalls: new Map() };
    this.facts.metaGraphs.push(meta);
    for await (const f of this.reader.fields(this.reader.nested(field))) {
      if (f.wireType !== WireType.Len) continue;
      if (f.number === META_GRAPH.metaInfo) await this.strings(f, META_INFO.tags, meta.tags);
      else if (f.number === META_GRAPH.graphDef) await this.graphDef(this.reader.nested(f), meta);
      else if (f.number === META_GRAPH.saverDef) await this.saverDef(f, meta);
      else if (f.number === META_GRAPH.objectGraph) await this.objectGraph(f, index);
    }
  }

  private async graphDef(graph: MessageRange, meta: MetaGraphFacts): Promise<void> {
    for await (const f of this.reader.fields(graph)) {
      if (f.wireType !== WireType.Len) continue;
      if (f.number === GRAPH_DEF.node) {
        const node = await this.node(f);
        this.recordUse(node.use, 'graph', meta.index);
        if (node.calls.length > 0 && this.take()) meta.graphCalls.set(node.name, node.calls);
      } else if (f.number === GRAPH_DEF.library) await this.library(f, meta);
    }
  }

  private async library(field: WireField, meta: MetaGraphFacts): Promise<void> {
    for await (const f of this.reader.fields(this.reader.nested(field)))
      if (f.number === LIBRARY.function && f.wireType === WireType.Len) await this.function(f, meta);
  }

  /** A FunctionDef: its nodes' uses are recorded under its name once the whole function is read (the signature may come last). */
  private async function(field: WireField, meta: MetaGraphFacts): Promise<void> {
    let name = '';
    const calls = new Set<string>();
    const uses: Array<NonNullable<NodeReading['use']>> = [];
    for await (const f of this.reader.fields(this.reader.nested(field))) {
      if (f.wireType !== WireType.Len) continue;
      if (f.number === FUNCTION_DEF.signature) name = await this.firstString(f, OP_DEF.name);
      else if (f.number === FUNCTION_DEF.nodeDef) {
        const node = await this.node(f);
        if (node.use && uses.length < MAX_RECORDS) uses.push(node.use);
        for (const callee of node.calls) if (calls.size < MAX_CALLS) calls.add(callee);
      }
    }
    for (const use of uses) this.recordUse(use, name, meta.index);
    if (calls.size > 0 && this.take()) meta.functionCalls.set(name, calls);
  }

  /** Reads a NodeDef, its fields in any order: its name, the functions it calls, and its use when its op is listed. */
  private async node(field: WireField): Promise<NodeReading> {
    let name = '';
    let op = '';
    const calls: string[] = [];
    const attrs: Record<string, string[]> = {};
    for await (const f of this.reader.fields(this.reader.nested(field))) {
      if (f.wireType !== WireType.Len) continue;
      if (f.number === NODE_DEF.name) name = await this.reader.text(f, MAX_NAME_BYTES);
      else if (f.number === NODE_DEF.op) op = await this.reader.text(f, MAX_NAME_BYTES);
      // The op may come after its attributes: evidence attributes are kept for every node, then dropped.
      else if (f.number === NODE_DEF.attr) await this.attr(f, calls, attrs);
    }
    return { name, calls, use: isListed(op) ? { op, node: name, attrs } : undefined };
  }

  private recordUse(use: NodeReading['use'], container: string, metaGraph: number): void {
    if (use && this.take()) this.facts.uses.push({ ...use, container, metaGraph });
  }

  /** One `attr` map entry: function references, and string values of the attributes findings quote. */
  private async attr(entry: WireField, calls: string[], attrs: Record<string, string[]>): Promise<void> {
    let key = '';
    const strings: string[] = [];
    for await (const f of this.reader.fields(this.reader.nested(entry))) {
      if (f.wireType !== WireType.Len) continue;
      if (f.number === MAP_ENTRY.key) key = await this.reader.text(f, MAX_NAME_BYTES);
      // The key may follow its value (a map entry is a message like any other): strings are kept until it is known.
      else if (f.number === MAP_ENTRY.value) await this.attrValue(f, calls, strings);
    }
    if (strings.length > 0 && EVIDENCE_ATTRS.has(key)) attrs[key] = strings;
  }

  private async attrValue(field: WireField, calls: string[], strings: string[]): Promise<void> {
    for await (const f of this.reader.fields(this.reader.nested(field))) {
      if (f.wireType !== WireType.Len) continue;
      if (f.number === ATTR_VALUE.func && calls.length < MAX_CALLS) calls.push(await this.firstString(f, NAME_ATTR_LIST.name));
      else if (f.number === ATTR_VALUE.s && strings.length < MAX_EVIDENCE_VALUES) strings.push(await this.reader.text(f, MAX_ATTR_VALUE_BYTES));
      else if (f.number === ATTR_VALUE.list)
        for await (const item of this.reader.fields(this.reader.nested(f))) {
          if (item.wireType !== WireType.Len) continue;
          if (item.number === LIST_VALUE.func && calls.length < MAX_CALLS) calls.push(await this.firstString(item, NAME_ATTR_LIST.name));
          else if (item.number === LIST_VALUE.s && strings.length < MAX_EVIDENCE_VALUES)
            strings.push(await this.reader.text(item, MAX_ATTR_VALUE_BYTES));
        }
    }
  }

  private async saverDef(field: WireField, meta: MetaGraphFacts): Promise<void> {
    const names = new Set<number>([SAVER_DEF.filenameTensor, SAVER_DEF.saveTensor, SAVER_DEF.restoreOp]);
    for await (const f of this.reader.fields(this.reader.nested(field)))
      if (names.has(f.number) && f.wireType === WireType.Len) meta.saverNames.push(await this.reader.text(f, MAX_NAME_BYTES));
  }

  private async objectGraph(field: WireField, metaGraph: number): Promise<void> {
    let index = 0;
    for await (const node of this.reader.fields(this.reader.nested(field))) {
      if (node.number !== OBJECT_GRAPH.nodes || node.wireType !== WireType.Len) continue;
      const where = `meta_graphs[${metaGraph}].object_graph_def.nodes[${index++}]`;
      for await (const f of this.reader.fields(this.reader.nested(node)))
        if (f.number === SAVED_OBJECT.userObject && f.wireType === WireType.Len) await this.userObject(f, where);
    }
  }

  private async userObject(field: WireField, where: string): Promise<void> {
    for await (const f of this.reader.fields(this.reader.nested(field)))
      if (f.number === USER_OBJECT.metadata && f.wireType === WireType.Len) await this.metadata(f, where);
  }

  /** Records a Keras metadata string; an oversized one makes the facts incomplete instead. */
  private async metadata(f: WireField, where: string): Promise<void> {
    if (f.end === f.start) return;
    if (f.end - f.start > MAX_KERAS_METADATA_BYTES) {
      this.facts.complete = false;
      return;
    }
    if (this.take()) this.facts.kerasMetadata.push({ where, json: await this.reader.prefix(f, MAX_KERAS_METADATA_BYTES) });
  }

  /** Appends the string values of field `number` of the message in `field` to `out`. */
  private async strings(field: WireField, number: number, out: string[]): Promise<void> {
    for await (const f of this.reader.fields(this.reader.nested(field)))
      if (f.number === number && f.wireType === WireType.Len && out.length < MAX_EVIDENCE_VALUES) out.push(await this.reader.text(f, MAX_NAME_BYTES));
  }

  private async firstString(field: WireField, number: number): Promise<string> {
    const out: string[] = [];
    await this.strings(field, number, out);
    return out[0] ?? '';
  }

  /** Claims one record slot; false (and the walk marked incomplete) when the cap is reached. */
  private take(): boolean {
    this.records += 1;
    if (this.records <= MAX_RECORDS) return true;
    this.facts.complete = false;
    return false;
  }
}

function isListed(op: string): boolean {
  return RISKY_OPS.has(op) || CHECKPOINT_OPS.has(op) || op === PRINT_OP;
}
