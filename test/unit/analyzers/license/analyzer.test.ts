/**
 * The license analyzer through the real engine and scan loop: each fixture directory, GGUF and
 * safetensors metadata built here, archive members, and the paths it must leave alone.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { LicenseDeclaration } from '../../../../analyzers/analyzer.js';
import { ScanEngine } from '../../../../analyzers/engine.js';
import { ALL_ANALYZERS } from '../../../../analyzers/index.js';
import { licenseAnalyzer } from '../../../../analyzers/license/analyzer.js';
import { makeLimits } from '../../../../analyzers/limits.js';
import { DEFAULT_SETTINGS } from '../../../../analyzers/settings.js';
import { BufferSource, ForwardSource } from '../../../../analyzers/source.js';
import { localFiles } from '../../../../cli/local-files.js';
import type { ScanResult } from '../../../../server/jobs/model.js';
import { scanFiles, type ModelFileInput } from '../../../../server/scan/scan-files.js';
import { buildGguf, SAMPLE_TENSORS as GGUF_TENSORS, str, u32 } from '../../../support/gguf-builder.js';
import { buildSafetensors, SAMPLE_TENSORS } from '../../../support/safetensors-builder.js';
import { tarArchive, tarEntry } from '../../../support/tar-builder.js';

const FIXTURES = fileURLToPath(new URL('../../../fixtures/license/', import.meta.url));
const engine = new ScanEngine({ analyzers: ALL_ANALYZERS, limits: makeLimits(), settings: DEFAULT_SETTINGS });
const signal = new AbortController().signal;

async function scanDir(dir: string): Promise<ScanResult> {
  return scanFiles(engine, localFiles(path.join(FIXTURES, dir), []), { packaging: 'local', signal });
}

async function scanBytes(files: Record<string, Uint8Array | ModelFileInput['source']>): Promise<ScanResult> {
  async function* inputs(): AsyncIterable<ModelFileInput> {
    for (const [name, content] of Object.entries(files)) {
      const source = content instanceof Uint8Array ? new BufferSource(content) : content;
      yield { path: name, size: source.size, source };
    }
  }
  return scanFiles(engine, inputs(), { packaging: 'test', signal });
}

const licenses = (result: ScanResult) =>
  (result.facts ?? [])
    .filter((f): f is LicenseDeclaration => f.kind === 'license')
    .map((f) => `${f.file} ${f.source} ${f.spdx}`)
    .sort();
const ruleIds = (result: ScanResult) => result.findings.map((f) => f.ruleId).sort();
const utf8 = (text: string) => new TextEncoder().encode(text);

describe('license analyzer on fixture directories', () => {
  it.each([
    ['apache', ['LICENSE license-file Apache-2.0', 'README.md model-card Apache-2.0', 'config.json config-json Apache-2.0'], []],
    ['mit', ['LICENSE.md license-file MIT', 'README.md model-card MIT'], []],
    ['gpl-3.0', ['COPYING license-file GPL-3.0-only', 'README.md model-card GPL-3.0-only'], ['license.copyleft']],
    ['cc-by-nc-4.0', ['LICENSE.txt license-file CC-BY-NC-4.0', 'README.md model-card CC-BY-NC-4.0'], ['license.non-commercial']],
    ['llama3.1', ['LICENSE license-file LicenseRef-llama3.1', 'README.md model-card LicenseRef-llama3.1'], ['license.vendor-terms']],
    ['custom', ['LICENSE license-file LicenseRef-unidentified-', 'README.md model-card LicenseRef-acme-research-license'], ['license.vendor-terms']],
    [
      'conflict',
      ['LICENSE license-file LicenseRef-llama3.1', 'NOTICE notice-file LicenseRef-llama3.1', 'README.md model-card Apache-2.0'],
      ['license.conflict', 'license.vendor-terms'],
    ],
    ['derivative', ['README.md model-card MIT'], ['license.base-model-stricter']],
    ['unnamed', ['README.md model-card NOASSERTION'], ['license.unresolved']],
    ['unlicensed', [], ['license.missing']],
    ['code', ['README.md model-card MIT', 'modeling_custom.py code-header GPL-2.0-or-later'], ['license.copyleft']],
    ['kitfile', ['Kitfile kitfile Apache-2.0', 'Kitfile kitfile Apache-2.0', 'src/ kitfile GPL-3.0-only'], ['license.copyleft']],
  ])('should find the declarations of %s and report what the policy flags', async (dir, expected, rules) => {
    const result = await scanDir(dir);
    expect(licenses(result).map((l) => l.replace(/unidentified-[0-9a-f]+$/, 'unidentified-'))).toEqual(expected);
    expect(ruleIds(result)).toEqual(rules);
  });
});

describe('license analyzer on model file metadata', () => {
  it('should read general.license*, the name and base models of a GGUF file', async () => {
    const { bytes } = buildGguf({
      metadata: [
        ['general.architecture', str('llama')],
        ['general.name', str('Tiny')],
        ['general.license', str('other')],
        ['general.license.name', str('llama3.2')],
        ['general.license.link', str('https://example.test/LICENSE')],
        ['general.base_model.count', u32(1)],
        ['general.base_model.0.name', str('Llama-3.2-1B')],
        ['general.base_model.0.organization', str('meta-llama')],
      ],
      tensors: GGUF_TENSORS,
    });
    const result = await scanBytes({ 'model.gguf': bytes });
    const [declaration] = (result.facts ?? []).filter((f) => f.kind === 'license');
    expect(declaration).toMatchObject({ source: 'gguf', spdx: 'LicenseRef-llama3.2', link: 'https://example.test/LICENSE', declared: 'other (license_name: llama3.2)' });
    expect((result.facts ?? []).find((f) => f.kind === 'model-card')).toMatchObject({ name: 'Tiny', baseModels: [{ name: 'meta-llama/Llama-3.2-1B' }] });
    expect(ruleIds(result)).toEqual(['license.vendor-terms']);
  });

  it('should read license keys of safetensors __metadata__', async () => {
    const bytes = buildSafetensors(SAMPLE_TENSORS, { format: 'pt', 'modelspec.license': 'CreativeML-OpenRAIL-M' });
    const result = await scanBytes({ 'unet.safetensors': bytes });
    expect(licenses(result)).toEqual(['unet.safetensors safetensors LicenseRef-creativeml-openrail-m']);
  });

  it('should read GGUF license metadata of a small forward-only member, which the engine buffers for both analyzers', async () => {
    const { bytes } = buildGguf({ metadata: [['general.architecture', str('llama')], ['general.license', str('mit')]], tensors: GGUF_TENSORS });
    async function* chunks() {
      yield bytes;
    }
    const result = await scanBytes({ 'model.gguf': new ForwardSource(chunks(), bytes.length) });
    expect(licenses(result)).toEqual(['model.gguf gguf MIT']);
    expect(result.findings.filter((f) => f.ruleId === 'engine.analysis-failed')).toEqual([]);
  });

  it('should find a LICENSE inside a tar archive and name it as a member', async () => {
    const tar = tarArchive([tarEntry({ name: 'model/LICENSE' }, utf8('MIT License\n\nPermission is hereby granted, free of charge, to any person obtaining a copy of this software'))]);
    const result = await scanBytes({ 'bundle.tar': tar, 'README.md': utf8('---\nlicense: mit\n---\n') });
    expect(licenses(result)).toContain('README.md model-card MIT');
    expect(licenses(result).some((l) => l.startsWith('bundle.tar!model/LICENSE license-file'))).toBe(true);
  });

  it('should ignore licenses of bundled third-party software', async () => {
    const result = await scanBytes({ 'usr/share/doc/libfoo/LICENSE': utf8('GPL'), 'app/node_modules/x/LICENSE': utf8('MIT License') });
    expect(licenses(result)).toEqual([]);
    expect(ruleIds(result)).toEqual(['license.missing']);
  });

  it('should record an unreadable model card as unresolved instead of failing', async () => {
    const result = await scanBytes({ 'README.md': utf8('---\nlicense: [mit\n---\n') });
    expect(ruleIds(result)).toEqual(['license.unresolved']);
  });

  it('should declare its rules and the formats it reads', () => {
    // GGUF and safetensors metadata are recorded by their format analyzers, from their one header read.
    expect(licenseAnalyzer.formats).toEqual(['text', 'json']);
    expect(licenseAnalyzer.rules.map((r) => r.id)).toContain('license.base-model-stricter');
  });
});
