/**
 * Turns template issues into findings, graded by the renderer that will run the template
 * (template/rules.ts explains the grading).
 */
import type { Rule, Severity } from '../finding.js';
import { clip, type FindingSink } from '../finding-budget.js';
import { inspectGoTemplate } from './go-template.js';
import { inspectJinjaTemplate } from './inspect.js';
import type { TemplateIssue, TemplateIssueKind } from './issues.js';
import { TEMPLATE_RULES as RULES } from './rules.js';

/**
 * - `sandboxed`: rendered by transformers' `ImmutableSandboxedEnvironment` (tokenizer_config.json,
 *   chat_template.jinja/.json, processor_config.json).
 * - `unsandboxed`: renderers without a sandbox have loaded it (GGUF: llama-cpp-python before 0.2.72).
 * - `unknown`: a standalone Jinja file; who renders it, and how, is unknown, so it is graded as unsandboxed.
 * - `go`: Ollama's Go text/template.
 */
export type TemplateRenderer = 'sandboxed' | 'unsandboxed' | 'unknown' | 'go';

const RULE_BY_KIND: Readonly<Record<TemplateIssueKind, Rule>> = {
  'code-reach': RULES.codeReach,
  'sandbox-escape': RULES.sandboxEscape,
  'loads-template': RULES.loadsTemplate,
  'go-call': RULES.goCall,
  unparsed: RULES.unparsed,
  malformed: RULES.malformed,
};

/** Code-reach issues are Critical unless the renderer blocks them (the sandbox) or has no Python (Go). */
function severityOf(kind: TemplateIssueKind, renderer: TemplateRenderer): Severity | undefined {
  return kind === 'code-reach' && (renderer === 'sandboxed' || renderer === 'go') ? 'High' : undefined;
}

/**
 * Analyses one template and reports its issues. `where` names it in messages and locations
 * (`key tokenizer.chat_template`, `chat_template[tool_use]`, `template`).
 */
export function reportTemplate(template: string, renderer: TemplateRenderer, where: string, sink: FindingSink): void {
  const issues = renderer === 'go' ? inspectGoTemplate(template) : inspectJinjaTemplate(template);
  for (const issue of issues) addIssue(issue, renderer, where, sink);
}

/** A template field that is not a string. */
export function reportNotATemplate(what: string, where: string, sink: FindingSink): void {
  sink.add(RULES.malformed, { message: `${clip(where)} is ${what}, not a template string`, location: clip(where) });
}

function addIssue(issue: TemplateIssue, renderer: TemplateRenderer, where: string, sink: FindingSink): void {
  const severity = severityOf(issue.kind, renderer);
  sink.add(RULE_BY_KIND[issue.kind], {
    message: `${clip(where)}: ${issue.detail}${issue.occurrences > 1 ? ` (${issue.occurrences} times)` : ''}`,
    location: issue.offset === undefined ? clip(where) : `${clip(where)}, template offset ${issue.offset}`,
    details: { detail: issue.detail, occurrences: issue.occurrences, renderer, ...(issue.offset === undefined ? {} : { templateOffset: issue.offset }) },
    ...(severity ? { severity } : {}),
  });
}
