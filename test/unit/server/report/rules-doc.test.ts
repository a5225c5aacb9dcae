/** docs/rules.md is generated (scripts/gen-rules-doc.ts); this fails while the committed file is stale. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RULES_DOC, currentRuleCatalogue } from '../../../../scripts/gen-rules-doc.js';

describe('docs/rules.md', () => {
  it('should match the rule definitions (run `npm run rules` when this fails)', () => {
    expect(readFileSync(RULES_DOC, 'utf8')).toBe(currentRuleCatalogue());
  });
});
