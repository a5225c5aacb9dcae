/**
 * The template analyzer: finds the chat templates a model ships outside GGUF (GGUF's are checked by the
 * GGUF analyzer with the same analysis) and reports them through template/report.ts. Where they live:
 * - `tokenizer_config.json`, `chat_template.json`, `processor_config.json`: `chat_template` as a string,
 *   or a list of `{name, template}` (how transformers saves several; `tokenization_utils_base.py`);
 * - `chat_template.jinja` and `additional_chat_templates/*.jinja` (how transformers ≥ 4.50 saves them);
 * - standalone `.jinja`, `.jinja2`, `.j2` and `.template` files, and Docker model-runner template layers;
 * - Ollama template layers (`application/vnd.ollama.image.template`), Go text/template source.
 * Which file is which comes from its name or media type; the content must be text or JSON (a binary
 * file with such a name is the engine's content-mismatch, not a template).
 */
import type { Analyzer, AnalysisContext } from '../analyzer.js';
import type { Finding } from '../finding.js';
import { FindingBudget, type FindingSink } from '../finding-budget.js';
import { parsePythonJson } from '../keras/python-json.js';
import { readWhole } from '../read-whole.js';
import { reportNotATemplate, reportTemplate, type TemplateRenderer } from './report.js';
import { TEMPLATE_RULES } from './rules.js';

/** Bytes read from one template-bearing file (tokenizer configs with large added-token tables reach a few MiB). */
export const MAX_TEMPLATE_FILE_BYTES = 64 * 1024 * 1024;

const JSON_CONFIGS = new Set(['tokenizer_config.json', 'chat_template.json', 'processor_config.json']);
const TRANSFORMERS_TEMPLATE = /(^|\/)(chat_template|additional_chat_templates\/[^/]+)\.jinja$/i;
const STANDALONE_TEMPLATE = /\.(jinja2?|j2|template)$/i;
const OLLAMA_TEMPLATE = 'application/vnd.ollama.image.template';
const DOCKER_TEMPLATE = /^application\/vnd\.docker\.ai\.chat\.template\.jinja$/;

type TemplateFile = { readonly kind: 'json-config' } | { readonly kind: 'template'; readonly renderer: TemplateRenderer };

/** What kind of template file this is, from its name (the member name for container members) and media type. */
export function templateFileKind(path: string, mediaType: string | undefined): TemplateFile | undefined {
  if (mediaType === OLLAMA_TEMPLATE) return { kind: 'template', renderer: 'go' };
  if (mediaType !== undefined && DOCKER_TEMPLATE.test(mediaType)) return { kind: 'template', renderer: 'unknown' };
  const member = path.slice(path.lastIndexOf('!') + 1);
  const base = member.slice(member.lastIndexOf('/') + 1).toLowerCase();
  if (JSON_CONFIGS.has(base)) return { kind: 'json-config' };
  if (TRANSFORMERS_TEMPLATE.test(member)) return { kind: 'template', renderer: 'sandboxed' };
  if (STANDALONE_TEMPLATE.test(base)) return { kind: 'template', renderer: 'unknown' };
  return undefined;
}

export const templateAnalyzer: Analyzer = {
  name: 'template',
  formats: ['json', 'text', 'unknown'],
  rules: Object.values(TEMPLATE_RULES),

  async analyze(ctx: AnalysisContext): Promise<Finding[]> {
    const kind = templateFileKind(ctx.file.path, ctx.file.mediaType);
    if (kind === undefined) return [];
    const budget = new FindingBudget(ctx.file.path);
    const bytes = await readWhole(ctx.source, MAX_TEMPLATE_FILE_BYTES, 'template file bytes');
    if (kind.kind === 'json-config') checkJsonConfig(bytes, budget);
    else checkTemplateText(bytes, kind.renderer, budget);
    return budget.findings();
  },
};

function checkTemplateText(bytes: Uint8Array, renderer: TemplateRenderer, sink: FindingSink): void {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    sink.add(TEMPLATE_RULES.malformed, { message: 'the template is not valid UTF-8; renderers refuse it or read it differently', location: 'template' });
    text = new TextDecoder('utf-8').decode(bytes);
  }
  reportTemplate(text, renderer, 'template', sink);
}

/** `chat_template` of a transformers JSON config: a string, or a list of `{name, template}`. */
function checkJsonConfig(bytes: Uint8Array, sink: FindingSink): void {
  const parsed = parsePythonJson(bytes);
  if (!parsed.ok) {
    sink.add(TEMPLATE_RULES.malformed, { message: `not JSON that transformers would read (${parsed.error.slice(0, 200)}); a chat template in it was not checked`, location: 'file' });
    return;
  }
  const config = parsed.value;
  if (config === null || typeof config !== 'object' || Array.isArray(config)) return;
  if (!('chat_template' in config)) return;
  const template = (config as Record<string, unknown>).chat_template;
  if (template === null) return;
  if (typeof template === 'string') return reportTemplate(template, 'sandboxed', 'chat_template', sink);
  if (!Array.isArray(template)) return reportNotATemplate(describe(template), 'chat_template', sink);
  template.forEach((entry, index) => {
    const name = isRecord(entry) && typeof entry.name === 'string' ? entry.name : undefined;
    const where = `chat_template[${name === undefined ? index : JSON.stringify(name)}]`;
    const body = isRecord(entry) ? entry.template : undefined;
    if (typeof body === 'string') reportTemplate(body, 'sandboxed', where, sink);
    else reportNotATemplate(isRecord(entry) ? `an entry whose template is ${describe(body)}` : describe(entry), where, sink);
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function describe(value: unknown): string {
  return value === undefined ? 'missing' : value === null ? 'null' : Array.isArray(value) ? 'a list' : `a ${typeof value}`;
}
