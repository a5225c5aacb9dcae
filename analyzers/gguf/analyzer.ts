/**
 * The GGUF analyzer: validates the header, metadata and tensor table (reading the header only, never
 * tensor data) and checks every chat template for template-injection building blocks. The licence and
 * model-card keys are recorded as facts from the same parse, so the header is read once.
 */
import type { Analyzer, AnalysisContext } from '../analyzer.js';
import type { Finding } from '../finding.js';
import { clip, FindingBudget, type FindingSink } from '../finding-budget.js';
import { reportNotATemplate, reportTemplate } from '../template/report.js';
import { JINJA_TEMPLATE_RULES } from '../template/rules.js';
import type { GgufKeyValue } from './metadata.js';
import { parseGguf } from './parse.js';
import { GGUF_RULES } from './rules.js';
import { ggufFacts } from '../license/sources.js';
import { isChatTemplateKey, summarizeGguf } from './summary.js';

export const ggufAnalyzer: Analyzer = {
  name: 'gguf',
  formats: ['gguf'],
  rules: [...Object.values(GGUF_RULES), ...JINJA_TEMPLATE_RULES],

  async analyze(ctx: AnalysisContext): Promise<Finding[]> {
    const budget = new FindingBudget(ctx.file.path);
    const file = await parseGguf(ctx.source, ctx.limits, budget);
    for (const fact of ggufFacts(ctx.file.path, summarizeGguf(file))) ctx.record(fact);
    checkChatTemplates(file.metadata, budget);
    return budget.findings();
  },
};

/**
 * Every chat-template pair is checked, duplicates included: a second template may be the one loaded.
 * GGUF templates are graded as rendered unsandboxed: llama-cpp-python used a plain `jinja2.Environment`
 * until 0.2.72 (CVE-2024-34359).
 */
function checkChatTemplates(metadata: readonly GgufKeyValue[], sink: FindingSink): void {
  for (const { key, value } of metadata) {
    if (!isChatTemplateKey(key)) continue;
    const where = `key ${clip(key)}`;
    if (typeof value === 'string') reportTemplate(value, 'unsandboxed', where, sink);
    else reportNotATemplate(`a ${Array.isArray(value) ? 'array' : typeof value}`, where, sink);
  }
}
