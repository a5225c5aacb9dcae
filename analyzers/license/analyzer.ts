/**
 * The license analyzer: records every license declaration it finds in model cards, license texts,
 * configs, Kitfiles and code headers as facts (./sources.ts) — GGUF and safetensors metadata are recorded
 * by their format analyzers from the one read of the header they make (./sources.ts builds those facts
 * too) —, the installed
 * software packages an image carries with their own licences (./software-packages.ts), and once the
 * whole artifact is read, grades them against the license policy (./policy.ts). Reading a file never
 * produces a finding by itself: what is missing or contradictory is only known at the end.
 */
import type { Analyzer, AnalysisContext, Fact } from '../analyzer.js';
import type { Finding } from '../finding.js';
import { evaluateLicensePolicy } from './policy.js';
import { LICENSE_RULE_LIST } from './rules.js';
import { packageMetadataKind, softwarePackage } from './software-packages.js';
import { licenseFileRole, textFileFacts } from './sources.js';

export const licenseAnalyzer: Analyzer = {
  name: 'license',
  formats: ['text', 'json'],
  rules: LICENSE_RULE_LIST,
  async analyze(ctx: AnalysisContext): Promise<Finding[]> {
    for (const fact of await factsOf(ctx)) ctx.record(fact);
    return [];
  },
  conclude: (facts, settings, files) => evaluateLicensePolicy(facts, settings.license, files),
};

async function factsOf(ctx: AnalysisContext): Promise<Fact[]> {
  const { file } = ctx;
  const ecosystem = packageMetadataKind(file.path);
  if (ecosystem) {
    const found = softwarePackage(ecosystem, file.path, new TextDecoder().decode(await leading(ctx, PACKAGE_METADATA_BYTES)));
    return found ? [found] : [];
  }
  const role = licenseFileRole(file.path);
  return role ? textFileFacts(role, file.path, (length) => leading(ctx, length)) : [];
}

/** The first `length` bytes: the sniffed head when it holds them (most code files are smaller), so they are read once. */
function leading(ctx: AnalysisContext, length: number): Promise<Uint8Array> {
  const { head, source } = ctx;
  return head.length >= length || head.length === source.size ? Promise.resolve(head.subarray(0, length)) : source.read(0, length);
}

/** Core metadata headers come first; a long description may follow and is not needed. */
const PACKAGE_METADATA_BYTES = 256 * 1024;
