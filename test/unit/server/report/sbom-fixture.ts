/** A finished registry scan with licenses, a model card and a base model, for the SBOM tests. */
import type { Fact } from '../../../../analyzers/analyzer.js';
import { identifyDeclared } from '../../../../analyzers/license/spdx-id.js';
import type { DecodedJob, ScanJob, ScanResult } from '../../../../server/jobs/model.js';

const facts: Fact[] = [
  { kind: 'license', file: 'README.md', source: 'model-card', scope: 'artifact', declared: 'llama3.1', ...identifyDeclared('llama3.1'), link: 'LICENSE' },
  { kind: 'license', file: 'LICENSE', source: 'license-file', scope: 'artifact', ...identifyDeclared('llama3.1'), confidence: 0.9 },
  { kind: 'license', file: 'src/model.py', source: 'code-header', scope: 'file', ...identifyDeclared('MIT OR Apache-2.0') },
  {
    kind: 'model-card',
    file: 'README.md',
    source: 'model-card',
    name: 'tiny-llama',
    task: 'text-generation',
    library: 'transformers',
    baseModels: [{ name: 'meta-llama/Llama-3.1-8B' }],
    datasets: ['org/data'],
    languages: ['en'],
  },
];

export const SBOM_JOB: DecodedJob = {
  id: 'job-1',
  status: 'finished',
  createdAt: 0,
  updatedAt: 0,
  target: { registryUrl: 'https://harbor.example.test', repository: 'library/tiny', digest: `sha256:${'a'.repeat(64)}`, tag: 'v1' },
  result: {
    generatedAt: '2026-01-02T03:04:05.678Z',
    packaging: 'modelpack',
    files: [
      { path: 'model.safetensors', size: 1024, digest: `sha256:${'b'.repeat(64)}`, mediaType: 'application/vnd.cncf.model.weight.v1.raw', format: 'safetensors' },
      { path: 'README.md', size: 80, layerDigest: `sha256:${'c'.repeat(64)}`, format: 'text' },
      { path: 'LICENSE', size: 300, layerDigest: `sha256:${'c'.repeat(64)}`, format: 'text' },
      { path: 'src/model.py', size: 50, layerDigest: `sha256:${'c'.repeat(64)}`, format: 'text' },
    ],
    filesScanned: 4,
    bytesScanned: 1454,
    bytesFetched: 2000,
    findings: [],
    facts,
  },
};
