/**
 * Writes docs/rules.md from the rule definitions (`npm run rules`). Run it after adding or changing a
 * rule; test/unit/server/report/rule-catalogue.test.ts fails while the committed file is stale.
 */
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { ENGINE_RULES } from '../analyzers/engine-rules.js';
import { ALL_ANALYZERS, ARTIFACT_RULES } from '../analyzers/index.js';
import { collectRules, renderRuleCatalogue } from '../server/report/rule-catalogue.js';

/** The catalogue as it should be committed: engine rules, every registered analyzer's rules, artifact rules. */
export function currentRuleCatalogue(): string {
  return renderRuleCatalogue(collectRules([Object.values(ENGINE_RULES), ...ALL_ANALYZERS.map((a) => a.rules), ARTIFACT_RULES]));
}

export const RULES_DOC = new URL('../docs/rules.md', import.meta.url);

// Imported by the staleness test; writes only when run as a script.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  writeFileSync(RULES_DOC, currentRuleCatalogue());
  console.log(`wrote ${RULES_DOC.pathname}`);
}
