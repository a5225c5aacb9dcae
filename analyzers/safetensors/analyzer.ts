/**
 * The safetensors analyzer: reads the header only (never tensor data) and reports every way it departs
 * from what the reference reader accepts. The file size, from the source, completes the layout check.
 */
import type { Analyzer, AnalysisContext } from '../analyzer.js';
import type { Finding } from '../finding.js';
import { FindingBudget } from '../finding-budget.js';
import { decodeSafetensorsHeader, LENGTH_PREFIX_BYTES, readSafetensorsHeader } from './header.js';
import { SAFETENSORS_RULES } from './rules.js';
import { sourceSize } from '../source-size.js';
import { validateEntries, validateLayout } from './validate.js';

export const safetensorsAnalyzer: Analyzer = {
  name: 'safetensors',
  formats: ['safetensors'],
  rules: Object.values(SAFETENSORS_RULES),

  async analyze(ctx: AnalysisContext): Promise<Finding[]> {
    const budget = new FindingBudget(ctx.file.path);
    const raw = await readSafetensorsHeader(ctx.source, ctx.limits, budget);
    if (!raw) return budget.findings();
    const header = decodeSafetensorsHeader(raw.bytes, budget);
    if (!header) return budget.findings();
    const ranges = validateEntries(header, budget);
    const dataStart = LENGTH_PREFIX_BYTES + raw.length;
    const size = await sourceSize(ctx.source, dataStart, ctx.limits);
    validateLayout(ranges, size - dataStart, budget);
    return budget.findings();
  },
};
