/**
 * The GGUF analyzer: validates the header, metadata and tensor table (reading the header only, never
 * tensor data) and checks every chat template for template-injection building blocks.
 */
import type { Analyzer, AnalysisContext } from '../analyzer.js';
import type { Finding, Rule } from '../finding.js';
import { clip, FindingBudget, type FindingSink } from '../finding-budget.js';
import { inspectChatTemplate, type TemplateIssueKind } from './chat-template.js';
import type { GgufKeyValue } from './metadata.js';
import { parseGguf } from './parse.js';
import { GGUF_RULES } from './rules.js';
import { isChatTemplateKey } from './summary.js';

const RULE_BY_ISSUE: Readonly<Record<TemplateIssueKind, Rule>> = {
  dunder: GGUF_RULES.chatTemplateDunder,
  'dangerous-name': GGUF_RULES.chatTemplateDangerousName,
  malformed: GGUF_RULES.chatTemplateMalformed,
};

export const ggufAnalyzer: Analyzer = {
  name: 'gguf',
  formats: ['gguf'],
  rules: Object.values(GGUF_RULES),

  async analyze(ctx: AnalysisContext): Promise<Finding[]> {
    const budget = new FindingBudget(ctx.file.path);
    const file = await parseGguf(ctx.source, ctx.limits, budget);
    checkChatTemplates(file.metadata, budget);
    return budget.findings();
  },
};

/** Every chat-template pair is checked, duplicates included: a second template may be the one loaded. */
function checkChatTemplates(metadata: readonly GgufKeyValue[], sink: FindingSink): void {
  for (const { key, value } of metadata) {
    if (!isChatTemplateKey(key)) continue;
    const location = `key ${clip(key)}`;
    if (typeof value !== 'string') {
      sink.add(GGUF_RULES.chatTemplateMalformed, { message: `${clip(key)} is not a string`, location });
      continue;
    }
    for (const issue of inspectChatTemplate(value))
      sink.add(RULE_BY_ISSUE[issue.kind], {
        message: `${clip(key)}: ${issue.detail}${issue.occurrences > 1 ? ` (${issue.occurrences} times)` : ''}`,
        location: `${location}, template offset ${issue.offset}`,
        details: { detail: issue.detail, occurrences: issue.occurrences, templateOffset: issue.offset },
      });
  }
}
