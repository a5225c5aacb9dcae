/**
 * Which operator domains and opsets a model uses. Nodes are tallied during the walk and judged at the
 * end, because ModelProto writes `opset_import` and local `functions` after the graph: a node in a
 * domain that only names a model-local function (a composition of standard operators) is not a custom
 * operator.
 */
import { clip, type FindingSink } from '../finding-budget.js';
import { ONNX_RULES as RULES } from './rules.js';

/**
 * Domains whose operators ship with ONNX runtimes, with the latest released opset where ONNX defines
 * one (onnx/onnx `onnx/defs/schema.h` `last_release_version_map_`; `com.microsoft` is onnxruntime's
 * contrib-operator domain, versioned by onnxruntime).
 */
const STANDARD_DOMAINS: ReadonlyMap<string, number | undefined> = new Map([
  ['', 27],
  ['ai.onnx', 27],
  ['ai.onnx.ml', 5],
  ['ai.onnx.training', 1],
  ['ai.onnx.preview', 1],
  ['ai.onnx.preview.training', 1],
  ['com.microsoft', undefined],
]);

/** Distinct custom domains and operator types remembered; the rest are counted. */
const MAX_TRACKED = 256;
const MAX_LISTED_OPS = 20;

interface DomainUse {
  /** Operator type → nodes using it. */
  readonly ops: Map<string, number>;
  nodes: number;
  firstNode: string | undefined;
  importedAt: string | undefined;
}

interface OpsetImport {
  readonly domain: string;
  readonly version: number;
  readonly where: string;
}

export class OperatorCensus {
  private readonly custom = new Map<string, DomainUse>();
  private readonly localFunctions = new Set<string>();
  private readonly localDomains = new Set<string>();
  private readonly imports: OpsetImport[] = [];

  /** A node of the model (or of a local function). */
  noteNode(domain: string, opType: string, where: string): void {
    if (STANDARD_DOMAINS.has(domain)) return;
    const use = this.use(domain);
    if (!use) return;
    use.nodes += 1;
    use.firstNode ??= where;
    if (use.ops.size < MAX_TRACKED || use.ops.has(opType)) use.ops.set(opType, (use.ops.get(opType) ?? 0) + 1);
  }

  /** A model-local function, callable from nodes as (domain, name). */
  noteFunction(domain: string, name: string): void {
    if (this.localFunctions.size >= MAX_TRACKED * MAX_TRACKED) return;
    this.localFunctions.add(key(domain, name));
    this.localDomains.add(domain);
  }

  /** An `opset_import` of the model. */
  noteImport(domain: string, version: number, where: string): void {
    if (this.imports.length < MAX_TRACKED) this.imports.push({ domain, version, where });
    if (!STANDARD_DOMAINS.has(domain)) {
      const use = this.use(domain);
      if (use) use.importedAt ??= where;
    }
  }

  report(sink: FindingSink): void {
    this.reportImports(sink);
    for (const [domain, use] of this.custom) {
      const ops = [...use.ops].filter(([op]) => !this.localFunctions.has(key(domain, op)));
      const localOnly = this.localDomains.has(domain) && ops.length === 0;
      if (localOnly) continue;
      const customNodes = ops.reduce((sum, [, n]) => sum + n, 0);
      const listed = ops.slice(0, MAX_LISTED_OPS).map(([op]) => clip(op));
      const quoted = JSON.stringify(clip(domain));
      sink.add(RULES.customDomain, {
        message:
          use.nodes === 0
            ? `opset_import declares custom domain ${quoted} (no node uses it)`
            : `${customNodes} node(s) use operators of custom domain ${quoted}: ${listed.join(', ')}${ops.length > listed.length ? ', …' : ''}`,
        location: use.firstNode ?? use.importedAt ?? 'opset_import',
        severity: use.nodes === 0 ? 'Low' : undefined,
        details: { domain: clip(domain), nodes: customNodes, operators: listed },
      });
    }
  }

  private reportImports(sink: FindingSink): void {
    const versions = new Map<string, number>();
    for (const { domain, version, where } of this.imports) {
      const quoted = JSON.stringify(clip(domain));
      const latest = STANDARD_DOMAINS.get(domain);
      if (version < 1 || (latest !== undefined && version > latest))
        sink.add(RULES.unusualOpset, {
          message: `opset_import of domain ${quoted} has version ${version}${latest === undefined ? '' : `; released versions run 1–${latest}`}`,
          location: where,
          details: { domain: clip(domain), version },
        });
      const earlier = versions.get(domain);
      if (earlier !== undefined && earlier !== version)
        sink.add(RULES.unusualOpset, {
          message: `domain ${quoted} is imported twice, at versions ${earlier} and ${version}`,
          location: where,
          details: { domain: clip(domain), versions: [earlier, version] },
        });
      versions.set(domain, version);
    }
  }

  private use(domain: string): DomainUse | undefined {
    let use = this.custom.get(domain);
    if (!use && this.custom.size < MAX_TRACKED) {
      use = { ops: new Map(), nodes: 0, firstNode: undefined, importedAt: undefined };
      this.custom.set(domain, use);
    }
    return use;
  }
}

const key = (domain: string, name: string): string => `${domain}\u0000${name}`;
