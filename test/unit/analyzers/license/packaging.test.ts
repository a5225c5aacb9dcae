import { describe, expect, it } from 'vitest';
import { packagingFacts } from '../../../../analyzers/license/packaging.js';

const summary = (facts: ReturnType<typeof packagingFacts>) =>
  facts.map((f) => (f.kind === 'license' ? [f.kind, f.source, f.spdx, f.file, f.scope] : [f.kind, f.source, f.name, f.file]));

describe('packagingFacts', () => {
  it('should read ModelPack descriptor.licenses and name when given a ModelPack config', () => {
    const config = { descriptor: { name: 'demo', licenses: ['Apache-2.0', 'llama3.1'] }, config: { architecture: 'transformer' }, modelfs: { type: 'layers', diffIds: [] } };
    expect(summary(packagingFacts(config, {}, { config: 'sha256:c', manifest: 'sha256:m' }))).toEqual([
      ['license', 'modelpack-config', 'Apache-2.0', 'sha256:c', 'artifact'],
      ['license', 'modelpack-config', 'LicenseRef-llama3.1', 'sha256:c', 'artifact'],
      ['model-card', 'modelpack-config', 'demo', 'sha256:c'],
    ]);
  });

  it('should read every Kitfile license field when given a KitOps config', () => {
    const kitfile = {
      manifestVersion: '1.0.0',
      package: { name: 'kit', license: 'MIT' },
      model: { name: 'm', path: 'model.gguf', license: 'Apache-2.0', parts: [{ path: 'lora', license: 'CC-BY-4.0' }] },
      code: [{ path: 'src/', license: 'GPL-3.0-only' }],
      datasets: [{ name: 'd', path: './data/train.csv', license: 'CC-BY-NC-4.0' }],
    };
    expect(summary(packagingFacts(kitfile, {}))).toEqual([
      ['license', 'kitfile', 'MIT', '.', 'artifact'],
      ['license', 'kitfile', 'Apache-2.0', '.', 'artifact'],
      ['license', 'kitfile', 'CC-BY-4.0', '.', 'artifact'],
      ['license', 'kitfile', 'GPL-3.0-only', 'src/', 'file'],
      ['license', 'kitfile', 'CC-BY-NC-4.0', 'data/train.csv', 'file'],
      ['model-card', 'kitfile', 'm', '.'],
    ]);
  });

  it('should read the OCI licenses annotation and ignore other configs', () => {
    const facts = packagingFacts({ architecture: 'amd64', rootfs: {} }, { 'org.opencontainers.image.licenses': 'MIT OR Apache-2.0' });
    expect(summary(facts)).toEqual([['license', 'oci-annotation', 'MIT OR Apache-2.0', '.', 'artifact']]);
  });

  it('should cap lists and ignore wrong types when the config is hostile', () => {
    const config = { descriptor: { licenses: [...Array(1000).fill('MIT'), 42, null], name: { evil: true } } };
    const facts = packagingFacts(config, {});
    expect(facts.length).toBe(64);
    expect(facts.every((f) => f.kind === 'license')).toBe(true);
  });
});
