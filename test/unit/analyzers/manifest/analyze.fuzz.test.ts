import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ARCHIVE_RULES } from '../../../../analyzers/archive/rules.js';
import { ENGINE_RULES } from '../../../../analyzers/engine-rules.js';
import { analyzeArtifact } from '../../../../analyzers/manifest/analyze.js';
import { MANIFEST_RULE_LIST } from '../../../../analyzers/manifest/rules.js';
import type { ArtifactFacts, ManifestFacts } from '../../../../analyzers/manifest/types.js';
import { dockerModel, kitops, modelPack } from './fixtures.js';

const KNOWN_RULES: ReadonlySet<string> = new Set([...MANIFEST_RULE_LIST, ...Object.values(ARCHIVE_RULES), ...Object.values(ENGINE_RULES)].map((r) => r.id));
const ANNOTATION_KEYS = ['org.cncf.model.filepath', 'org.cnai.model.filepath', 'org.opencontainers.image.title', 'org.cncf.model.file.metadata+json'];

/** A clean fixture whose config and layer annotations are replaced by arbitrary values. */
const hostileArtifact = fc
  .record({
    base: fc.constantFrom(modelPack, kitops, dockerModel),
    json: fc.jsonValue(),
    annotations: fc.array(fc.dictionary(fc.constantFrom(...ANNOTATION_KEYS), fc.oneof(fc.string(), fc.json())), { maxLength: 4 }),
  })
  .map(({ base, json, annotations }): ArtifactFacts => {
    const facts = base();
    const [only] = facts.manifests;
    const manifest: ManifestFacts = {
      ...only!,
      config: { ...only!.config, json },
      layers: only!.layers.map((layer, i) => ({ ...layer, annotations: annotations[i] ?? layer.annotations })),
    };
    return { ...facts, manifests: [manifest] };
  });

describe('analyzeArtifact on arbitrary configs and annotations', () => {
  it('should never throw and only report known rules', () => {
    fc.assert(
      fc.property(hostileArtifact, (facts) => {
        const findings = analyzeArtifact(facts);
        for (const finding of findings) expect(KNOWN_RULES.has(finding.ruleId)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});
