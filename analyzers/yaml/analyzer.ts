/**
 * The YAML analyzer: `.yaml`/`.yml` files (Hydra/OmegaConf configs, training recipes) and MLflow's
 * `MLmodel`, parsed with the `yaml` package and checked for the tags PyYAML turns into imports and calls
 * (yaml/rules.ts). Tags are read from the composed nodes, already resolved through `!!`, verbatim
 * `!<…>` and `%TAG` handles exactly as the YAML spec (and PyYAML) resolve them; they are matched by
 * prefix, because PyYAML's python constructors are multi-constructors (`python/object/apply:` + any
 * target), which a fixed custom-tag list cannot express. Nothing is constructed: aliases are not
 * expanded, so alias bombs cost nothing here and are only counted.
 */
import type { Analyzer, AnalysisContext } from '../analyzer.js';
import type { Finding } from '../finding.js';
import { clip, FindingBudget, type FindingSink } from '../finding-budget.js';
import { onDemand } from '../on-demand.js';
import { readWhole } from '../read-whole.js';
import { YAML_RULES as RULES } from './rules.js';

/** Bytes read from one YAML file; configs are KiB, a recipe with embedded data a few MiB. */
export const MAX_YAML_BYTES = 32 * 1024 * 1024;
/** Aliases per file above which expansion is a risk to the loader. */
export const MAX_YAML_ALIASES = 10_000;

const yaml = onDemand<typeof import('yaml')>('yaml');

const YAML_NAME = /\.ya?ml$/i;
const MLFLOW_MODEL = 'MLmodel';
const PYTHON_TAG = 'tag:yaml.org,2002:python/';
/**
 * PyYAML's multi-constructors under `yaml.Loader`/`UnsafeLoader` (`constructor.py`): what each does
 * with the suffix after the prefix.
 */
const CODE_TAGS: ReadonlyArray<readonly [string, string]> = [
  ['object/apply:', 'calls'],
  ['object/new:', 'calls __new__ of'],
  ['object:', 'instantiates'],
  ['name:', 'imports'],
  ['module:', 'imports'],
];
/** The plain-value python tags (`python/tuple`, `python/str`…): FullConstructor builds them without code. */
const VALUE_TAGS = new Set(['none', 'bool', 'str', 'unicode', 'bytes', 'int', 'long', 'float', 'complex', 'list', 'tuple', 'dict']);

export function isYamlFile(path: string): boolean {
  const member = path.slice(path.lastIndexOf('!') + 1);
  const base = member.slice(member.lastIndexOf('/') + 1);
  return YAML_NAME.test(base) || base === MLFLOW_MODEL;
}

export const yamlAnalyzer: Analyzer = {
  name: 'yaml',
  formats: ['text', 'json', 'unknown'],
  rules: Object.values(RULES),

  async analyze(ctx: AnalysisContext): Promise<Finding[]> {
    if (!isYamlFile(ctx.file.path)) return [];
    const budget = new FindingBudget(ctx.file.path);
    checkYaml(await readWhole(ctx.source, MAX_YAML_BYTES, 'yaml bytes'), budget);
    return budget.findings();
  },
};

export function checkYaml(bytes: Uint8Array, sink: FindingSink): void {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    sink.add(RULES.unreadable, { message: 'the file is not valid UTF-8; it was read with replacement characters', location: 'file' });
    text = new TextDecoder('utf-8').decode(bytes);
  }
  const { isAlias, isNode, LineCounter, parseAllDocuments, visit } = yaml();
  const lines = new LineCounter();
  const documents = parseAllDocuments(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: false });
  const list = Array.isArray(documents) ? documents : [documents];
  let aliases = 0;
  for (const [index, document] of list.entries()) {
    for (const error of document.errors.slice(0, 3)) {
      const at = lines.linePos(error.pos[0]);
      sink.add(RULES.unreadable, { message: `document ${index + 1}: ${clip(error.message.split('\n')[0] ?? '')}`, location: `line ${at.line}` });
    }
    visit(document, (_key, node) => {
      if (isAlias(node)) aliases += 1;
      if (!isNode(node) || node.tag === undefined) return;
      const tag = decodeTag(node.tag);
      if (!tag.startsWith(PYTHON_TAG)) return;
      const suffix = tag.slice(PYTHON_TAG.length);
      const code = CODE_TAGS.find(([prefix]) => suffix.startsWith(prefix));
      if (code === undefined && VALUE_TAGS.has(suffix)) return;
      const target = code ? suffix.slice(code[0].length) : '';
      const line = node.range ? lines.linePos(node.range[0]).line : undefined;
      sink.add(RULES.pythonTag, {
        message: code
          ? `tag !!python/${clip(code[0])}${clip(target)}: PyYAML's Loader ${code[1]} ${clip(target) || '(empty name)'}`
          : `tag !!python/${clip(suffix)} is not one PyYAML builds without code; its Loader rejects or resolves it`,
        ...(line === undefined ? {} : { location: `line ${line}` }),
        details: { tag: clip(tag), target: clip(target), document: index + 1 },
      });
    });
  }
  if (aliases > MAX_YAML_ALIASES)
    sink.add(RULES.aliasBomb, { message: `${aliases} aliases (more than ${MAX_YAML_ALIASES})`, location: 'file', details: { aliases } });
}

/** Tag URIs may carry %-escapes, which PyYAML's scanner decodes (`scan_uri_escapes`). */
function decodeTag(tag: string): string {
  if (!tag.includes('%')) return tag;
  try {
    return decodeURIComponent(tag);
  } catch {
    return tag;
  }
}
