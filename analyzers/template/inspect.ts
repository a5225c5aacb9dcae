/**
 * One analysis for every Jinja template, wherever it lives. The template is parsed with the Jinja
 * parser and judged on its syntax tree (jinja-ast.ts); it is also read by the bounded token scanner
 * (jinja-tokens.ts), because two readers can disagree: what the token scanner sees and the tree does not
 * is reported too, marked as such. A template the parser rejects is judged by the token scanner alone,
 * and says so (`unparsed`): it is never passed unchecked.
 */
import { judgeJinjaAst } from './jinja-ast.js';
import { parseJinja } from './jinja-nodes.js';
import { scanJinjaTokens } from './jinja-tokens.js';
import { IssueCollector, type TemplateIssue } from './issues.js';

/** Characters of one template analysed; real chat templates are a few KiB to a few tens of KiB. */
export const MAX_TEMPLATE_CHARS = 1_000_000;

export function inspectJinjaTemplate(template: string): TemplateIssue[] {
  const issues = new IssueCollector();
  if (template.length > MAX_TEMPLATE_CHARS) {
    issues.add('unparsed', `template of ${template.length} characters is longer than ${MAX_TEMPLATE_CHARS}; only its first ${MAX_TEMPLATE_CHARS} were scanned`);
    for (const issue of scanJinjaTokens(template.slice(0, MAX_TEMPLATE_CHARS))) issues.add(issue.kind, issue.detail, issue.offset);
    return issues.list();
  }
  const tokens = scanJinjaTokens(template);
  const parsed = parseJinja(template);
  if (!parsed.ok) {
    issues.add('unparsed', `the Jinja parser rejected it (${parsed.error.slice(0, 200)}); judged by the token scanner`);
    for (const issue of tokens) issues.add(issue.kind, issue.detail, issue.offset);
    return issues.list();
  }
  judgeJinjaAst(parsed.program, issues);
  const fromTree = issues.list();
  for (const issue of tokens) {
    // The parser read it: the scanner's stricter block pairing does not matter, and a bare name the
    // scanner flags may be one the template binds itself (the tree knows). Underscored names and
    // strings no binding excuses.
    if (issue.kind === 'malformed' || (issue.kind === 'code-reach' && !/(^|[^A-Za-z0-9])_/.test(issue.detail))) continue;
    if (fromTree.some((t) => t.kind === issue.kind || (issue.kind === 'code-reach' && t.kind === 'sandbox-escape'))) continue;
    issues.add(issue.kind, `${issue.detail} (seen by the token scanner; the parser read this differently)`, issue.offset);
  }
  return issues.list();
}
