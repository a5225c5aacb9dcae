/**
 * The manifest analyzer: an artifact's manifests, configs, layer annotations and layer walk checked
 * against each other once every file has been scanned. Pure: facts in, findings out (see ./types.ts).
 */
import { FindingBudget } from '../finding-budget.js';
import type { Finding } from '../finding.js';
import { checkConfigs } from './config-checks.js';
import { checkLayerContents, checkLayerEncodings } from './content-checks.js';
import { checkDiffIds } from './diff-ids.js';
import { checkFileMetadata } from './file-metadata.js';
import { checkClaimedPaths, checkCollisions, checkMembersWithinClaim } from './filepaths.js';
import { checkKitfiles } from './kitfile.js';
import { checkLayerEntries } from './layer-entries.js';
import { checkLayerErrors } from './layer-errors.js';
import { checkSkippedManifests } from './skipped-manifests.js';
import type { ArtifactFacts } from './types.js';
import { ArtifactView, type ArtifactCheck, type ArtifactReporter } from './view.js';

/** Findings listed per rule across the artifact; the rest are counted in one summary finding. */
const FINDINGS_PER_RULE = 100;

const CHECKS: readonly ArtifactCheck[] = [
  checkConfigs,
  checkDiffIds,
  checkKitfiles,
  checkClaimedPaths,
  checkCollisions,
  checkMembersWithinClaim,
  checkFileMetadata,
  checkLayerEncodings,
  checkLayerContents,
  checkLayerEntries,
  checkLayerErrors,
  checkSkippedManifests,
];

/**
 * Check an artifact's manifests and layer walk. Summaries of rules over their cap are reported under the
 * artifact's digest.
 *
 * @example
 * const findings = analyzeArtifact({ digest, manifests, entries, collisions: [], layerErrors: [] });
 */
export function analyzeArtifact(facts: ArtifactFacts): Finding[] {
  const budget = new FindingBudget(facts.digest, FINDINGS_PER_RULE);
  const view = new ArtifactView(facts);
  const report: ArtifactReporter = { add: (rule, file, input) => budget.add(rule, input, file) };
  for (const check of CHECKS) check({ view, report });
  return budget.findings();
}
