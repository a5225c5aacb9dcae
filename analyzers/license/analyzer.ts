/**
 * The license analyzer: records every license declaration it finds in model cards, license texts,
 * configs, Kitfiles, code headers, GGUF and safetensors metadata as facts (./sources.ts), and once the
 * whole artifact is read, grades them against the license policy (./policy.ts). Reading a file never
 * produces a finding by itself: what is missing or contradictory is only known at the end.
 */
import type { Analyzer, AnalysisContext, Fact } from '../analyzer.js';
import type { Finding } from '../finding.js';
import { evaluateLicensePolicy } from './policy.js';
import { LICENSE_RULE_LIST } from './rules.js';
import { ggufFacts, licenseFileRole, safetensorsFacts, textFileFacts } from './sources.js';

export const licenseAnalyzer: Analyzer = {
  name: 'license',
  formats: ['text', 'json', 'gguf', 'safetensors'],
  rules: LICENSE_RULE_LIST,
  async analyze(ctx: AnalysisContext): Promise<Finding[]> {
    for (const fact of await factsOf(ctx)) ctx.record(fact);
    return [];
  },
  conclude: (facts, settings, files) => evaluateLicensePolicy(facts, settings.license, files),
};

async function factsOf(ctx: AnalysisContext): Promise<Fact[]> {
  const { file, source, format, limits } = ctx;
  // The format analyzers own the one pass a forward-only (decompressing) source allows; their headers
  // are read again here only where seeking back is free. A header too broken to read declares nothing
  // here: the format analyzer reports why.
  if (format === 'gguf') return source.seekable ? ggufFacts(file.path, source, limits).catch(() => []) : [];
  if (format === 'safetensors') return source.seekable ? safetensorsFacts(file.path, source, limits).catch(() => []) : [];
  const role = licenseFileRole(file.path);
  return role ? textFileFacts(role, file.path, source) : [];
}
