/**
 * The safetensors analyzer: reads the header only (never tensor data), once, and reports every way it
 * departs from what the reference reader accepts. The file size, from the source, completes the layout
 * check. The licence keys of `__metadata__` are recorded as facts from the same pass, so the licence
 * analysis needs no second read of a header that may be 100 MB.
 */
import type { Analyzer, AnalysisContext } from '../analyzer.js';
import type { Finding } from '../finding.js';
import { FindingBudget } from '../finding-budget.js';
import { safetensorsFacts } from '../license/sources.js';
import { LENGTH_PREFIX_BYTES, readSafetensorsHeader, scanSafetensorsHeader } from './header.js';
import { SAFETENSORS_RULES } from './rules.js';
import { sourceSize } from '../source-size.js';
import { validateLayout } from './validate.js';

export const safetensorsAnalyzer: Analyzer = {
  name: 'safetensors',
  formats: ['safetensors'],
  rules: Object.values(SAFETENSORS_RULES),

  async analyze(ctx: AnalysisContext): Promise<Finding[]> {
    const budget = new FindingBudget(ctx.file.path);
    const framing = await readSafetensorsHeader(ctx.source, ctx.limits, budget);
    if (!framing) return budget.findings();
    const header = await scanSafetensorsHeader(ctx.source, framing, budget);
    if (!header) return budget.findings();
    for (const fact of safetensorsFacts(ctx.file.path, header.licenseMetadata)) ctx.record(fact);
    const dataStart = LENGTH_PREFIX_BYTES + header.length;
    const size = await sourceSize(ctx.source, dataStart, ctx.limits);
    validateLayout(header.table, size - dataStart, budget);
    return budget.findings();
  },
};
