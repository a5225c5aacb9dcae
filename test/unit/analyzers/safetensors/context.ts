/** Runs one analyzer on a ByteSource with a minimal AnalysisContext (no engine, no sniffing). */
import type { Analyzer, AnalysisContext } from '../../../../analyzers/analyzer.js';
import type { Finding } from '../../../../analyzers/finding.js';
import type { Format } from '../../../../analyzers/formats.js';
import { makeLimits, type AnalyzerLimits } from '../../../../analyzers/limits.js';
import { DEFAULT_SETTINGS } from '../../../../analyzers/settings.js';
import type { ByteSource } from '../../../../analyzers/source.js';

export async function runAnalyzer(
  analyzer: Analyzer,
  source: ByteSource,
  options: { format?: Format; limits?: AnalyzerLimits; path?: string } = {},
): Promise<Finding[]> {
  const ctx: AnalysisContext = {
    file: { path: options.path ?? 'model', size: source.size },
    source,
    format: options.format ?? analyzer.formats[0]!,
    head: new Uint8Array(0),
    limits: options.limits ?? makeLimits(),
    settings: DEFAULT_SETTINGS,
    depth: 0,
    signal: new AbortController().signal,
    scanMember: async () => [],
    record: () => undefined,
  };
  return analyzer.analyze(ctx);
}

/** Rule ids of the findings, sorted and de-duplicated, for compact assertions. */
export function ruleIds(findings: readonly Finding[]): string[] {
  return [...new Set(findings.map((f) => f.ruleId))].sort();
}
