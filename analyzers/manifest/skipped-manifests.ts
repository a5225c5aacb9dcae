/**
 * Index entries the resolver did not analyse (server/artifact/resolve.ts): each is a finding, so a
 * model hidden one index deeper than followed, or under a packaging nobody recognises, is never a clean
 * report (fail closed).
 */
import { MANIFEST_RULES } from './rules.js';
import type { CheckContext } from './view.js';

export function checkSkippedManifests({ view, report }: CheckContext): void {
  for (const skipped of view.facts.skippedManifests ?? [])
    report.add(MANIFEST_RULES.manifestNotAnalysed, skipped.digest, {
      message: `index entry ${skipped.digest} (${skipped.mediaType}) was not analysed: ${skipped.reason}`,
      details: { digest: skipped.digest, mediaType: skipped.mediaType, reason: skipped.reason },
    });
}
