/** Shared builders for the report-mapping tests. */
import { defineRules, makeFinding, type Finding, type FindingInput } from '../../../../analyzers/finding.js';
import type { ReportContext } from '../../../../server/report/context.js';

export const TEST_RULES = defineRules({
  osSystem: {
    id: 'pickle.dangerous-global',
    analyzer: 'pickle',
    severity: 'Critical',
    title: 'Pickle calls a dangerous global',
    why: 'Loading runs the call.',
    remediation: 'Use safetensors.',
  },
  offsets: {
    id: 'safetensors.offsets-not-contiguous',
    analyzer: 'safetensors',
    severity: 'High',
    title: 'Tensor offsets are not contiguous',
    why: 'Readers disagree about the bytes.',
    remediation: 'Re-export the file.',
  },
  license: {
    id: 'license.unknown',
    analyzer: 'license',
    severity: 'Low',
    title: 'No license',
    why: 'Use may be restricted.',
    remediation: 'Add a LICENSE file.',
  },
});

export const MODEL_DIGEST = `sha256:0123456789abcdef${'0'.repeat(48)}`;
export const ARCHIVE_DIGEST = `sha256:fedcba9876543210${'f'.repeat(48)}`;

export function finding(rule: keyof typeof TEST_RULES, file: string, input: Partial<FindingInput> = {}): Finding {
  return makeFinding(TEST_RULES[rule], file, { message: `${rule} in ${file}`, ...input });
}

export function reportContext(overrides: Partial<ReportContext> = {}): ReportContext {
  return {
    artifact: {
      repository: 'library/model',
      digest: `sha256:${'ab'.repeat(32)}`,
      tag: 'v1',
      mime_type: 'application/vnd.oci.image.manifest.v1+json',
    },
    scanner: { name: 'harbor-scanner-models', vendor: 'harbor-scanner-models', version: '0.1.0' },
    generatedAt: new Date('2026-11-28T10:00:00.000Z'),
    fileDigests: new Map([
      ['model.safetensors', MODEL_DIGEST],
      ['archive.zip', ARCHIVE_DIGEST],
    ]),
    filesScanned: 3,
    bytesScanned: 4096,
    docsBaseUrl: 'https://example.com/harbor-scanner-models/docs/rules.md',
    ...overrides,
  };
}
