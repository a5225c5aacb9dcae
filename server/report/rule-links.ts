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

/** Link to a rule's documentation; `docsBaseUrl` is the published rule catalogue (docs/rules.md). */
export function ruleDocLink(ruleId: string, docsBaseUrl: string): string {
  return `${docsBaseUrl.replace(/#.*$/, '')}#${ruleAnchor(ruleId)}`;
}
