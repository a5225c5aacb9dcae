/**
 * `str.format` and `format_map` can read attributes and items (`'{0.__class__}'.format(x)`). Jinja's
 * sandbox routes direct calls through its own formatter, but reaching the method indirectly escaped it:
 * CVE-2016-10745 (`str.format`, fixed 2.8.1), CVE-2019-10906 (`format_map`, 2.10.1), CVE-2024-56326 (a
 * stored reference to `format`, 3.1.5), CVE-2025-27516 (`| attr('format')`, 3.1.6). transformers accepts
 * any Jinja2 ≥ 3.1.0, so these still run on installations that were not upgraded. A template that both
 * holds such a format string and reaches `format`/`format_map` is reported as a sandbox escape.
 */
export const FORMAT_METHODS: ReadonlySet<string> = new Set(['format', 'format_map']);

/** A replacement field that reads an attribute or an item: `{0.x}`, `{a[x]}`, `{.x}`. */
const FIELD_LOOKUP = /\{[^{}!:.[\]]*[.[][^{}]*\}/;

export function hasFieldLookup(text: string): boolean {
  return FIELD_LOOKUP.test(text);
}
