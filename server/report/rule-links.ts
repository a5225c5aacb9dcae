/**
 * Where a rule is documented. Findings link to `<docs URL>#<anchor>`, and docs/rules.md gives each
 * rule a heading whose generated anchor is exactly this one, so the two cannot drift apart.
 */

/**
 * The anchor GitHub (github-slugger) and most Markdown renderers derive from a heading: lower-cased,
 * punctuation other than `-` and `_` removed, spaces turned into `-`. The heading of a rule is its id,
 * so `safetensors.offsets-not-contiguous` → `safetensorsoffsets-not-contiguous`.
 */
export function headingAnchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\p{M} _-]/gu, '')
    .replace(/ /g, '-');
}

/** Anchor of a rule's section in the rule catalogue. */
export function ruleAnchor(ruleId: string): string {
  return headingAnchor(ruleId);
}

/**
 * Links to a rule's documentation; `docsBaseUrl` is where the deployment publishes the rule catalogue
 * (docs/rules.md, SCANNER_DOCS_URL). None while it is unset: a link that does not resolve is worse than none.
 */
export function ruleDocLinks(ruleId: string, docsBaseUrl: string): string[] {
  return docsBaseUrl === '' ? [] : [`${docsBaseUrl.replace(/#.*$/, '')}#${ruleAnchor(ruleId)}`];
}
