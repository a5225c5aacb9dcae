import { describe, expect, it } from 'vitest';
import type { Finding } from '../../../../analyzers/finding.js';
import { analyzeArtifact } from '../../../../analyzers/manifest/analyze.js';
import { MANIFEST_RULE_LIST } from '../../../../analyzers/manifest/rules.js';
import type { ArtifactFacts, EntryFacts, ManifestFacts } from '../../../../analyzers/manifest/types.js';
import {
  MANIFEST,
  artifact,
  digestOf,
  dockerModel,
  file,
  image,
  kitops,
  layer,
  layerOf,
  manifest,
  modelPack,
  modelPackConfig,
  ollama,
  oras,
  withConfig,
  withEntries,
  withLayer,
} from './fixtures.js';
import { HOSTILE_CASES } from './hostile-cases.js';

const ids = (findings: readonly Finding[]): string[] => findings.map((f) => f.ruleId);

describe('analyzeArtifact', () => {
  describe.each([
    { name: 'a ModelPack artifact as modctl pushes it', facts: modelPack() },
    { name: 'a KitOps ModelKit', facts: kitops() },
    { name: 'a Docker Model Runner artifact', facts: dockerModel() },
    { name: 'an ORAS push', facts: oras() },
    { name: 'an Ollama model', facts: ollama() },
    { name: 'a container image with absolute symlinks and setuid binaries', facts: image() },
  ])('for $name', ({ facts }) => {
    it('should report nothing when the artifact is consistent', () => {
      expect(analyzeArtifact(facts)).toEqual([]);
    });
  });

  it.each(HOSTILE_CASES)('should report $rule when $name', ({ facts, rule, file: path, severity }) => {
    const findings = analyzeArtifact(facts());
    const hits = findings.filter((f) => f.ruleId === rule);
    expect(hits.length, JSON.stringify(findings, null, 1)).toBeGreaterThan(0);
    if (path !== undefined) expect(hits.map((f) => f.file)).toContain(path);
    if (severity !== undefined) expect(hits.map((f) => f.severity)).toContain(severity);
    for (const finding of findings) expect(finding.why.length).toBeGreaterThan(0);
  });

  it('should have a hostile case for every manifest rule', () => {
    const covered = new Set(HOSTILE_CASES.map((c) => c.rule));
    expect(MANIFEST_RULE_LIST.map((r) => r.id).filter((id) => !covered.has(id))).toEqual([]);
  });

  it('should leave a pickle named .safetensors to engine.content-mismatch when the config also declares safetensors', () => {
    const facts = withEntries(modelPack(), (e) => e.map((entry) => (entry.path === 'model.safetensors' ? { ...entry, format: 'pickle' } : entry)));
    expect(ids(analyzeArtifact(facts))).not.toContain('manifest.layer-content-mismatch');
  });

  it('should not report the diffIds minimum on its own when the count check already does', () => {
    const findings = analyzeArtifact(withConfig(modelPack(), { ...modelPackConfig(), modelfs: { type: 'layers', diffIds: [] } }));
    expect(ids(findings)).toEqual(['manifest.diff-ids-count']);
  });

  it('should report a path once when the annotations and the walk both see the collision', () => {
    const facts = withLayer(modelPack(), 2, () => ({ annotations: { 'org.cncf.model.filepath': 'model.safetensors' }, name: 'model.safetensors' }));
    const both: ArtifactFacts = {
      ...facts,
      collisions: [{ manifestDigest: MANIFEST, path: 'model.safetensors', kind: 'duplicate', first: { rawPath: 'model.safetensors', layerDigest: digestOf('weights') }, second: { rawPath: 'model.safetensors', layerDigest: digestOf('readme') } }],
    };
    expect(ids(analyzeArtifact(both)).filter((id) => id === 'manifest.path-collision')).toHaveLength(1);
  });

  it('should not compare members with their claimed path when the layer could not be read to the end', () => {
    const facts = withEntries(modelPack(), (e) => [...e, file(layerOf(modelPack(), 1), 'start.sh')]);
    const failed = { ...facts, layerErrors: [{ manifestDigest: MANIFEST, layerDigest: digestOf('tokenizer'), cause: 'tar-malformed' as const, message: 'tar: bad' }] };
    expect(ids(analyzeArtifact(failed))).toEqual(['archive.tar-malformed']);
  });

  it('should list at most 100 findings of a rule and count the rest under the artifact digest', () => {
    const facts = kitops();
    const code = layerOf(facts, 1);
    const links = Array.from({ length: 250 }, (_, i): EntryFacts => ({ ...file(code, `src/l${i}`), type: 'symlink', linkname: '/etc/passwd', size: 0 }));
    const findings = analyzeArtifact({ ...facts, entries: [...facts.entries, ...links] }).filter((f) => f.ruleId === 'archive.link-escape');
    expect(findings).toHaveLength(101);
    expect(findings.at(-1)).toMatchObject({ file: MANIFEST, details: { suppressed: 150 } });
  });

  it('should check every manifest of an index on its own', () => {
    const first = modelPack().manifests[0]!;
    const second: ManifestFacts = { ...first, digest: digestOf('second'), config: { ...first.config, json: undefined } };
    const facts = artifact([first, second], modelPack().entries, { digest: digestOf('index') });
    const findings = analyzeArtifact(facts);
    expect(findings.map((f) => [f.ruleId, f.details?.['manifest']])).toEqual([['manifest.config-not-json', digestOf('second')]]);
  });

  it('should accept a minimal ModelPack config with only the required fields', () => {
    const diffIds = modelPack().manifests[0]!.layers.map((l) => l.digest);
    const facts = withConfig(modelPack(), { descriptor: {}, config: {}, modelfs: { type: 'layers', diffIds } });
    expect(analyzeArtifact(facts)).toEqual([]);
  });

  it('should name each ModelPack config problem by its field', () => {
    const facts = withConfig(modelPack(), { ...modelPackConfig(), descriptor: { name: '', licenses: 'MIT' }, config: { capabilities: { languages: ['english'] } } });
    const locations = analyzeArtifact(facts).map((f) => f.location);
    expect(locations).toEqual(expect.arrayContaining(['key descriptor.name', 'key descriptor.licenses', 'key config.capabilities.languages[0]']));
  });

  it('should not report a tar layer whose members sit under its claimed directory', () => {
    const facts = manifest('modelpack', 'application/vnd.oci.empty.v1+json', {}, [
      layer({ label: 'dir', mediaType: 'application/vnd.cncf.model.code.v1.tar', kind: 'code', declared: 'tar', name: 'src', annotations: { 'org.cncf.model.filepath': 'src/' } }),
    ]);
    const entries = [file(facts.layers[0]!, 'src/a.py'), file(facts.layers[0]!, 'src/pkg/b.py')];
    expect(analyzeArtifact(artifact([facts], entries))).toEqual([]);
  });
});
